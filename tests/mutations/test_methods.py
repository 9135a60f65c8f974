"""Method mutations: ``publishBook`` and the type mapping and options of ``@toolkit.mutation``.

The clash app's ``Gadget`` (exposed as ``Widget``) carries test-only method mutations.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client, override_settings
from django.utils import timezone

from demo.models import Book
from tests.clash.models import Gadget
from tests.conftest import GraphQLClient

ERRORS = "errors { field code messages }"
PUBLISH = f"""
mutation($id: ID!, $on: Date) {{
  publishBook(id: $id, on: $on) {{ ok result {ERRORS} book {{ id status publishedOn }} }}
}}"""
WITH_CLASH = {"APPS": ["demo", "clash"]}

TYPE_REF = "kind name ofType { kind name ofType { kind name ofType { kind name } } }"
INTROSPECT = f"""
query($name: String!) {{
  __type(name: $name) {{
    name
    fields {{ name type {{ {TYPE_REF} }} args {{ name defaultValue type {{ {TYPE_REF} }} }} }}
    enumValues {{ name }}
  }}
}}"""


def render(ref):
    """An introspected type reference in SDL notation: ``[Int!]!``."""
    if ref["kind"] == "NON_NULL":
        return render(ref["ofType"]) + "!"
    if ref["kind"] == "LIST":
        return f"[{render(ref['ofType'])}]"
    return ref["name"]


def introspect(client, name):
    return client(INTROSPECT, {"name": name})["__type"]


def field_of(client, type_name, field_name):
    return next(f for f in introspect(client, type_name)["fields"] if f["name"] == field_name)


def pairs(errors):
    return [(e["field"], e["code"]) for e in errors]


def draft_book(**values):
    defaults = {"title": "Draft", "slug": "draft-x", "isbn": "9110000000001", "price": Decimal("10.00")}
    return Book.objects.create(**{**defaults, **values})


def snapshot(book):
    return Book.objects.filter(pk=book.pk).values("status", "published_on", "updated_at", "price").get()


def client_with(*perms, username="perm-user"):
    """A logged-in client whose user has exactly the given ``app_label.codename`` permissions."""
    user = get_user_model().objects.create_user(username, f"{username}@example.com", "pw")
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    client = Client()
    client.force_login(user)
    return GraphQLClient(client)


# -- publishBook ---------------------------------------------------------------------------------------


def test_publish_book__publishes_a_draft_on_the_given_date(admin_gql):
    book = draft_book()
    payload = admin_gql(PUBLISH, {"id": book.pk, "on": "2026-01-15"})["publishBook"]
    assert payload == {
        "ok": True,
        "result": True,
        "errors": [],
        "book": {"id": str(book.pk), "status": "PUBLISHED", "publishedOn": "2026-01-15"},
    }
    book.refresh_from_db()
    assert (book.status, book.published_on) == (Book.Status.PUBLISHED, datetime.date(2026, 1, 15))


def test_publish_book__without_a_date_publishes_today(admin_gql):
    book = draft_book()
    payload = admin_gql(PUBLISH, {"id": book.pk})["publishBook"]
    today = timezone.localdate()
    assert (payload["ok"], payload["result"], payload["book"]["publishedOn"]) == (
        True,
        True,
        today.isoformat(),
    )
    assert Book.objects.get(pk=book.pk).published_on == today


def test_publish_book__already_published_returns_false_and_changes_nothing(admin_gql):
    book = Book.objects.filter(status=Book.Status.PUBLISHED).order_by("pk").first()
    before = snapshot(book)
    payload = admin_gql(PUBLISH, {"id": book.pk, "on": "2030-01-01"})["publishBook"]
    assert payload == {
        "ok": True,
        "result": False,
        "errors": [],
        "book": {"id": str(book.pk), "status": "PUBLISHED", "publishedOn": book.published_on.isoformat()},
    }
    assert snapshot(book) == before


def test_publish_book__validation_error_from_the_method_is_a_field_error_and_writes_nothing(admin_gql):
    book = draft_book(price=Decimal("0.00"))
    before = snapshot(book)
    payload = admin_gql(PUBLISH, {"id": book.pk, "on": "2026-01-15"})["publishBook"]
    assert payload["ok"] is False
    assert payload["result"] is None
    assert payload["errors"] == [
        {"field": "price", "code": "invalid", "messages": ["Set a price before publishing."]}
    ]
    assert snapshot(book) == before


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        (999999, "does_not_exist", "Book with id '999999' does not exist."),
        ("abc", "invalid", "'abc' is not a valid Book id."),
    ],
)
def test_publish_book__unknown_or_malformed_id_is_a_field_error_on_id(admin_gql, raw, code, message):
    payload = admin_gql(PUBLISH, {"id": raw})["publishBook"]
    assert payload == {
        "ok": False,
        "result": None,
        "errors": [{"field": "id", "code": code, "messages": [message]}],
        "book": None,
    }


def test_publish_book__anonymous_is_unauthenticated_and_plain_user_forbidden(gql, user_gql):
    book = draft_book()
    before = snapshot(book)
    assert gql.error(PUBLISH, {"id": book.pk}).error_code() == "UNAUTHENTICATED"
    assert user_gql.error(PUBLISH, {"id": book.pk}).error_code() == "FORBIDDEN"
    assert snapshot(book) == before


def test_publish_book__needs_the_change_permission_not_add(db):
    book = draft_book()
    assert (
        client_with("demo.add_book", username="adder").error(PUBLISH, {"id": book.pk}).error_code()
        == "FORBIDDEN"
    )
    assert Book.objects.get(pk=book.pk).status == Book.Status.DRAFT
    payload = client_with("demo.change_book", username="changer")(PUBLISH, {"id": book.pk})["publishBook"]
    assert (payload["ok"], payload["result"]) == (True, True)
    assert Book.objects.get(pk=book.pk).status == Book.Status.PUBLISHED


@pytest.mark.parametrize("literal", ['"not-a-date"', '"2026-02-30"', "20260115", "true"])
def test_publish_book__bad_date_literal_is_bad_user_input_naming_on(admin_gql, literal):
    book = draft_book()
    before = snapshot(book)
    result = admin_gql.error(f"mutation {{ publishBook(id: {book.pk}, on: {literal}) {{ ok }} }}")
    assert result.status == 400
    assert result.error_code() == "BAD_USER_INPUT"
    assert result.errors[0]["extensions"]["argument"] == "on"
    assert "'on'" in result.errors[0]["message"]
    assert snapshot(book) == before


def test_publish_book__bad_date_variable_is_bad_user_input_naming_on(admin_gql):
    book = draft_book()
    before = snapshot(book)
    result = admin_gql.error(PUBLISH, {"id": book.pk, "on": "15/01/2026"})
    assert result.status == 400
    assert result.error_code() == "BAD_USER_INPUT"
    assert result.errors[0]["extensions"]["argument"] == "on"
    assert snapshot(book) == before


def test_publish_book__signature_and_payload_by_introspection(gql):
    field = field_of(gql, "Mutation", "publishBook")
    assert {a["name"]: render(a["type"]) for a in field["args"]} == {"id": "ID!", "on": "Date"}
    assert render(field["type"]) == "PublishBookPayload!"
    assert field["args"][1]["defaultValue"] in (None, "null")
    payload = introspect(gql, "PublishBookPayload")
    assert {f["name"]: render(f["type"]) for f in payload["fields"]} == {
        "ok": "Boolean!",
        "result": "Boolean",
        "book": "Book",
        "errors": "[FieldError!]!",
    }


# -- the type mapping (clash Gadget, exposed as Widget) ---------------------------------------------


INSPECT = f"""
mutation($id: ID!, $moods: [Mood!], $note: String) {{
  inspectWidget(
    id: $id, count: 7, text: "hi", flag: true, amount: "12.50", day: "2024-02-29", span: "PT1H30M",
    key: "12345678-1234-5678-1234-567812345678", numbers: [1, 2, 3], mood: LOUD, moods: $moods, note: $note
  ) {{ ok result {ERRORS} widget {{ id label }} }}
}}"""


@pytest.fixture(scope="class")
def clash_exposed():
    """The clash app exposed (one schema build for the class)."""
    with override_settings(TOOLKIT=WITH_CLASH):
        yield


@pytest.mark.usefixtures("clash_exposed")
class TestWidgetMethods:
    """The clash app's ``Gadget``, exposed as ``Widget``, carries the test-only method mutations."""

    @pytest.fixture
    def gadget(self, db):
        return Gadget.objects.create(label="alice", serial_key="SK-1", weight=5)

    def test_method_arguments__map_python_hints_to_graphql_types(self, gql):
        field = field_of(gql, "Mutation", "inspectWidget")
        assert {a["name"]: render(a["type"]) for a in field["args"]} == {
            "id": "ID!",
            "count": "Int!",
            "text": "String!",
            "flag": "Boolean!",
            "amount": "Decimal!",
            "day": "Date!",
            "span": "Duration!",
            "key": "UUID!",
            "numbers": "[Int!]!",
            "mood": "Mood!",
            "note": "String",
            "repeat": "Int",
            "moods": "[Mood!]",
        }
        assert next(a["defaultValue"] for a in field["args"] if a["name"] == "repeat") == "2"
        assert [v["name"] for v in introspect(gql, "Mood")["enumValues"]] == ["CALM", "LOUD"]
        assert render(field["type"]) == "InspectWidgetPayload!"

    @pytest.mark.parametrize(
        ("method", "result_type"),
        [
            ("inspectWidget", "JSON"),
            ("relabelGadgetNow", "Widget"),
            ("claimWidget", "[String!]"),
            ("stampWidget", "Int"),
            ("remindWidget", "String"),
            ("touchWidget", "Boolean"),
        ],
    )
    def test_method_results__map_the_return_hint(self, gql, method, result_type):
        payload_name = render(field_of(gql, "Mutation", method)["type"]).rstrip("!")
        fields = {f["name"]: render(f["type"]) for f in introspect(gql, payload_name)["fields"]}
        assert fields == {
            "ok": "Boolean!",
            "result": result_type,
            "widget": "Widget",
            "errors": "[FieldError!]!",
        }

    def test_method_arguments__arrive_as_python_values(self, admin_gql, gadget):
        payload = admin_gql(INSPECT, {"id": gadget.pk, "moods": ["CALM", "LOUD"]})["inspectWidget"]
        assert payload["ok"] is True and payload["errors"] == []
        assert payload["widget"] == {"id": str(gadget.pk), "label": "alice"}
        assert payload["result"] == {
            "count": ["int", "7"],
            "text": ["str", "hi"],
            "flag": ["bool", "True"],
            "amount": ["Decimal", "12.50"],
            "day": ["date", "2024-02-29"],
            "span": ["timedelta", "1:30:00"],
            "key": ["UUID", "12345678-1234-5678-1234-567812345678"],
            "mood": ["Mood", "Mood.LOUD"],
            "note": ["NoneType", "None"],
            "repeat": ["int", "2"],
            "numbers": ["int", "int", "int", "6"],
            "moods": ["Mood:calm", "Mood:loud"],
        }

    def test_method_arguments__optional_ones_take_given_values(self, admin_gql, gadget):
        payload = admin_gql(INSPECT, {"id": gadget.pk, "note": "remember"})["inspectWidget"]
        assert payload["result"]["note"] == ["str", "remember"]
        assert payload["result"]["moods"] is None

    def test_method_arguments__python_defaults_apply_when_left_out(self, admin_gql, gadget):
        """Defaults GraphQL cannot spell (a timedelta, an enum member) must still be the method's own."""
        payload = admin_gql(f"mutation {{ remindWidget(id: {gadget.pk}) {{ ok result }} }}")["remindWidget"]
        assert payload == {"ok": True, "result": "1 day, 0:00:00|Mood.CALM|3"}

    @pytest.mark.parametrize(
        ("arguments", "argument"),
        [
            ('count: "seven"', "count"),
            ("amount: true", "amount"),
            ('day: "2024-02-30"', "day"),
            ('span: "an hour"', "span"),
            ('key: "not-a-uuid"', "key"),
            ("numbers: [1, null]", "numbers"),
            ("mood: PURPLE", "mood"),
            ('mood: "LOUD"', "mood"),
        ],
    )
    def test_method_arguments__bad_literals_are_bad_user_input_naming_the_argument(
        self, admin_gql, gadget, arguments, argument
    ):
        valid = {
            "count": "7",
            "text": '"hi"',
            "flag": "true",
            "amount": '"1"',
            "day": '"2024-01-01"',
            "span": '"PT1H"',
            "key": '"12345678-1234-5678-1234-567812345678"',
            "numbers": "[1]",
            "mood": "CALM",
        }
        valid[argument] = arguments.split(": ", 1)[1]
        spelled = ", ".join(f"{k}: {v}" for k, v in valid.items())
        result = admin_gql.error(f"mutation {{ inspectWidget(id: {gadget.pk}, {spelled}) {{ ok }} }}")
        assert result.status == 400
        assert result.error_code() == "BAD_USER_INPUT"
        assert result.errors[0]["extensions"]["argument"] == argument

    def test_method_arguments__a_missing_required_argument_is_refused_before_the_method_runs(
        self, admin_gql, gadget
    ):
        result = admin_gql.error(f"mutation {{ stampWidget(id: {gadget.pk}) {{ ok result }} }}")
        assert result.status == 400
        assert result.error_code() in ("GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT")
        assert "label" in result.errors[0]["message"]
        assert Gadget.objects.get(pk=gadget.pk).label == "alice"

    def test_method_returning_the_model__custom_name_and_result_object(self, admin_gql, gadget):
        doc = f'mutation {{ relabelGadgetNow(id: {gadget.pk}, label: "bob") {{ ok result {{ id label }} widget {{ label }} {ERRORS} }} }}'
        payload = admin_gql(doc)["relabelGadgetNow"]
        assert payload == {
            "ok": True,
            "result": {"id": str(gadget.pk), "label": "bob"},
            "widget": {"label": "bob"},
            "errors": [],
        }
        assert Gadget.objects.get(pk=gadget.pk).label == "bob"
        assert "relabelWidget" not in {f["name"] for f in introspect(admin_gql, "Mutation")["fields"]}

    def test_method_validation_error_from_full_clean__is_a_field_error(self, admin_gql, gadget):
        doc = f'mutation {{ relabelGadgetNow(id: {gadget.pk}, label: "{"x" * 51}") {{ ok result {{ id }} {ERRORS} }} }}'
        payload = admin_gql(doc)["relabelGadgetNow"]
        assert (payload["ok"], payload["result"], pairs(payload["errors"])) == (
            False,
            None,
            [("label", "max_length")],
        )
        assert Gadget.objects.get(pk=gadget.pk).label == "alice"

    def test_method_string_permission__replaces_the_default_change_permission(self, gadget):
        doc = f'mutation {{ relabelGadgetNow(id: {gadget.pk}, label: "bob") {{ ok }} }}'
        changer = client_with("clash.change_gadget", username="changer")
        assert changer.error(doc).error_code() == "FORBIDDEN"
        assert Gadget.objects.get(pk=gadget.pk).label == "alice"
        viewer = client_with("clash.view_gadget", username="viewer")
        assert viewer(doc)["relabelGadgetNow"]["ok"] is True
        assert Gadget.objects.get(pk=gadget.pk).label == "bob"

    def test_method_default_permission__is_the_models_change_permission(self, gadget):
        doc = f'mutation {{ stampWidget(id: {gadget.pk}, label: "new") {{ ok result }} }}'
        assert client_with("clash.view_gadget", username="viewer").error(doc).error_code() == "FORBIDDEN"
        assert Gadget.objects.get(pk=gadget.pk).label == "alice"
        payload = client_with("clash.change_gadget", username="changer")(doc)["stampWidget"]
        assert payload == {"ok": True, "result": 3}
        assert Gadget.objects.get(pk=gadget.pk).label == "new"

    def test_method_callable_permission__is_asked_with_the_user_and_the_object(self, gql, gadget):
        other = Gadget.objects.create(label="bob", serial_key="SK-2")
        doc = "mutation($id: ID!) { claimWidget(id: $id) { ok result } }"
        alice = client_with(username="alice")  # no model permission at all: the callable decides
        assert alice(doc, {"id": gadget.pk})["claimWidget"] == {"ok": True, "result": ["alice", "SK-1"]}
        assert alice.error(doc, {"id": other.pk}).error_code() == "FORBIDDEN"
        assert gql.error(doc, {"id": gadget.pk}).error_code() == "UNAUTHENTICATED"

    def test_method_atomic__a_validation_error_rolls_back_the_methods_writes(self, admin_gql, gadget):
        doc = f'mutation {{ stampWidget(id: {gadget.pk}, label: "changed", fail: true) {{ ok result {ERRORS} }} }}'
        payload = admin_gql(doc)["stampWidget"]
        assert payload == {
            "ok": False,
            "result": None,
            "errors": [{"field": "label", "code": "refused", "messages": ["Refused after saving."]}],
        }
        assert Gadget.objects.get(pk=gadget.pk).label == "alice"

    def test_method_atomic__the_payload_does_not_show_rolled_back_values(self, admin_gql, gadget):
        """After a rollback the payload's object is either null or what the database holds."""
        doc = f'mutation {{ stampWidget(id: {gadget.pk}, label: "changed", fail: true) {{ ok widget {{ label }} }} }}'
        payload = admin_gql(doc)["stampWidget"]
        assert payload["ok"] is False
        assert payload["widget"] in (None, {"label": "alice"})

    def test_method_not_atomic__keeps_what_the_method_saved_before_failing(self, admin_gql, gadget):
        doc = f'mutation {{ stampLooseWidget(id: {gadget.pk}, label: "changed", fail: true) {{ ok result {ERRORS} }} }}'
        payload = admin_gql(doc)["stampLooseWidget"]
        assert (payload["ok"], pairs(payload["errors"])) == (False, [("label", "refused")])
        assert Gadget.objects.get(pk=gadget.pk).label == "changed"

    @pytest.mark.parametrize("method", ["stampWidget", "stampLooseWidget"])
    def test_method_unexpected_exception__is_internal_error_and_rolls_back(self, admin_gql, gadget, method):
        result = admin_gql.error(f'mutation {{ {method}(id: {gadget.pk}, label: "explode") {{ ok }} }}')
        assert result.error_code() == "INTERNAL_SERVER_ERROR"
        assert "secret" not in result.errors[0]["message"]
        assert Gadget.objects.get(pk=gadget.pk).label == "alice"

    def test_method_returning_none__result_is_null(self, admin_gql, gadget):
        payload = admin_gql(f"mutation {{ touchWidget(id: {gadget.pk}) {{ ok result widget {{ id }} }} }}")[
            "touchWidget"
        ]
        assert payload == {"ok": True, "result": None, "widget": {"id": str(gadget.pk)}}

    def test_method_unknown_widget_id__is_a_field_error(self, admin_gql):
        payload = admin_gql(
            "mutation { touchWidget(id: 999999) { ok result widget { id } errors { field code } } }"
        )
        assert payload["touchWidget"] == {
            "ok": False,
            "result": None,
            "widget": None,
            "errors": [{"field": "id", "code": "does_not_exist"}],
        }


def test_method_mutations__absent_when_the_app_is_not_exposed(gql):
    names = {f["name"] for f in introspect(gql, "Mutation")["fields"]}
    assert "publishBook" in names
    assert not {n for n in names if "Widget" in n or "Gadget" in n}
