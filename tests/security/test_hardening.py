"""Production hardening: introspection and suggestions off, no internals in errors, mutations only
over POST, CSRF-safe content types, regex filters only where opted in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, override_settings

from demo.models import Book, Tag
from toolkit.schema import SchemaBuilder

URL = "/graphql/"
CREATE_TAG = 'mutation { createTag(input: {name: "csrf", slug: "csrf"}) { ok } }'


@pytest.fixture
def no_introspection():
    with override_settings(TOOLKIT={**settings.TOOLKIT, "INTROSPECTION": False}):
        yield


def validation_failed(result) -> None:
    assert result.status == 400, result.body
    assert result.data is None
    assert set(result.codes) == {"GRAPHQL_VALIDATION_FAILED"}, result.body


# -- introspection --------------------------------------------------------------------------------------

INTROSPECTION_QUERIES = [
    "{ __schema { queryType { name } } }",
    '{ __type(name: "Book") { name fields { name } } }',
    "query { ...F } fragment F on Query { __schema { types { name } } }",
    'query { ... on Query { __type(name: "PartnerAccount") { name } } }',
    "{ books(limit: 1) { id } __schema { mutationType { name } } }",
    "query IntrospectionQuery { __schema { directives { name } } }",
]


@pytest.mark.parametrize("query", INTROSPECTION_QUERIES)
def test_introspection_off__schema_and_type_are_refused(gql, no_introspection, query):
    result = gql.post(query)
    validation_failed(result)
    assert "introspection" in result.errors[0]["message"].lower()


@pytest.mark.parametrize("query", INTROSPECTION_QUERIES)
def test_introspection_off__refused_for_superusers_too(admin_gql, no_introspection, query):
    validation_failed(admin_gql.post(query))


def test_introspection_off__typename_still_works(gql, no_introspection):
    first = Book.objects.order_by("pk").first()
    assert gql("{ __typename }") == {"__typename": "Query"}
    data = gql("{ books(limit: 1) { __typename id } event: events(limit: 1) { __typename } }")
    assert data["books"] == [{"__typename": "Book", "id": str(first.pk)}]
    assert data["event"][0]["__typename"] in ("Event", "BookLaunch", "Signing")


def test_introspection_on__is_answered(gql):
    """The test settings keep introspection on (the default), so the refusal above is the setting."""
    assert gql("{ __schema { queryType { name } } }") == {"__schema": {"queryType": {"name": "Query"}}}


SUGGESTION_CASES = [
    ("{ boks { id } }", "books"),
    ("{ books { titel } }", "title"),
    ("{ books(wher: {}) { id } }", "where"),
    ('{ books(where: {titl: {eq: "x"}}) { id } }', "title"),
    ("{ books(orderBy: {title: ASCC}) { id } }", "ASC"),
    ("{ booksAggregate(groupBy: [STATU]) { count } }", "STATUS"),
]


@pytest.mark.parametrize("query, suggestion", SUGGESTION_CASES)
def test_suggestions__shown_with_introspection_hidden_without(gql, query, suggestion):
    shown = gql.post(query)
    assert shown.status == 400 and "Did you mean" in shown.errors[0]["message"], shown.body
    assert suggestion in shown.errors[0]["message"]
    with override_settings(TOOLKIT={**settings.TOOLKIT, "INTROSPECTION": False}):
        hidden = gql.post(query)
    assert hidden.status == 400 and hidden.codes == shown.codes
    text = json.dumps(hidden.body)
    assert "Did you mean" not in text and f"'{suggestion}'" not in text


def test_hide_suggestions__can_be_set_on_its_own(gql):
    with override_settings(TOOLKIT={**settings.TOOLKIT, "HIDE_SUGGESTIONS": True}):
        assert "Did you mean" not in gql.post("{ boks { id } }").errors[0]["message"]
        assert gql("{ __schema { queryType { name } } }")  # introspection still on
    with override_settings(TOOLKIT={**settings.TOOLKIT, "INTROSPECTION": False, "HIDE_SUGGESTIONS": False}):
        assert "Did you mean" in gql.post("{ boks { id } }").errors[0]["message"]


PROD_PROBE = """
import json
import django
from django.conf import settings
django.setup()
from toolkit.conf import get_config
from toolkit.rules import hide_suggestions
print(json.dumps({
    "introspection": get_config()["INTROSPECTION"],
    "hide_suggestions": hide_suggestions(),
    "debug": settings.DEBUG,
    "graphiql": get_config()["GRAPHIQL"],
}))
"""


def test_production_settings__turn_introspection_and_suggestions_off():
    root = Path(settings.BASE_DIR)
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DEBUG", "JWT_SIGNING_KEY")},
        "DJANGO_SETTINGS_MODULE": "settings.prod",
        "SECRET_KEY": "prod-probe-" + "q7" * 30,
        "PYTHONPATH": str(root),
    }
    output = subprocess.run(
        [sys.executable, "-c", PROD_PROBE], cwd=root, env=env, capture_output=True, text=True, check=True
    ).stdout
    probe = json.loads(output.strip().splitlines()[-1])
    assert probe["introspection"] is False and probe["hide_suggestions"] is True
    assert probe["debug"] is False and probe["graphiql"] in (None, False)


# -- errors reveal nothing ----------------------------------------------------------------------------------


def test_unexpected_errors__are_masked_without_trace_or_text(gql, monkeypatch, caplog):
    def boom(*args, **kwargs):
        raise RuntimeError("connection to db-internal.example:5432 failed, password=hunter2")

    monkeypatch.setattr(SchemaBuilder, "list_rows", boom)
    result = gql.post("{ books { id } }")
    assert result.status == 200
    assert result.codes == ["INTERNAL_SERVER_ERROR"]
    error = result.errors[0]
    assert error["message"] == "Internal server error."
    assert set(error["extensions"]) == {"code", "requestId"}  # the id is the client's key to the log
    text = json.dumps(result.body)
    for leak in ("hunter2", "db-internal", "RuntimeError", "Traceback", 'File "', "toolkit/", ".py"):
        assert leak not in text, leak
    assert any("hunter2" in str(r.exc_info) for r in caplog.records if r.exc_info)  # logged, not sent


def test_unexpected_errors_in_mutations__are_masked_and_roll_back(admin_gql, monkeypatch):
    def boom(self, *args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(Book, "publish", boom)
    book = Book.objects.exclude(status=Book.Status.PUBLISHED).order_by("pk").first()
    result = admin_gql.post(f'mutation {{ publishBook(id: "{book.pk}") {{ ok }} }}')
    assert "secret internal detail" not in json.dumps(result.body)
    assert "INTERNAL_SERVER_ERROR" in result.codes
    book.refresh_from_db()
    assert book.status != Book.Status.PUBLISHED


@pytest.mark.parametrize(
    "body, content_type",
    [
        ('{"query": "{ books { id } ', "application/json"),
        ('{"query": 42}', "application/json"),
        ('{"query": "{ books { id } }", "variables": [1, 2]}', "application/json"),
        ("\xff\xfe garbage", "application/json"),
        ('["not an operation"]', "application/json"),
        ("[1, 2]", "application/json"),
        ('[{"query": 42}]', "application/json"),
    ],
)
def test_malformed_requests__get_a_short_message_not_a_trace(client, db, body, content_type):
    response = client.post(URL, body, content_type=content_type)
    assert response.status_code == 400
    text = response.content.decode(errors="replace")
    assert "Traceback" not in text and 'File "' not in text and ".py" not in text


# -- mutations only over POST ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"query": CREATE_TAG},
        {
            "query": f"query Q {{ tags {{ id }} }} {CREATE_TAG.replace('mutation', 'mutation M')}",
            "operationName": "M",
        },
    ],
    ids=["mutation", "named-operation"],
)
def test_mutation_over_get__is_405_and_writes_nothing(admin_user, params):
    client = Client()
    client.force_login(admin_user)
    before = Tag.objects.count()
    response = client.get(URL, params)
    assert response.status_code == 405
    assert "POST" in response["Allow"]
    assert Tag.objects.count() == before


def test_query_over_get__is_allowed(client, db):
    response = client.get(URL, {"query": "{ tags(limit: 1) { id } }"})
    assert response.status_code == 200 and "errors" not in response.json()


# -- CSRF: cookie sessions only with JSON (which needs a CORS preflight cross-site) -------------------------


@pytest.fixture
def session_client(admin_user):
    """A browser with a logged-in session cookie and Django's CSRF checks enforced."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize(
    "content_type, body",
    [
        ("application/x-www-form-urlencoded", f"query={CREATE_TAG}"),
        ("text/plain", json.dumps({"query": CREATE_TAG})),
        ("text/plain;charset=UTF-8", json.dumps({"query": CREATE_TAG})),
        ("", json.dumps({"query": CREATE_TAG})),
    ],
    ids=["form", "text-plain", "text-plain-charset", "none"],
)
def test_session_post_with_a_simple_content_type__is_415_and_writes_nothing(
    session_client, content_type, body
):
    """The content types a cross-site HTML form (or a no-preflight fetch) can send are refused."""
    before = Tag.objects.count()
    response = session_client.generic("POST", URL, body, content_type=content_type)
    assert response.status_code == 415, response.content
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["UNSUPPORTED_MEDIA_TYPE"]
    assert Tag.objects.count() == before


