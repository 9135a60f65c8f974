"""``dryRun`` (everything runs, then rolls back) and optimistic concurrency (``expectedVersion`` /
``expectedUpdatedAt``)."""

from __future__ import annotations

import datetime

import pytest
from django.utils.dateparse import parse_datetime

from demo.models import Author, Authorship, Book, Publisher, Review, Store, Tag

ERRORS = "errors { field messages code }"
CREATE_BOOK = f"""mutation($input: BookCreateInput!, $dry: Boolean) {{ createBook(input: $input, dryRun: $dry) {{
    ok {ERRORS}
    book {{ id title publisher {{ id name }} tags {{ id name }} reviews {{ id rating }} reviewsCount
           authorships {{ role position author {{ id name }} }} }} }} }}"""
UPDATE_BOOK = f"""mutation($id: ID!, $input: BookUpdateInput!, $dry: Boolean) {{ updateBook(id: $id, input: $input, dryRun: $dry) {{
    ok {ERRORS} book {{ id title updatedAt tags {{ id }} reviews {{ id rating }} }} }} }}"""
UPDATE_STORE = f"""mutation($id: ID!, $input: StoreUpdateInput!, $dry: Boolean) {{ updateStore(id: $id, input: $input, dryRun: $dry) {{
    ok {ERRORS} store {{ name version }} }} }}"""
WATCHED = (Book, Publisher, Review, Author, Authorship, Tag, Store)


def everything() -> dict[str, int]:
    counted = {m.__name__: m._base_manager.count() for m in WATCHED}
    return {**counted, "BookTags": Book.tags.through.objects.count()}


def write(client, query: str, variables: dict) -> dict:
    result = client.post(query, variables)
    assert result.status == 200 and "errors" not in result.body, result.body
    (payload,) = result.data.values()
    return payload


def nested_book_input() -> dict:
    tags = list(Tag.objects.order_by("pk").values_list("pk", flat=True)[:2])
    return {
        "title": "Dry Run",
        "slug": "dry-run",
        "isbn": "9990000000055",
        "price": "7.50",
        "publisher": {"create": {"name": "Dry Press", "slug": "dry-press"}},
        "tags": {"set": tags, "create": [{"name": "dry-tag", "slug": "dry-tag"}]},
        "reviews": {"create": [{"reviewerName": "Ann", "rating": 5, "createdAt": "2025-01-01T00:00:00Z"}]},
        "authors": {
            "create": [{"name": "Dry Author", "email": "dry@example.org"}],
            "through": {"role": "EDITOR", "position": 3},
        },
    }


# -- dryRun -----------------------------------------------------------------------------------------


def test_dry_run_create__returns_the_nested_payload_and_writes_nothing(admin_gql):
    before = everything()
    tags = list(Tag.objects.order_by("pk").values_list("pk", "name")[:2])
    payload = write(admin_gql, CREATE_BOOK, {"input": nested_book_input(), "dry": True})
    assert payload["ok"] is True and payload["errors"] == []
    book = payload["book"]
    assert book["id"] is not None and int(book["id"]) > 0
    assert book["title"] == "Dry Run"
    assert book["publisher"]["name"] == "Dry Press" and book["publisher"]["id"] is not None
    assert sorted(t["name"] for t in book["tags"]) == sorted([name for _, name in tags] + ["dry-tag"])
    assert [r["rating"] for r in book["reviews"]] == [5] and book["reviewsCount"] == 1
    assert [(a["role"], a["position"], a["author"]["name"]) for a in book["authorships"]] == [
        ("EDITOR", 3, "Dry Author")
    ]
    assert everything() == before
    assert not Book.objects.filter(pk=book["id"]).exists()
    assert not Publisher.objects.filter(slug="dry-press").exists()
    assert not Author.objects.filter(email="dry@example.org").exists()


def test_dry_run_create__then_the_real_one_writes_the_same_rows(admin_gql):
    before = everything()
    dry = write(admin_gql, CREATE_BOOK, {"input": nested_book_input(), "dry": True})
    real = write(admin_gql, CREATE_BOOK, {"input": nested_book_input()})
    assert real["ok"] is True
    nested = ("id", "publisher", "reviews", "authorships", "tags")

    def strip(book: dict) -> dict:
        return {k: v for k, v in book.items() if k not in nested}

    assert strip(dry["book"]) == strip(real["book"])
    assert sorted(t["name"] for t in dry["book"]["tags"]) == sorted(t["name"] for t in real["book"]["tags"])
    assert everything() == {
        **before,
        "Book": before["Book"] + 1,
        "Publisher": before["Publisher"] + 1,
        "Review": before["Review"] + 1,
        "Author": before["Author"] + 1,
        "Authorship": before["Authorship"] + 1,
        "Tag": before["Tag"] + 1,
        "BookTags": before["BookTags"] + 3,
    }


