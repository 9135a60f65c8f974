"""Bulk mutations: atomic and per-item modes, duplicates, links, limits, deletes, query counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import signals
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from demo.models import (
    Authorship,
    Book,
    BookLaunch,
    Comment,
    Event,
    Publisher,
    Review,
    Store,
    Tag,
)
from tests.conftest import GraphQLClient
from toolkit.testing import query_budget

ERRORS = "errors { field code messages }"
ROLLED_BACK = [("__all__", "rolled_back")]

CREATE_TAGS = f"""
mutation($inputs: [TagCreateInput!]!, $atomic: Boolean) {{
  bulkCreateTags(inputs: $inputs, atomic: $atomic) {{
    ok
    results {{ index ok {ERRORS} tag {{ id name slug }} }}
  }}
}}"""

CREATE_BOOKS = f"""
mutation($inputs: [BookCreateInput!]!, $atomic: Boolean) {{
  bulkCreateBooks(inputs: $inputs, atomic: $atomic) {{
    ok
    results {{ index ok {ERRORS} book {{ id title publisher {{ id }} tags {{ id }} reviewsCount }} }}
  }}
}}"""

CREATE_REVIEWS = f"""
mutation($inputs: [ReviewCreateInput!]!, $atomic: Boolean) {{
  bulkCreateReviews(inputs: $inputs, atomic: $atomic) {{
    ok
    results {{ index ok {ERRORS} review {{ id rating book {{ id }} }} }}
  }}
}}"""

UPDATE_BOOKS = f"""
mutation($items: [BookBulkUpdateItem!]!, $atomic: Boolean) {{
  bulkUpdateBooks(items: $items, atomic: $atomic) {{
    ok
    results {{ index ok {ERRORS} book {{ id title price publisher {{ id }} updatedAt }} }}
  }}
}}"""

UPDATE_STORES = f"""
mutation($items: [StoreBulkUpdateItem!]!, $atomic: Boolean) {{
  bulkUpdateStores(items: $items, atomic: $atomic) {{
    ok
    results {{ index ok {ERRORS} store {{ id name version }} }}
  }}
}}"""

DELETE_BOOKS = f"mutation($ids: [ID!]!) {{ bulkDeleteBooks(ids: $ids) {{ ok deletedIds {ERRORS} }} }}"
DELETE_TAGS = f"mutation($ids: [ID!]!) {{ bulkDeleteTags(ids: $ids) {{ ok deletedIds {ERRORS} }} }}"


def run(client, document, root, atomic=None, **variables):
    """Run a bulk mutation that must not raise; returns its payload."""
    if atomic is not None:
        variables["atomic"] = atomic
    return client(document, variables)[root]


def summary(payload):
    """``[(index, ok, [(field, code), ...]), ...]``: the shape of the per-item results."""
    return [(r["index"], r["ok"], [(e["field"], e["code"]) for e in r["errors"]]) for r in payload["results"]]


def tag(name):
    return {"name": name, "slug": name}


def book(n, **extra):
    return {
        "title": f"Bulk {n}",
        "slug": f"bulk-{n}",
        "isbn": f"99{n:011d}",
        "price": "12.00",
        **extra,
    }


def tag_names():
    return set(Tag.objects.values_list("name", flat=True))


def make_books(count, prefix="qb"):
    return Book.objects.bulk_create(
        Book(title=f"{prefix} {i}", slug=f"{prefix}-{i}", isbn=f"98{i:011d}", price=Decimal("5.00"))
        for i in range(count)
    )


def make_stores(count):
    return Store.objects.bulk_create(
        Store(
            name=f"Shop {i}",
            slug=f"shop-{i}",
            city="Porto",
            opens_at=datetime.time(9),
            closes_at=datetime.time(18),
        )
        for i in range(count)
    )


def client_with(*codenames):
    """A logged-in client whose user has exactly these ``demo`` permissions."""
    user = get_user_model().objects.create_user("bulk-writer", "bw@example.com", "pw")
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="demo", codename__in=codenames)
    )
    client = Client()
    client.force_login(user)
    return GraphQLClient(client)


@pytest.fixture
def receiver_on():
    """Connect a ``post_save`` receiver for a model during the test; returns the calls seen."""
    connected = []
    calls = []

    def connect(model):
        def receiver(sender, instance, created, **kwargs):
            calls.append((sender, instance.pk, created))

        signals.post_save.connect(
            receiver, sender=model, weak=False, dispatch_uid=f"bulk-test-{model.__name__}"
        )
        connected.append(model)
        return calls

    yield connect
    for model in connected:
        signals.post_save.disconnect(sender=model, dispatch_uid=f"bulk-test-{model.__name__}")


# -- bulk create: atomic and per-item -------------------------------------------------------------


def test_bulk_create_tags__atomic_success_writes_every_item_in_order(admin_gql):
    before = Tag.objects.count()
    payload = run(
        admin_gql, CREATE_TAGS, "bulkCreateTags", inputs=[tag("zines"), tag("essays"), tag("atlas")]
    )
    assert payload["ok"] is True
    assert summary(payload) == [(0, True, []), (1, True, []), (2, True, [])]
    assert [r["tag"]["name"] for r in payload["results"]] == ["zines", "essays", "atlas"]
    stored = {t.name: str(t.pk) for t in Tag.objects.filter(name__in=["zines", "essays", "atlas"])}
    assert [r["tag"]["id"] for r in payload["results"]] == [
        stored["zines"],
        stored["essays"],
        stored["atlas"],
    ]
    assert Tag.objects.count() == before + 3


def test_bulk_create_tags__atomic_one_bad_item_rolls_back_every_item(admin_gql):
    before = tag_names()
    payload = run(
        admin_gql,
        CREATE_TAGS,
        "bulkCreateTags",
        inputs=[tag("zines"), {"name": "", "slug": "empty"}, tag("atlas")],
    )
    assert payload["ok"] is False
    assert summary(payload) == [
        (0, False, ROLLED_BACK),
        (1, False, [("name", "blank")]),
        (2, False, ROLLED_BACK),
    ]
    assert all(r["tag"] is None for r in payload["results"])
    assert tag_names() == before


def test_bulk_create_tags__atomic_is_the_default(admin_gql):
    before = tag_names()
    payload = admin_gql(
        'mutation { bulkCreateTags(inputs: [{name: "zines", slug: "zines"}, {name: "zines", slug: "zines-2"}])'
        f" {{ ok results {{ ok {ERRORS} }} }} }}"
    )["bulkCreateTags"]
    assert payload["ok"] is False
    assert [r["ok"] for r in payload["results"]] == [False, False]
    assert tag_names() == before


def test_bulk_create_tags__explicit_null_atomic_does_not_commit_part_of_a_failing_batch(admin_gql):
    """``atomic: null`` must not silently mean ``false``: either the default (all or nothing) or an error."""
    before = tag_names()
    result = admin_gql.post(
        CREATE_TAGS, {"inputs": [tag("zines"), {"name": "", "slug": "x"}], "atomic": None}
    )
    assert tag_names() == before, result.body


def test_bulk_create_tags__non_atomic_writes_exactly_the_good_items(admin_gql):
    before = tag_names()
    payload = run(
        admin_gql,
        CREATE_TAGS,
        "bulkCreateTags",
        atomic=False,
        inputs=[
            tag("zines"),
            {"name": "x" * 51, "slug": "long"},
            tag("atlas"),
            {"name": "odd", "slug": "not a slug"},
        ],
    )
    assert payload["ok"] is False
    assert summary(payload) == [
        (0, True, []),
        (1, False, [("name", "max_length")]),
        (2, True, []),
        (3, False, [("slug", "invalid")]),
    ]
    assert [r["tag"] and r["tag"]["name"] for r in payload["results"]] == ["zines", None, "atlas", None]
    assert tag_names() == before | {"zines", "atlas"}
    assert payload["results"][0]["tag"]["id"] == str(Tag.objects.get(name="zines").pk)


def test_bulk_create_tags__non_atomic_all_good_is_ok(admin_gql):
    payload = run(admin_gql, CREATE_TAGS, "bulkCreateTags", atomic=False, inputs=[tag("zines"), tag("atlas")])
    assert payload["ok"] is True
    assert summary(payload) == [(0, True, []), (1, True, [])]


def test_bulk_create_tags__missing_required_fields_are_reported_per_item(admin_gql):
    before = Tag.objects.count()
    payload = run(admin_gql, CREATE_TAGS, "bulkCreateTags", atomic=False, inputs=[{"name": "zines"}, {}])
    assert summary(payload) == [
        (0, False, [("slug", "required")]),
        (1, False, [("name", "required"), ("slug", "required")]),
    ]
    assert Tag.objects.count() == before


def test_bulk_create_tags__empty_list_is_ok_and_writes_nothing(admin_gql):
    before = Tag.objects.count()
    assert run(admin_gql, CREATE_TAGS, "bulkCreateTags", inputs=[]) == {"ok": True, "results": []}
    assert Tag.objects.count() == before


# -- duplicates ----------------------------------------------------------------------------------------


def test_bulk_create_tags__duplicate_inside_the_batch__atomic_rolls_back_all(admin_gql):
    before = tag_names()
    payload = run(
        admin_gql,
        CREATE_TAGS,
        "bulkCreateTags",
        inputs=[tag("zines"), {"name": "zines", "slug": "zines-2"}, tag("atlas")],
    )
    assert summary(payload) == [
        (0, False, ROLLED_BACK),
        (1, False, [("name", "unique")]),
        (2, False, ROLLED_BACK),
    ]
    assert payload["results"][1]["errors"][0]["messages"] == ["Tag with this Name already exists."]
    assert tag_names() == before


def test_bulk_create_tags__duplicate_inside_the_batch__non_atomic_keeps_the_first(admin_gql):
    before = tag_names()
    payload = run(
        admin_gql,
        CREATE_TAGS,
        "bulkCreateTags",
        atomic=False,
        inputs=[tag("zines"), {"name": "zines", "slug": "zines-2"}, {"name": "atlas", "slug": "zines"}],
    )
    assert summary(payload) == [
        (0, True, []),
        (1, False, [("name", "unique")]),
        (2, False, [("slug", "unique")]),
    ]
    assert tag_names() == before | {"zines"}
    assert Tag.objects.get(name="zines").slug == "zines"


def test_bulk_create_tags__failed_item_does_not_make_a_later_twin_a_duplicate(admin_gql):
    """Item 0 fails for another reason, so item 1 with the same name is not a duplicate."""
    before = tag_names()
    payload = run(
        admin_gql,
        CREATE_TAGS,
        "bulkCreateTags",
        atomic=False,
        inputs=[{"name": "zines", "slug": "bad slug"}, tag("zines")],
    )
    assert summary(payload) == [(0, False, [("slug", "invalid")]), (1, True, [])]
    assert tag_names() == before | {"zines"}


def test_bulk_create_tags__duplicate_of_an_existing_row(admin_gql):
    existing = Tag.objects.order_by("pk").first()
    before = tag_names()
    payload = run(
        admin_gql,
        CREATE_TAGS,
        "bulkCreateTags",
        atomic=False,
        inputs=[
            tag("zines"),
            {"name": existing.name, "slug": "fresh-slug"},
            {"name": "fresh", "slug": existing.slug},
        ],
    )
    assert summary(payload) == [
        (0, True, []),
        (1, False, [("name", "unique")]),
        (2, False, [("slug", "unique")]),
    ]
    assert tag_names() == before | {"zines"}


def test_bulk_create_books__duplicate_isbn_in_batch_and_slug_in_database(admin_gql):
    taken = Book.objects.order_by("pk").first()
    before = Book.objects.count()
    payload = run(
        admin_gql,
        CREATE_BOOKS,
        "bulkCreateBooks",
        atomic=False,
        inputs=[book(1), book(2, isbn=book(1)["isbn"]), book(3, slug=taken.slug)],
    )
    assert summary(payload) == [
        (0, True, []),
        (1, False, [("isbn", "unique")]),
        (2, False, [("slug", "unique")]),
    ]
    assert Book.objects.count() == before + 1
    assert Book.objects.filter(slug="bulk-1").exists()


# -- model validation on the bulk paths ------------------------------------------------------------


def test_bulk_create_books__clean_and_check_constraint_errors_are_per_item(admin_gql):
    before = Book.objects.count()
    payload = run(
        admin_gql,
        CREATE_BOOKS,
        "bulkCreateBooks",
        atomic=False,
        inputs=[
            book(1, status="PUBLISHED"),
            book(2, price="-1"),
            book(3, status="PUBLISHED", publishedOn="2024-05-01"),
        ],
    )
    assert summary(payload) == [
        (0, False, [("publishedOn", "invalid")]),
        (1, False, [("__all__", "negative_price")]),
        (2, True, []),
    ]
    assert payload["results"][1]["errors"][0]["messages"] == ["The price cannot be negative."]
    assert Book.objects.count() == before + 1
    assert Book.objects.get(slug="bulk-3").published_on == datetime.date(2024, 5, 1)


def test_bulk_create_stores__non_field_clean_error_is_all(admin_gql):
    before = Store.objects.count()
    doc = f"""mutation($inputs: [StoreCreateInput!]!) {{
      bulkCreateStores(inputs: $inputs, atomic: false) {{ ok results {{ ok {ERRORS} store {{ version }} }} }}
    }}"""
    good = {"name": "Late", "slug": "late", "city": "Braga", "opensAt": "09:00:00", "closesAt": "18:00:00"}
    bad = {**good, "slug": "inverted", "closesAt": "08:00:00"}
    payload = admin_gql(doc, {"inputs": [good, bad]})["bulkCreateStores"]
    assert [(r["ok"], [(e["field"], e["code"]) for e in r["errors"]]) for r in payload["results"]] == [
        (True, []),
        (False, [("__all__", "hours")]),
    ]
    assert payload["results"][0]["store"] == {"version": 0}
    assert Store.objects.count() == before + 1


# -- connect links ---------------------------------------------------------------------------------


def test_bulk_create_books__connect_links_each_item_to_its_publisher(admin_gql):
    first, second = Publisher.objects.order_by("pk")[:2]
    payload = run(
        admin_gql,
        CREATE_BOOKS,
        "bulkCreateBooks",
        inputs=[
            book(1, publisher={"connect": first.pk}),
            book(2, publisher={"connect": second.pk}),
            book(3, publisher={"connect": first.pk}),
            book(4),
        ],
    )
    assert payload["ok"] is True
    assert [r["book"]["publisher"] for r in payload["results"]] == [
        {"id": str(first.pk)},
        {"id": str(second.pk)},
        {"id": str(first.pk)},
        None,
    ]
    stored = dict(Book.objects.filter(slug__startswith="bulk-").values_list("slug", "publisher_id"))
    assert stored == {"bulk-1": first.pk, "bulk-2": second.pk, "bulk-3": first.pk, "bulk-4": None}


def test_bulk_create_books__unknown_connect_id__atomic_rolls_back(admin_gql):
    publisher = Publisher.objects.order_by("pk").first()
    before = Book.objects.count()
    payload = run(
        admin_gql,
        CREATE_BOOKS,
        "bulkCreateBooks",
        inputs=[book(1, publisher={"connect": publisher.pk}), book(2, publisher={"connect": 999999})],
    )
    assert summary(payload) == [
        (0, False, ROLLED_BACK),
        (1, False, [("publisher.connect", "does_not_exist")]),
    ]
    assert Book.objects.count() == before


def test_bulk_create_reviews__connect_required_fk_with_per_item_errors(admin_gql):
    first, second = Book.objects.order_by("pk")[:2]
    review = {"reviewerName": "Sam", "rating": 4, "createdAt": "2025-01-01T10:00:00Z"}
    before = Review.objects.count()
    payload = run(
        admin_gql,
        CREATE_REVIEWS,
        "bulkCreateReviews",
        atomic=False,
        inputs=[
            {**review, "book": {"connect": first.pk}},
            {**review, "book": {"connect": second.pk}, "rating": 9},
            {**review, "book": {"connect": "not-an-id"}},
            review,
            {**review, "book": {"connect": second.pk}, "rating": 1},
        ],
    )
    assert summary(payload) == [
        (0, True, []),
        (1, False, [("rating", "max_value")]),
        (2, False, [("book.connect", "invalid")]),
        (3, False, [("book", "required")]),
        (4, True, []),
    ]
    assert [r["review"] and r["review"]["book"]["id"] for r in payload["results"]] == [
        str(first.pk),
        None,
        None,
        None,
        str(second.pk),
    ]
    assert Review.objects.count() == before + 2
    new = Review.objects.filter(
        pk__in=[payload["results"][0]["review"]["id"], payload["results"][4]["review"]["id"]]
    )
    assert sorted(new.values_list("book_id", "rating")) == sorted([(first.pk, 4), (second.pk, 1)])


# -- nested inputs take the per-row path -----------------------------------------------------------


def test_bulk_create_books__nested_to_many_inputs_are_written(admin_gql):
    tags = list(Tag.objects.order_by("pk").values_list("pk", flat=True)[:2])
    reviews_before = Review.objects.count()
    review = {"reviewerName": "Ann", "rating": 5, "createdAt": "2025-02-01T10:00:00Z"}
    inputs = [book(1, tags={"set": tags}, reviews={"create": [review, review]}), book(2), book(3)]
    with CaptureQueriesContext(connection) as captured:
        payload = run(admin_gql, CREATE_BOOKS, "bulkCreateBooks", inputs=inputs)
    assert payload["ok"] is True
    book_inserts = [q for q in captured.captured_queries if q["sql"].startswith('INSERT INTO "demo_book" ')]
    assert len(book_inserts) == 3  # one save() per item: the whole batch took the per-row path
    created = Book.objects.get(slug="bulk-1")
    assert sorted(created.tags.values_list("pk", flat=True)) == sorted(tags)
    assert created.reviews.count() == 2
    assert payload["results"][0]["book"]["reviewsCount"] == 2
    assert sorted(int(t["id"]) for t in payload["results"][0]["book"]["tags"]) == sorted(tags)
    assert Review.objects.count() == reviews_before + 2


def test_bulk_create_books__nested_error_path_is_relative_to_the_item(admin_gql):
    before = (Book.objects.count(), Review.objects.count())
    review = {"reviewerName": "Ann", "rating": 5, "createdAt": "2025-02-01T10:00:00Z"}
    payload = run(
        admin_gql,
        CREATE_BOOKS,
        "bulkCreateBooks",
        atomic=False,
        inputs=[
            book(1, reviews={"create": [review]}),
            book(2, reviews={"create": [review, {**review, "rating": 0}]}),
            book(3, tags={"add": [999999]}),
        ],
    )
    assert summary(payload) == [
        (0, True, []),
        (1, False, [("reviews.create.1.rating", "min_value")]),
        (2, False, [("tags.add.0", "does_not_exist")]),
    ]
    assert (Book.objects.count(), Review.objects.count()) == (before[0] + 1, before[1] + 1)


def test_bulk_create_books__nested_failure_atomic_rolls_back_the_nested_rows_too(admin_gql):
    before = (Book.objects.count(), Review.objects.count(), Publisher.objects.count())
    review = {"reviewerName": "Ann", "rating": 5, "createdAt": "2025-02-01T10:00:00Z"}
    payload = run(
        admin_gql,
        CREATE_BOOKS,
        "bulkCreateBooks",
        inputs=[
            book(
                1,
                reviews={"create": [review]},
                publisher={"create": {"name": "New House", "slug": "new-house"}},
            ),
            book(2, reviews={"create": [{**review, "reviewerName": ""}]}),
        ],
    )
    assert summary(payload) == [
        (0, False, ROLLED_BACK),
        (1, False, [("reviews.create.0.reviewerName", "blank")]),
    ]
    assert (Book.objects.count(), Review.objects.count(), Publisher.objects.count()) == before


# -- limits and permissions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "variables", "argument"),
    [
        (CREATE_TAGS, {"inputs": [tag(f"t{i}") for i in range(4)]}, "inputs"),
        (UPDATE_STORES, {"items": [{"id": 1, "input": {"name": "x"}}] * 4}, "items"),
        (DELETE_TAGS, {"ids": [1, 2, 3, 4]}, "ids"),
    ],
)
def test_bulk__more_items_than_bulk_max_items_is_bad_user_input(admin_gql, document, variables, argument):
    before = (tag_names(), list(Store.objects.values_list("pk", "name", "version")))
    with override_settings(TOOLKIT={"APPS": ["demo"], "BULK_MAX_ITEMS": 3}):
        result = admin_gql.error(document, variables)
    assert result.error_code() == "BAD_USER_INPUT"
    assert result.errors[0]["extensions"]["argument"] == argument
    assert f"'{argument}'" in result.errors[0]["message"] and "4" in result.errors[0]["message"]
    assert (tag_names(), list(Store.objects.values_list("pk", "name", "version"))) == before


def test_bulk__exactly_bulk_max_items_is_accepted(admin_gql):
    with override_settings(TOOLKIT={"APPS": ["demo"], "BULK_MAX_ITEMS": 3}):
        payload = run(admin_gql, CREATE_TAGS, "bulkCreateTags", inputs=[tag("a-1"), tag("a-2"), tag("a-3")])
    assert payload["ok"] is True
    assert {"a-1", "a-2", "a-3"} <= tag_names()


def test_bulk_create__anonymous_is_unauthenticated_and_forbidden_without_permission(gql, user_gql):
    before = tag_names()
    assert gql.error(CREATE_TAGS, {"inputs": [tag("zines")]}).error_code() == "UNAUTHENTICATED"
    assert user_gql.error(CREATE_TAGS, {"inputs": [tag("zines")]}).error_code() == "FORBIDDEN"
    assert tag_names() == before


def test_bulk__each_operation_needs_its_own_model_permission(db):
    client = client_with("add_tag")
    created = run(client, CREATE_TAGS, "bulkCreateTags", inputs=[tag("zines")])
    assert created["ok"] is True
    new_id = created["results"][0]["tag"]["id"]
    assert client.error(DELETE_TAGS, {"ids": [new_id]}).error_code() == "FORBIDDEN"
    update_tags = "mutation($items: [TagBulkUpdateItem!]!) { bulkUpdateTags(items: $items) { ok } }"
    assert (
        client.error(update_tags, {"items": [{"id": new_id, "input": {"name": "x"}}]}).error_code()
        == "FORBIDDEN"
    )
    assert Tag.objects.get(pk=new_id).name == "zines"


# -- bulk update -------------------------------------------------------------------------------------


def test_bulk_update_books__changes_only_the_given_fields_per_item(admin_gql):
    first, second = Book.objects.order_by("pk")[:2]
    publisher = Publisher.objects.exclude(pk=first.publisher_id).order_by("pk").first()
    payload = run(
        admin_gql,
        UPDATE_BOOKS,
        "bulkUpdateBooks",
        items=[
            {"id": first.pk, "input": {"title": "Renamed", "publisher": {"connect": publisher.pk}}},
            {"id": second.pk, "input": {"price": "9.99", "publisher": None}},
        ],
    )
    assert payload["ok"] is True
    first_after, second_after = Book.objects.get(pk=first.pk), Book.objects.get(pk=second.pk)
    assert (first_after.title, first_after.price, first_after.publisher_id) == (
        "Renamed",
        first.price,
        publisher.pk,
    )
    assert (second_after.title, second_after.price, second_after.publisher_id) == (
        second.title,
        Decimal("9.99"),
        None,
    )
    assert [r["book"]["title"] for r in payload["results"]] == ["Renamed", second.title]


def test_bulk_update_books__unknown_id__atomic_changes_nothing(admin_gql):
    first = Book.objects.order_by("pk").first()
    payload = run(
        admin_gql,
        UPDATE_BOOKS,
        "bulkUpdateBooks",
        items=[{"id": first.pk, "input": {"title": "Renamed"}}, {"id": 999999, "input": {"title": "Ghost"}}],
    )
    assert summary(payload) == [(0, False, ROLLED_BACK), (1, False, [("id", "does_not_exist")])]
    assert Book.objects.get(pk=first.pk).title == first.title
    assert not Book.objects.filter(title__in=["Renamed", "Ghost"]).exists()


def test_bulk_update_books__unknown_and_malformed_ids__non_atomic_updates_the_rest(admin_gql):
    first, second = Book.objects.order_by("pk")[:2]
    payload = run(
        admin_gql,
        UPDATE_BOOKS,
        "bulkUpdateBooks",
        atomic=False,
        items=[
            {"id": first.pk, "input": {"title": "Renamed 1"}},
            {"id": 999999, "input": {"title": "Ghost"}},
            {"id": "abc", "input": {"title": "Ghost"}},
            {"id": second.pk, "input": {"title": "Renamed 2"}},
        ],
    )
    assert summary(payload) == [
        (0, True, []),
        (1, False, [("id", "does_not_exist")]),
        (2, False, [("id", "invalid")]),
        (3, True, []),
    ]
    assert list(
        Book.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk").values_list("title", flat=True)
    ) == [
        "Renamed 1",
        "Renamed 2",
    ]


def test_bulk_update_books__duplicate_unique_value_in_the_batch(admin_gql):
    first, second, third = Book.objects.order_by("pk")[:3]
    payload = run(
        admin_gql,
        UPDATE_BOOKS,
        "bulkUpdateBooks",
        atomic=False,
        items=[
            {"id": first.pk, "input": {"slug": "same-slug"}},
            {"id": second.pk, "input": {"slug": "same-slug"}},
            {"id": third.pk, "input": {"slug": first.slug}},
        ],
    )
    assert summary(payload) == [
        (0, True, []),
        (1, False, [("slug", "unique")]),
        (2, False, [("slug", "unique")]),
    ]
    assert list(
        Book.objects.filter(pk__in=[first.pk, second.pk, third.pk])
        .order_by("pk")
        .values_list("slug", flat=True)
    ) == [
        "same-slug",
        second.slug,
        third.slug,
    ]


def test_bulk_update_stores__stale_expected_version_for_one_item__atomic(admin_gql):
    first, second = make_stores(2)
    Store.objects.filter(pk=second.pk).update(version=3)
    payload = run(
        admin_gql,
        UPDATE_STORES,
        "bulkUpdateStores",
        items=[
            {"id": first.pk, "input": {"name": "New 1", "expectedVersion": 0}},
            {"id": second.pk, "input": {"name": "New 2", "expectedVersion": 2}},
        ],
    )
    assert summary(payload) == [(0, False, ROLLED_BACK), (1, False, [("expectedVersion", "stale")])]
    assert list(
        Store.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk").values_list("name", "version")
    ) == [
        ("Shop 0", 0),
        ("Shop 1", 3),
    ]


def test_bulk_update_stores__stale_expected_version_for_one_item__non_atomic(admin_gql):
    first, second = make_stores(2)
    Store.objects.filter(pk=second.pk).update(version=3)
    payload = run(
        admin_gql,
        UPDATE_STORES,
        "bulkUpdateStores",
        atomic=False,
        items=[
            {"id": first.pk, "input": {"name": "New 1", "expectedVersion": 0}},
            {"id": second.pk, "input": {"name": "New 2", "expectedVersion": 2}},
        ],
    )
    assert summary(payload) == [(0, True, []), (1, False, [("expectedVersion", "stale")])]
    assert payload["results"][0]["store"] == {"id": str(first.pk), "name": "New 1", "version": 1}
    assert list(
        Store.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk").values_list("name", "version")
    ) == [
        ("New 1", 1),
        ("Shop 1", 3),
    ]


def test_bulk_update_books__stale_expected_updated_at(admin_gql):
    first, second = Book.objects.order_by("pk")[:2]
    old = second.updated_at - datetime.timedelta(seconds=5)
    payload = run(
        admin_gql,
        UPDATE_BOOKS,
        "bulkUpdateBooks",
        atomic=False,
        items=[
            {"id": first.pk, "input": {"title": "Fresh", "expectedUpdatedAt": first.updated_at.isoformat()}},
            {"id": second.pk, "input": {"title": "Stale", "expectedUpdatedAt": old.isoformat()}},
        ],
    )
    assert summary(payload) == [(0, True, []), (1, False, [("expectedUpdatedAt", "stale")])]
    assert Book.objects.get(pk=first.pk).title == "Fresh"
    assert Book.objects.get(pk=second.pk).title == second.title


def test_bulk_update_stores__same_id_twice_applies_both_in_order(admin_gql):
    (store,) = make_stores(1)
    payload = run(
        admin_gql,
        UPDATE_STORES,
        "bulkUpdateStores",
        items=[{"id": store.pk, "input": {"name": "First"}}, {"id": store.pk, "input": {"city": "Faro"}}],
    )
    assert payload["ok"] is True
    store.refresh_from_db()
    assert (store.name, store.city, store.version) == ("First", "Faro", 2)


def test_bulk_update_stores__same_id_twice_with_the_same_expected_version_is_stale_the_second_time(admin_gql):
    (store,) = make_stores(1)
    items = [
        {"id": store.pk, "input": {"name": "First", "expectedVersion": 0}},
        {"id": store.pk, "input": {"name": "Second", "expectedVersion": 0}},
    ]
    payload = run(admin_gql, UPDATE_STORES, "bulkUpdateStores", items=items)
    assert summary(payload) == [(0, False, ROLLED_BACK), (1, False, [("expectedVersion", "stale")])]
    store.refresh_from_db()
    assert (store.name, store.version) == ("Shop 0", 0)

    payload = run(admin_gql, UPDATE_STORES, "bulkUpdateStores", atomic=False, items=items)
    assert summary(payload) == [(0, True, []), (1, False, [("expectedVersion", "stale")])]
    store.refresh_from_db()
    assert (store.name, store.version) == ("First", 1)


def test_bulk_update_stores__clean_error_is_per_item(admin_gql):
    first, second = make_stores(2)
    payload = run(
        admin_gql,
        UPDATE_STORES,
        "bulkUpdateStores",
        atomic=False,
        items=[
            {"id": first.pk, "input": {"closesAt": "08:00:00"}},
            {"id": second.pk, "input": {"name": "Fine"}},
        ],
    )
    assert summary(payload) == [(0, False, [("__all__", "hours")]), (1, True, [])]
    assert list(
        Store.objects.filter(pk__in=[first.pk, second.pk])
        .order_by("pk")
        .values_list("closes_at", "name", "version")
    ) == [
        (datetime.time(18), "Shop 0", 0),
        (datetime.time(18), "Fine", 1),
    ]


def test_bulk_update_books__nested_input_takes_the_per_row_path_and_works(admin_gql):
    first, second = Book.objects.order_by("pk")[:2]
    tag_ids = list(Tag.objects.order_by("pk").values_list("pk", flat=True)[:1])
    review = {"reviewerName": "Zed", "rating": 3, "createdAt": "2025-03-01T10:00:00Z"}
    reviews_before = second.reviews.count()
    payload = run(
        admin_gql,
        UPDATE_BOOKS,
        "bulkUpdateBooks",
        items=[
            {"id": first.pk, "input": {"tags": {"set": tag_ids}}},
            {"id": second.pk, "input": {"reviews": {"create": [review]}}},
        ],
    )
    assert payload["ok"] is True
    assert list(Book.objects.get(pk=first.pk).tags.values_list("pk", flat=True)) == tag_ids
    assert Book.objects.get(pk=second.pk).reviews.count() == reviews_before + 1


def test_bulk_update__empty_list_is_ok(admin_gql):
    assert run(admin_gql, UPDATE_STORES, "bulkUpdateStores", items=[]) == {"ok": True, "results": []}


# -- bulk delete ---------------------------------------------------------------------------------------


def test_bulk_delete_tags__deletes_them_and_their_book_links_only(admin_gql):
    doomed = list(
        Tag.objects.filter(books__isnull=False).distinct().order_by("pk").values_list("pk", flat=True)[:2]
    )
    assert len(doomed) == 2
    links = Book.tags.through.objects
    expected_links = set(links.exclude(tag_id__in=doomed).values_list("pk", flat=True))
    books_before = Book.objects.count()
    payload = run(admin_gql, DELETE_TAGS, "bulkDeleteTags", ids=doomed)
    assert payload == {"ok": True, "deletedIds": [str(pk) for pk in doomed], "errors": []}
    assert not Tag.objects.filter(pk__in=doomed).exists()
    assert set(links.values_list("pk", flat=True)) == expected_links
    assert Book.objects.count() == books_before


def test_bulk_delete_books__cascades_like_django(admin_gql):
    launch = BookLaunch.objects.order_by("pk").first()
    other = Book.objects.exclude(pk=launch.book_id).filter(reviews__isnull=False).order_by("pk").first()
    doomed = [launch.book_id, other.pk]
    book_type, review_type = (
        ContentType.objects.get_for_model(Book),
        ContentType.objects.get_for_model(Review),
    )
    doomed_reviews = list(Review.objects.filter(book_id__in=doomed).values_list("pk", flat=True))
    survivors = {
        "reviews": set(Review.objects.exclude(book_id__in=doomed).values_list("pk", flat=True)),
        "authorships": set(Authorship.objects.exclude(book_id__in=doomed).values_list("pk", flat=True)),
        "launches": set(BookLaunch.objects.exclude(book_id__in=doomed).values_list("pk", flat=True)),
        "events": set(Event.objects.exclude(booklaunch__book_id__in=doomed).values_list("pk", flat=True)),
        "comments": set(
            Comment.objects.exclude(content_type=book_type, object_id__in=doomed)
            .exclude(content_type=review_type, object_id__in=doomed_reviews)
            .values_list("pk", flat=True)
        ),
        "store links": set(
            Store.books.through.objects.exclude(book_id__in=doomed).values_list("pk", flat=True)
        ),
    }
    assert Review.objects.filter(book_id__in=doomed).exists()
    assert Authorship.objects.filter(book_id__in=doomed).exists()
    stores, publishers = Store.objects.count(), Publisher.objects.count()

    payload = run(admin_gql, DELETE_BOOKS, "bulkDeleteBooks", ids=doomed)

    assert payload == {"ok": True, "deletedIds": [str(pk) for pk in doomed], "errors": []}
    assert not Book.objects.filter(pk__in=doomed).exists()
    assert {
        "reviews": set(Review.objects.values_list("pk", flat=True)),
        "authorships": set(Authorship.objects.values_list("pk", flat=True)),
        "launches": set(BookLaunch.objects.values_list("pk", flat=True)),
        "events": set(Event.objects.values_list("pk", flat=True)),
        "comments": set(Comment.objects.values_list("pk", flat=True)),
        "store links": set(Store.books.through.objects.values_list("pk", flat=True)),
    } == survivors
    assert (Store.objects.count(), Publisher.objects.count()) == (stores, publishers)


@pytest.mark.parametrize(("bad", "code"), [(999999, "does_not_exist"), ("abc", "invalid")])
def test_bulk_delete_books__an_unknown_id_deletes_nothing(admin_gql, bad, code):
    first = Book.objects.order_by("pk").first()
    before = (Book.objects.count(), Review.objects.count())
    payload = run(admin_gql, DELETE_BOOKS, "bulkDeleteBooks", ids=[first.pk, bad])
    assert payload["ok"] is False
    assert payload["deletedIds"] == []
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("ids.1", code)]
    assert (Book.objects.count(), Review.objects.count()) == before


def test_bulk_delete_tags__same_id_twice_is_deleted_once(admin_gql):
    new = Tag.objects.create(name="zines", slug="zines")
    payload = run(admin_gql, DELETE_TAGS, "bulkDeleteTags", ids=[new.pk, new.pk])
    assert payload == {"ok": True, "deletedIds": [str(new.pk)], "errors": []}
    assert not Tag.objects.filter(pk=new.pk).exists()


def test_bulk_delete__empty_list_is_ok(admin_gql):
    before = Tag.objects.count()
    assert run(admin_gql, DELETE_TAGS, "bulkDeleteTags", ids=[]) == {
        "ok": True,
        "deletedIds": [],
        "errors": [],
    }
    assert Tag.objects.count() == before


def test_bulk_delete__without_permission_deletes_nothing(gql, user_gql):
    ids = list(Tag.objects.values_list("pk", flat=True)[:2])
    assert gql.error(DELETE_TAGS, {"ids": ids}).error_code() == "UNAUTHENTICATED"
    assert user_gql.error(DELETE_TAGS, {"ids": ids}).error_code() == "FORBIDDEN"
    assert Tag.objects.filter(pk__in=ids).count() == 2


# -- query counts: the fast path vs the per-row path ----------------------------------------------------


def queries_for(client, document, variables):
    with CaptureQueriesContext(connection) as captured:
        result = client.post(document, variables)
    assert result.status == 200 and not result.errors, result.body
    return len(captured), [q["sql"] for q in captured.captured_queries]


def tag_inputs(count, prefix):
    return {"inputs": [tag(f"{prefix}-{i}") for i in range(count)]}


def test_bulk_create_tags__fast_path_query_count_does_not_grow_with_items(
    admin_gql, django_assert_max_num_queries
):
    small, _ = queries_for(admin_gql, CREATE_TAGS, tag_inputs(10, "small"))
    large, sqls = queries_for(admin_gql, CREATE_TAGS, tag_inputs(50, "large"))
    assert large == small
    assert sum(sql.startswith('INSERT INTO "demo_') for sql in sqls) == 1
    # session + user, one unique check per unique field, one INSERT, the audit row (no savepoints)
    with query_budget(6):
        admin_gql(CREATE_TAGS, tag_inputs(50, "bounded"))
    assert Tag.objects.filter(name__startswith="large-").count() == 50


def test_bulk_create_tags__fast_path_inserts_in_batches_of_bulk_batch_size(admin_gql):
    with override_settings(TOOLKIT={"APPS": ["demo"], "BULK_BATCH_SIZE": 20}):
        _, sqls = queries_for(admin_gql, CREATE_TAGS, tag_inputs(50, "batched"))
    assert sum(sql.startswith('INSERT INTO "demo_') for sql in sqls) == 3
    assert Tag.objects.filter(name__startswith="batched-").count() == 50


def test_bulk_create_books__fast_path_query_count_does_not_grow_with_items(admin_gql):
    """Book has a CheckConstraint: checking it must not cost a query per row either."""
    publisher = Publisher.objects.order_by("pk").first()

    def inputs(count, prefix):
        return {
            "inputs": [
                {
                    **book(i),
                    "slug": f"{prefix}-{i}",
                    "isbn": f"{prefix}{i:010d}",
                    "publisher": {"connect": publisher.pk},
                }
                for i in range(count)
            ]
        }

    document = (
        "mutation($inputs: [BookCreateInput!]!) { bulkCreateBooks(inputs: $inputs) { ok results { ok } } }"
    )
    small, small_sqls = queries_for(admin_gql, document, inputs(10, "955"))
    large, large_sqls = queries_for(admin_gql, document, inputs(50, "956"))
    assert Book.objects.filter(publisher=publisher, slug__startswith="956-").count() == 50
    # Only the INSERT may split (SQLite caps the parameters of one statement); nothing per row.
    inserts = sum(sql.startswith('INSERT INTO "demo_') for sql in large_sqls) - sum(
        sql.startswith('INSERT INTO "demo_') for sql in small_sqls
    )
    assert large - small == inserts
    assert inserts <= 2


def test_bulk_create_tags__post_save_receiver_forces_the_per_row_path(admin_gql, receiver_on):
    calls = receiver_on(Tag)
    small, _ = queries_for(admin_gql, CREATE_TAGS, tag_inputs(10, "small"))
    assert len(calls) == 10
    calls.clear()
    large, sqls = queries_for(admin_gql, CREATE_TAGS, tag_inputs(50, "large"))
    created = dict(Tag.objects.filter(name__startswith="large-").values_list("name", "pk"))
    assert calls == [(Tag, created[f"large-{i}"], True) for i in range(50)]
    assert sum(sql.startswith('INSERT INTO "demo_') for sql in sqls) == 50
    assert large - small >= 40


def test_bulk_update_stores__fast_path_query_count_does_not_grow_and_version_increments(admin_gql):
    stores = make_stores(50)

    def items(chosen, name):
        return {"items": [{"id": s.pk, "input": {"name": f"{name} {i}"}} for i, s in enumerate(chosen)]}

    small, _ = queries_for(admin_gql, UPDATE_STORES, items(stores[:10], "Small"))
    large, sqls = queries_for(admin_gql, UPDATE_STORES, items(stores, "Large"))
    assert large == small
    assert sum(sql.startswith("UPDATE") for sql in sqls) == 1
    stored = list(
        Store.objects.filter(pk__in=[s.pk for s in stores]).order_by("pk").values_list("name", "version")
    )
    assert stored == [(f"Large {i}", 2 if i < 10 else 1) for i in range(50)]


def test_bulk_update_books__fast_path_refreshes_updated_at(admin_gql):
    books = make_books(3)
    stamps = dict(Book.objects.filter(pk__in=[b.pk for b in books]).values_list("pk", "updated_at"))
    payload = run(
        admin_gql,
        UPDATE_BOOKS,
        "bulkUpdateBooks",
        items=[{"id": b.pk, "input": {"edition": 2}} for b in books],
    )
    assert payload["ok"] is True
    after = dict(Book.objects.filter(pk__in=[b.pk for b in books]).values_list("pk", "updated_at"))
    assert all(after[pk] > stamps[pk] for pk in stamps)
    assert set(Book.objects.filter(pk__in=stamps).values_list("edition", flat=True)) == {2}
    shown = [datetime.datetime.fromisoformat(r["book"]["updatedAt"]) for r in payload["results"]]
    assert shown == [after[b.pk] for b in books]


def test_bulk_update_stores__post_save_receiver_forces_the_per_row_path(admin_gql, receiver_on):
    stores = make_stores(20)
    calls = receiver_on(Store)
    _, sqls = queries_for(
        admin_gql, UPDATE_STORES, {"items": [{"id": s.pk, "input": {"city": "Faro"}} for s in stores]}
    )
    assert calls == [(Store, s.pk, False) for s in stores]
    assert sum(sql.startswith("UPDATE") for sql in sqls) == 20
    assert list(
        Store.objects.filter(pk__in=[s.pk for s in stores]).values_list("city", "version").distinct()
    ) == [("Faro", 1)]