def test_session_post_multipart_without_a_preflight_header__is_400_and_writes_nothing(session_client):
    """The one simple content type the endpoint reads (file uploads, toolkit.multipart) needs a
    header a cross-site form cannot send."""
    before = Tag.objects.count()
    operations = json.dumps({"query": CREATE_TAG})
    body = (
        f'--xyz\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{operations}\r\n'
        f'--xyz\r\nContent-Disposition: form-data; name="map"\r\n\r\n{{}}\r\n--xyz--\r\n'
    )
    response = session_client.generic("POST", URL, body, content_type="multipart/form-data; boundary=xyz")
    assert response.status_code == 400, response.content
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["CSRF_PREVENTED"]
    assert Tag.objects.count() == before
    response = session_client.generic(
        "POST", URL, body, content_type="multipart/form-data; boundary=xyz", HTTP_GRAPHQL_PREFLIGHT="1"
    )
    assert response.status_code == 200, response.content
    assert Tag.objects.count() == before + 1


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8"])
def test_session_post_with_json__is_accepted_without_a_csrf_token(session_client, content_type):
    response = session_client.post(URL, json.dumps({"query": CREATE_TAG}), content_type=content_type)
    assert response.status_code == 200, response.content
    assert response.json() == {"data": {"createTag": {"ok": True}}}
    assert Tag.objects.filter(slug="csrf").exists()


def test_session_post_with_application_graphql__is_accepted(session_client):
    response = session_client.post(URL, "{ tags(limit: 1) { id } }", content_type="application/graphql")
    assert response.status_code == 200 and "errors" not in response.json()


# -- regex filters are opt-in ------------------------------------------------------------------------------


def test_regex_filters__absent_unless_opted_in(gql):
    result = gql.post('{ books(where: {title: {regex: "^The"}}) { id } }')
    assert result.status == 400 and result.codes == ["BAD_USER_INPUT"]
    models = {**settings.TOOLKIT.get("MODELS", {}), "demo.Book": {"regex_fields": ["title"]}}
    with override_settings(TOOLKIT={**settings.TOOLKIT, "MODELS": models}):
        data = gql('{ books(where: {title: {regex: "^The"}}) { id } }')
        expected = list(Book.objects.filter(title__regex="^The").order_by("pk").values_list("pk", flat=True))
        assert [int(b["id"]) for b in data["books"]] == expected
        assert gql.post('{ books(where: {description: {regex: "x"}}) { id } }').status == 400