def test_dry_run_update__returns_the_changed_object_and_leaves_the_row_unchanged(admin_gql):
    book = Book.objects.filter(reviews__isnull=False).order_by("pk").first()
    review = book.reviews.order_by("pk").first()
    snapshot = Book.objects.filter(pk=book.pk).values().get()
    tags = sorted(book.tags.values_list("pk", flat=True))
    new_tags = sorted(Tag.objects.exclude(pk__in=tags).values_list("pk", flat=True)[:2])
    new_rating = 1 if review.rating != 1 else 2
    before = everything()
    payload = write(
        admin_gql,
        UPDATE_BOOK,
        {
            "id": book.pk,
            "dry": True,
            "input": {
                "title": "Dry Title",
                "tags": {"set": new_tags},
                "reviews": {"update": [{"id": review.pk, "input": {"rating": new_rating}}]},
            },
        },
    )
    assert payload["ok"] is True and payload["errors"] == []
    assert payload["book"]["title"] == "Dry Title"
    assert sorted(int(t["id"]) for t in payload["book"]["tags"]) == new_tags
    assert {"id": str(review.pk), "rating": new_rating} in payload["book"]["reviews"]
    assert parse_datetime(payload["book"]["updatedAt"]) > snapshot["updated_at"]
    assert Book.objects.filter(pk=book.pk).values().get() == snapshot
    assert sorted(book.tags.values_list("pk", flat=True)) == tags
    assert Review.objects.get(pk=review.pk).rating == review.rating
    assert everything() == before


def test_dry_run_with_validation_errors__returns_the_errors(admin_gql):
    before = everything()
    bad = {
        **nested_book_input(),
        "price": "-1",
        "reviews": {"create": [{"reviewerName": "Ann", "rating": 6, "createdAt": "2025-01-01T00:00:00Z"}]},
    }
    payload = write(admin_gql, CREATE_BOOK, {"input": bad, "dry": True})
    assert payload == {
        "ok": False,
        "book": None,
        "errors": [
            {"field": "__all__", "messages": ["The price cannot be negative."], "code": "negative_price"},
            {
                "field": "reviews.create.0.rating",
                "messages": ["Ensure this value is less than or equal to 5."],
                "code": "max_value",
            },
        ],
    }
    assert everything() == before


def test_dry_run_unique_check__sees_existing_rows(admin_gql):
    existing = Tag.objects.order_by("pk").first()
    before = Tag.objects.count()
    payload = write(
        admin_gql,
        f'mutation($name: String) {{ createTag(dryRun: true, input: {{name: $name, slug: "fresh"}}) {{ ok {ERRORS} tag {{ id }} }} }}',
        {"name": existing.name},
    )
    assert payload == {
        "ok": False,
        "tag": None,
        "errors": [{"field": "name", "messages": ["Tag with this Name already exists."], "code": "unique"}],
    }
    assert Tag.objects.count() == before


def test_dry_run_and_real_mutation_in_one_request__only_the_real_one_is_kept(admin_gql):
    before = Tag.objects.count()
    data = admin_gql(
        f"""mutation {{
          dry: createTag(dryRun: true, input: {{name: "only-dry", slug: "only-dry"}}) {{ ok {ERRORS} tag {{ id name }} }}
          real: createTag(input: {{name: "kept", slug: "kept"}}) {{ ok {ERRORS} tag {{ id name }} }}
          dryAgain: createTag(dryRun: true, input: {{name: "dry-again", slug: "dry-again"}}) {{ ok tag {{ name }} }}
        }}"""
    )
    assert data["dry"]["ok"] is True and data["dry"]["tag"]["name"] == "only-dry"
    assert data["real"]["ok"] is True and data["real"]["tag"]["name"] == "kept"
    assert data["dryAgain"] == {"ok": True, "tag": {"name": "dry-again"}}
    assert list(
        Tag.objects.filter(name__in=["only-dry", "kept", "dry-again"]).values_list("name", flat=True)
    ) == ["kept"]
    assert Tag.objects.get(name="kept").pk == int(data["real"]["tag"]["id"])
    assert Tag.objects.count() == before + 1


def test_dry_run_update_store__does_not_bump_the_version(admin_gql):
    store = Store.objects.order_by("pk").first()
    payload = write(
        admin_gql,
        UPDATE_STORE,
        {"id": store.pk, "dry": True, "input": {"name": "Dry", "expectedVersion": store.version}},
    )
    assert payload == {"ok": True, "errors": [], "store": {"name": "Dry", "version": store.version + 1}}
    assert Store.objects.filter(pk=store.pk).values_list("name", "version").get() == (
        store.name,
        store.version,
    )


@pytest.mark.django_db(transaction=True)
def test_dry_run__is_rolled_back_in_the_database(admin_gql):
    """Real commits around it: a dry run leaves no rows, the same mutation without it commits."""
    Tag.objects.create(name="base", slug="base")
    before = everything()
    input_ = {
        "title": "Dry Run",
        "slug": "dry-run",
        "isbn": "9990000000055",
        "price": "7.50",
        "publisher": {"create": {"name": "Dry Press", "slug": "dry-press"}},
        "tags": {"create": [{"name": "dry-tag", "slug": "dry-tag"}]},
        "reviews": {"create": [{"reviewerName": "Ann", "rating": 5, "createdAt": "2025-01-01T00:00:00Z"}]},
    }
    payload = write(admin_gql, CREATE_BOOK, {"input": input_, "dry": True})
    assert payload["ok"] is True and payload["book"]["reviewsCount"] == 1
    assert everything() == before
    payload = write(admin_gql, CREATE_BOOK, {"input": input_})
    assert payload["ok"] is True
    assert everything() == {
        **before,
        "Book": before["Book"] + 1,
        "Publisher": before["Publisher"] + 1,
        "Review": before["Review"] + 1,
        "Tag": before["Tag"] + 1,
        "BookTags": before["BookTags"] + 1,
    }


# -- optimistic concurrency: integer version (Store) -----------------------------------------------------


def read_store_version(client, pk: int) -> int:
    return client("query($id: ID!) { store(id: $id) { version } }", {"id": pk})["store"]["version"]


def test_expected_version__current_value_is_accepted_and_bumps_the_version(admin_gql):
    store = Store.objects.order_by("pk").first()
    version = read_store_version(admin_gql, store.pk)
    assert version == store.version
    payload = write(
        admin_gql, UPDATE_STORE, {"id": store.pk, "input": {"name": "Fresh", "expectedVersion": version}}
    )
    assert payload == {"ok": True, "errors": [], "store": {"name": "Fresh", "version": version + 1}}
    assert Store.objects.filter(pk=store.pk).values_list("name", "version").get() == ("Fresh", version + 1)
    again = write(
        admin_gql,
        UPDATE_STORE,
        {"id": store.pk, "input": {"name": "Fresher", "expectedVersion": version + 1}},
    )
    assert again["ok"] is True and again["store"]["version"] == version + 2


def test_expected_version__stale_value_is_refused_and_nothing_is_written(admin_gql):
    store = Store.objects.order_by("pk").first()
    version = store.version
    write(admin_gql, UPDATE_STORE, {"id": store.pk, "input": {"city": "Elsewhere"}})  # someone else's update
    before = everything()
    payload = write(
        admin_gql,
        UPDATE_STORE,
        {"id": store.pk, "input": {"name": "Mine", "books": {"set": []}, "expectedVersion": version}},
    )
    assert payload == {
        "ok": False,
        "store": None,
        "errors": [
            {
                "field": "expectedVersion",
                "messages": [f"This Store was changed since you read it (version is now {version + 1})."],
                "code": "stale",
            }
        ],
    }
    assert Store.objects.filter(pk=store.pk).values_list("name", "city", "version").get() == (
        store.name,
        "Elsewhere",
        version + 1,
    )
    assert everything() == before


@pytest.mark.parametrize("expected", [None, "absent"])
def test_expected_version__left_out_or_null_updates_anyway(admin_gql, expected):
    store = Store.objects.order_by("pk").first()
    input_ = {"name": "Anyway"} if expected == "absent" else {"name": "Anyway", "expectedVersion": None}
    payload = write(admin_gql, UPDATE_STORE, {"id": store.pk, "input": input_})
    assert payload == {"ok": True, "errors": [], "store": {"name": "Anyway", "version": store.version + 1}}
    assert Store.objects.get(pk=store.pk).version == store.version + 1


def test_expected_version__stale_in_a_dry_run_is_reported_too(admin_gql):
    store = Store.objects.order_by("pk").first()
    payload = write(
        admin_gql,
        UPDATE_STORE,
        {"id": store.pk, "dry": True, "input": {"name": "X", "expectedVersion": store.version + 5}},
    )
    assert payload["ok"] is False
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("expectedVersion", "stale")]
    assert Store.objects.get(pk=store.pk).name == store.name


# -- optimistic concurrency: updated_at (Book) -----------------------------------------------------------


def read_book_updated_at(client, pk: int) -> str:
    return client("query($id: ID!) { book(id: $id) { updatedAt } }", {"id": pk})["book"]["updatedAt"]


def test_expected_updated_at__value_read_from_a_query_round_trips(admin_gql):
    book = Book.objects.order_by("pk")[1]
    seen = read_book_updated_at(admin_gql, book.pk)
    assert parse_datetime(seen) == book.updated_at
    payload = write(
        admin_gql, UPDATE_BOOK, {"id": book.pk, "input": {"title": "Fresh", "expectedUpdatedAt": seen}}
    )
    assert payload["ok"] is True, payload
    book.refresh_from_db()
    assert book.title == "Fresh"
    assert payload["book"]["updatedAt"] != seen
    assert parse_datetime(payload["book"]["updatedAt"]) == book.updated_at
    # the value the update returned is the new current one
    again = write(
        admin_gql,
        UPDATE_BOOK,
        {"id": book.pk, "input": {"title": "Fresher", "expectedUpdatedAt": payload["book"]["updatedAt"]}},
    )
    assert again["ok"] is True, again


def test_expected_updated_at__stale_value_is_refused_and_nothing_is_written(admin_gql):
    book = Book.objects.order_by("pk")[1]
    seen = read_book_updated_at(admin_gql, book.pk)
    write(admin_gql, UPDATE_BOOK, {"id": book.pk, "input": {"edition": 7}})  # someone else's update
    snapshot = Book.objects.filter(pk=book.pk).values().get()
    before = everything()
    payload = write(
        admin_gql, UPDATE_BOOK, {"id": book.pk, "input": {"title": "Mine", "expectedUpdatedAt": seen}}
    )
    assert payload["ok"] is False and payload["book"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("expectedUpdatedAt", "stale")]
    assert payload["errors"][0]["messages"][0].startswith(
        "This Book was changed since you read it (updated_at is now "
    )
    assert Book.objects.filter(pk=book.pk).values().get() == snapshot
    assert everything() == before


def test_expected_updated_at__one_microsecond_off_is_stale(admin_gql):
    book = Book.objects.order_by("pk")[2]
    off = (book.updated_at - datetime.timedelta(microseconds=1)).isoformat()
    payload = write(
        admin_gql, UPDATE_BOOK, {"id": book.pk, "input": {"title": "Mine", "expectedUpdatedAt": off}}
    )
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("expectedUpdatedAt", "stale")]
    assert Book.objects.get(pk=book.pk).title == book.title


def test_expected_updated_at__same_instant_in_another_time_zone_is_accepted(admin_gql):
    book = Book.objects.order_by("pk")[3]
    shifted = book.updated_at.astimezone(
        datetime.timezone(datetime.timedelta(hours=5, minutes=30))
    ).isoformat()
    payload = write(
        admin_gql, UPDATE_BOOK, {"id": book.pk, "input": {"title": "Shifted", "expectedUpdatedAt": shifted}}
    )
    assert payload["ok"] is True, payload
    assert Book.objects.get(pk=book.pk).title == "Shifted"


def test_without_expected_updated_at__the_update_just_works(admin_gql):
    book = Book.objects.order_by("pk")[4]
    payload = write(admin_gql, UPDATE_BOOK, {"id": book.pk, "input": {"title": "Plain"}})
    assert payload["ok"] is True
    assert Book.objects.get(pk=book.pk).title == "Plain"


def test_nested_child_update__checks_the_childs_expected_updated_at(admin_gql):
    """A child with ``updated_at`` (Book under Publisher.books) takes its own expected value."""
    book = Book.objects.filter(publisher__isnull=False).order_by("pk").first()
    stale = (book.updated_at - datetime.timedelta(seconds=1)).isoformat()
    before = everything()
    payload = write(
        admin_gql,
        f"""mutation($id: ID!, $input: PublisherUpdateInput!) {{ updatePublisher(id: $id, input: $input) {{ ok {ERRORS} }} }}""",
        {
            "id": book.publisher_id,
            "input": {
                "name": "Renamed Pub",
                "books": {"update": [{"id": book.pk, "input": {"title": "T", "expectedUpdatedAt": stale}}]},
            },
        },
    )
    assert payload["ok"] is False
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("books.update.0.expectedUpdatedAt", "stale")
    ]
    assert Book.objects.get(pk=book.pk).title == book.title
    assert Publisher.objects.get(pk=book.publisher_id).name == book.publisher.name
    assert everything() == before
