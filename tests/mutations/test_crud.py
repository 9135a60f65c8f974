"""Generated create/update/delete mutations: payload shapes, partial updates, ids, cascades."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count
from django.test import override_settings

from demo.models import (
    Author,
    Authorship,
    Book,
    BookLaunch,
    Comment,
    Event,
    Publisher,
    Review,
    Signing,
    Store,
    Tag,
)

ERRORS = "errors { field messages code }"
BOOK_INPUT = {
    "title": "The Quiet Archive",
    "slug": "the-quiet-archive",
    "isbn": "9990000000017",
    "price": "18.50",
}
UTC = datetime.UTC


def counts(*models) -> dict[str, int]:
    return {m.__name__: m._base_manager.count() for m in models}


def tag_links() -> int:
    return Book.tags.through.objects.count()


# -- create ---------------------------------------------------------------------------------------


def test_create_tag__payload_has_ok_the_tag_and_no_errors(admin_gql):
    before = Tag.objects.count()
    data = admin_gql(
        f'mutation {{ createTag(input: {{name: "zines", slug: "zines"}}) {{ ok {ERRORS} tag {{ id name slug }} }} }}'
    )
    payload = data["createTag"]
    tag = Tag.objects.get(name="zines")
    assert payload == {"ok": True, "errors": [], "tag": {"id": str(tag.pk), "name": "zines", "slug": "zines"}}
    assert Tag.objects.count() == before + 1


def test_create_book__stores_every_scalar_kind_and_links(admin_gql):
    publisher = Publisher.objects.order_by("pk").first()
    tag_ids = list(Tag.objects.order_by("pk").values_list("pk", flat=True)[:2])
    before = counts(Book, Publisher, Tag)
    links_before = tag_links()
    data = admin_gql(
        f"""mutation($input: BookCreateInput!) {{
          createBook(input: $input) {{
            ok {ERRORS}
            book {{ id title slug isbn price status readingTime metadata pages wordCount inStock edition
                    publishedOn uuid publisher {{ id }} tags {{ id }} }}
          }}
        }}""",
        {
            "input": {
                **BOOK_INPUT,
                "status": "OUT_OF_PRINT",
                "readingTime": "PT6H30M",
                "metadata": {"format": "paperback", "series": {"number": 2}},
                "pages": 320,
                "wordCount": 9_000_000_000,
                "inStock": False,
                "publishedOn": "2020-02-29",
                "publisher": {"connect": publisher.pk},
                "tags": {"set": tag_ids},
            }
        },
    )
    payload = data["createBook"]
    assert payload["ok"] is True and payload["errors"] == []
    book = Book.objects.get(slug="the-quiet-archive")
    assert payload["book"]["id"] == str(book.pk)
    assert payload["book"]["uuid"] == str(book.uuid)
    assert (book.title, book.isbn, book.price, book.status) == (
        "The Quiet Archive",
        "9990000000017",
        Decimal("18.50"),
        "out_of_print",
    )
    assert book.reading_time == datetime.timedelta(hours=6, minutes=30)
    assert book.metadata == {"format": "paperback", "series": {"number": 2}}
    assert (book.pages, book.word_count, book.in_stock, book.edition) == (320, 9_000_000_000, False, 1)
    assert book.published_on == datetime.date(2020, 2, 29)
    assert book.publisher_id == publisher.pk
    assert sorted(book.tags.values_list("pk", flat=True)) == sorted(tag_ids)
    assert payload["book"]["publisher"] == {"id": str(publisher.pk)}
    assert sorted(int(t["id"]) for t in payload["book"]["tags"]) == sorted(tag_ids)
    assert book.created_at is not None and book.updated_at is not None
    assert counts(Book, Publisher, Tag) == {**before, "Book": before["Book"] + 1}
    assert tag_links() == links_before + 2


def test_create_book__defaults_apply_to_fields_left_out(admin_gql):
    data = admin_gql(
        "mutation($input: BookCreateInput!) { createBook(input: $input) { ok book { id status edition } } }",
        {"input": BOOK_INPUT},
    )
    book = Book.objects.get(pk=data["createBook"]["book"]["id"])
    assert (book.status, book.edition, book.in_stock, book.metadata, book.publisher_id) == (
        "draft",
        1,
        True,
        {},
        None,
    )
    assert (book.description, book.pages, book.published_on) == ("", None, None)
    assert data["createBook"]["book"]["status"] == "DRAFT"


def test_create_store__version_starts_at_zero(admin_gql):
    before = Store.objects.count()
    data = admin_gql(
        f"""mutation {{ createStore(input: {{name: "Lisbon Books", slug: "lisbon-books", city: "Lisbon",
              opensAt: "09:30:00", closesAt: "19:00:00", openOnWeekends: true}}) {{
            ok {ERRORS} store {{ id name version opensAt closesAt openOnWeekends }} }} }}"""
    )
    payload = data["createStore"]
    store = Store.objects.get(slug="lisbon-books")
    assert payload["ok"] is True and payload["errors"] == []
    assert payload["store"]["id"] == str(store.pk) and payload["store"]["version"] == 0
    assert (store.opens_at, store.closes_at, store.open_on_weekends, store.version) == (
        datetime.time(9, 30),
        datetime.time(19, 0),
        True,
        0,
    )
    assert Store.objects.count() == before + 1


def test_create_review__links_the_book_and_stores_the_values(admin_gql):
    book = Book.objects.order_by("pk")[3]
    before = Review.objects.count()
    data = admin_gql(
        f"""mutation($book: ID!) {{ createReview(input: {{book: {{connect: $book}}, reviewerName: "Sam",
              rating: 4, createdAt: "2025-01-01T10:00:00Z", ipAddress: "2001:db8::1", verifiedPurchase: true}}) {{
            ok {ERRORS} review {{ id rating book {{ id }} }} }} }}""",
        {"book": book.pk},
    )
    payload = data["createReview"]
    review = Review.objects.get(pk=payload["review"]["id"])
    assert payload["ok"] is True and payload["review"] == {
        "id": str(review.pk),
        "rating": 4,
        "book": {"id": str(book.pk)},
    }
    assert (
        review.book_id,
        review.reviewer_name,
        review.rating,
        review.ip_address,
        review.verified_purchase,
    ) == (
        book.pk,
        "Sam",
        4,
        "2001:db8::1",
        True,
    )
    assert review.created_at == datetime.datetime(2025, 1, 1, 10, 0, tzinfo=UTC)
    assert Review.objects.count() == before + 1


def test_create_book_launch__writes_the_event_parent_row_too(admin_gql):
    store = Store.objects.order_by("pk").first()
    book = Book.objects.order_by("pk")[1]
    host = Author.objects.order_by("pk")[2]
    before = counts(Event, BookLaunch, Signing)
    data = admin_gql(
        f"""mutation($venue: ID!, $book: ID!, $host: ID!) {{
          createBookLaunch(input: {{name: "Launch night", startsAt: "2025-03-01T18:00:00Z", duration: "PT2H",
              capacity: 80, venue: {{connect: $venue}}, book: {{connect: $book}}, host: {{connect: $host}}}}) {{
            ok {ERRORS} bookLaunch {{ id name capacity venue {{ id }} book {{ id }} host {{ id }} }} }} }}""",
        {"venue": store.pk, "book": book.pk, "host": host.pk},
    )
    payload = data["createBookLaunch"]
    assert payload["ok"] is True and payload["errors"] == []
    launch = BookLaunch.objects.get(pk=payload["bookLaunch"]["id"])
    event = Event.objects.get(pk=launch.pk)
    assert (event.name, event.capacity, event.venue_id, event.duration) == (
        "Launch night",
        80,
        store.pk,
        datetime.timedelta(hours=2),
    )
    assert event.starts_at == datetime.datetime(2025, 3, 1, 18, 0, tzinfo=UTC)
    assert (launch.book_id, launch.host_id) == (book.pk, host.pk)
    assert payload["bookLaunch"] == {
        "id": str(launch.pk),
        "name": "Launch night",
        "capacity": 80,
        "venue": {"id": str(store.pk)},
        "book": {"id": str(book.pk)},
        "host": {"id": str(host.pk)},
    }
    assert counts(Event, BookLaunch, Signing) == {
        "Event": before["Event"] + 1,
        "BookLaunch": before["BookLaunch"] + 1,
        "Signing": before["Signing"],
    }


def test_create_authorship__links_book_and_author_with_role_and_position(admin_gql):
    book = Book.objects.order_by("pk").first()
    author = Author.objects.exclude(authorships__book=book).order_by("pk").first()
    before = Authorship.objects.count()
    data = admin_gql(
        f"""mutation($book: ID!, $author: ID!) {{ createAuthorship(input: {{book: {{connect: $book}},
              author: {{connect: $author}}, role: TRANSLATOR, position: 7}}) {{
            ok {ERRORS} authorship {{ id role position book {{ id }} author {{ id }} }} }} }}""",
        {"book": book.pk, "author": author.pk},
    )
    payload = data["createAuthorship"]
    row = Authorship.objects.get(book=book, author=author)
    assert payload == {
        "ok": True,
        "errors": [],
        "authorship": {
            "id": str(row.pk),
            "role": "TRANSLATOR",
            "position": 7,
            "book": {"id": str(book.pk)},
            "author": {"id": str(author.pk)},
        },
    }
    assert (row.role, row.position) == ("translator", 7)
    assert Authorship.objects.count() == before + 1
    assert author in book.authors.all()


@pytest.mark.parametrize(
    ("kind", "model"),
    [("BOOK", Book), ("AUTHOR", Author), ("REVIEW", Review)],
    ids=["book", "author", "review"],
)
def test_create_comment__generic_target_sets_content_type_and_object_id(admin_gql, kind, model):
    target = model.objects.order_by("-pk").first()
    before = Comment.objects.count()
    data = admin_gql(
        f"""mutation($id: ID!, $type: CommentTargetType!) {{ createComment(input: {{authorName: "Kim", body: "Nice",
              createdAt: "2025-05-05T05:05:05Z", target: {{type: $type, id: $id}}}}) {{
            ok {ERRORS} comment {{ id target {{ __typename ... on {model.__name__} {{ id }} }} }} }} }}""",
        {"id": target.pk, "type": kind},
    )
    payload = data["createComment"]
    assert payload["ok"] is True and payload["errors"] == []
    comment = Comment.objects.get(pk=payload["comment"]["id"])
    assert comment.content_type == ContentType.objects.get_for_model(model)
    assert comment.object_id == target.pk
    assert comment.target == target
    assert payload["comment"]["target"] == {"__typename": model.__name__, "id": str(target.pk)}
    assert Comment.objects.count() == before + 1


def test_create_comment__unknown_target_id_is_a_field_error(admin_gql):
    before = Comment.objects.count()
    missing = Book.objects.order_by("-pk").first().pk + 1000
    data = admin_gql(
        f"""mutation($id: ID!) {{ createComment(input: {{authorName: "Kim", body: "Nice",
              createdAt: "2025-05-05T05:05:05Z", target: {{type: BOOK, id: $id}}}}) {{ ok {ERRORS} comment {{ id }} }} }}""",
        {"id": missing},
    )
    assert data["createComment"] == {
        "ok": False,
        "errors": [
            {
                "field": "target.id",
                "messages": [f"Book with id '{missing}' does not exist."],
                "code": "does_not_exist",
            }
        ],
        "comment": None,
    }
    assert Comment.objects.count() == before


def test_create_comment__missing_target_is_required(admin_gql):
    before = Comment.objects.count()
    data = admin_gql(
        f"""mutation {{ createComment(input: {{authorName: "Kim", body: "Nice", createdAt: "2025-05-05T05:05:05Z"}}) {{
            ok {ERRORS} }} }}"""
    )
    assert data["createComment"] == {
        "ok": False,
        "errors": [{"field": "target", "messages": ["This field is required."], "code": "required"}],
    }
    assert Comment.objects.count() == before


# -- update ---------------------------------------------------------------------------------------


def test_update_book__changes_only_the_given_fields(admin_gql):
    book = Book.objects.filter(publisher__isnull=False, tags__isnull=False).order_by("pk").first()
    snapshot = Book.objects.filter(pk=book.pk).values().get()
    tags = sorted(book.tags.values_list("pk", flat=True))
    authors = sorted(book.authorships.values_list("pk", "author_id", "role", "position"))
    data = admin_gql(
        f"""mutation($id: ID!) {{ updateBook(id: $id, input: {{title: "Renamed", edition: 9}}) {{
            ok {ERRORS} book {{ id title edition slug price }} }} }}""",
        {"id": book.pk},
    )
    assert data["updateBook"] == {
        "ok": True,
        "errors": [],
        "book": {
            "id": str(book.pk),
            "title": "Renamed",
            "edition": 9,
            "slug": book.slug,
            "price": str(book.price),
        },
    }
    after = Book.objects.filter(pk=book.pk).values().get()
    changed = {k for k in snapshot if snapshot[k] != after[k]}
    assert changed == {"title", "edition", "updated_at"}
    assert after["updated_at"] > snapshot["updated_at"]
    assert sorted(book.tags.values_list("pk", flat=True)) == tags
    assert sorted(book.authorships.values_list("pk", "author_id", "role", "position")) == authors


def test_update_book__null_clears_a_nullable_to_one(admin_gql):
    book = Book.objects.filter(publisher__isnull=False).order_by("pk").first()
    publishers = Publisher.objects.count()
    data = admin_gql(
        f"mutation($id: ID!) {{ updateBook(id: $id, input: {{publisher: null}}) {{ ok {ERRORS} book {{ publisher {{ id }} }} }} }}",
        {"id": book.pk},
    )
    assert data["updateBook"] == {"ok": True, "errors": [], "book": {"publisher": None}}
    book.refresh_from_db()
    assert book.publisher_id is None
    assert Publisher.objects.count() == publishers


def test_update_book__null_on_a_nullable_scalar_clears_it(admin_gql):
    book = Book.objects.filter(pages__isnull=False).order_by("pk").first()
    data = admin_gql(
        f"mutation($id: ID!) {{ updateBook(id: $id, input: {{pages: null}}) {{ ok {ERRORS} book {{ pages }} }} }}",
        {"id": book.pk},
    )
    assert data["updateBook"] == {"ok": True, "errors": [], "book": {"pages": None}}
    book.refresh_from_db()
    assert book.pages is None


def test_update_book__empty_input_changes_nothing_but_updated_at(admin_gql):
    book = Book.objects.order_by("pk")[4]
    snapshot = Book.objects.filter(pk=book.pk).values().get()
    data = admin_gql(
        f"mutation($id: ID!) {{ updateBook(id: $id, input: {{}}) {{ ok {ERRORS} book {{ id }} }} }}",
        {"id": book.pk},
    )
    assert data["updateBook"] == {"ok": True, "errors": [], "book": {"id": str(book.pk)}}
    after = Book.objects.filter(pk=book.pk).values().get()
    assert {k for k in snapshot if snapshot[k] != after[k]} <= {"updated_at"}


def test_update_tag__partial_update_keeps_the_other_field(admin_gql):
    tag = Tag.objects.order_by("pk").first()
    data = admin_gql(
        f'mutation($id: ID!) {{ updateTag(id: $id, input: {{name: "renamed"}}) {{ ok {ERRORS} tag {{ name slug }} }} }}',
        {"id": tag.pk},
    )
    assert data["updateTag"] == {"ok": True, "errors": [], "tag": {"name": "renamed", "slug": tag.slug}}
    assert Tag.objects.filter(pk=tag.pk).values_list("name", "slug").get() == ("renamed", tag.slug)


def test_update_store__version_increments_on_each_update(admin_gql):
    store = Store.objects.order_by("pk").first()
    version = store.version
    query = f"mutation($id: ID!, $city: String) {{ updateStore(id: $id, input: {{city: $city}}) {{ ok {ERRORS} store {{ city version }} }} }}"
    first = admin_gql(query, {"id": store.pk, "city": "Porto"})["updateStore"]
    second = admin_gql(query, {"id": store.pk, "city": "Braga"})["updateStore"]
    assert first == {"ok": True, "errors": [], "store": {"city": "Porto", "version": version + 1}}
    assert second == {"ok": True, "errors": [], "store": {"city": "Braga", "version": version + 2}}
    store.refresh_from_db()
    assert (store.city, store.version) == ("Braga", version + 2)


def test_update_comment__retargets_the_generic_relation(admin_gql):
    comment = Comment.objects.order_by("pk").first()
    author = Author.objects.order_by("pk").last()
    data = admin_gql(
        f"""mutation($id: ID!, $target: ID!) {{ updateComment(id: $id, input: {{target: {{type: AUTHOR, id: $target}}}}) {{
            ok {ERRORS} comment {{ target {{ __typename ... on Author {{ id }} }} }} }} }}""",
        {"id": comment.pk, "target": author.pk},
    )
    assert data["updateComment"] == {
        "ok": True,
        "errors": [],
        "comment": {"target": {"__typename": "Author", "id": str(author.pk)}},
    }
    comment.refresh_from_db()
    assert (comment.content_type.model_class(), comment.object_id) == (Author, author.pk)


def test_update_book_launch__changes_parent_and_child_fields(admin_gql):
    launch = BookLaunch.objects.order_by("pk").first()
    other_book = Book.objects.exclude(pk=launch.book_id).order_by("pk").first()
    data = admin_gql(
        f"""mutation($id: ID!, $book: ID!) {{ updateBookLaunch(id: $id, input: {{name: "Moved", book: {{connect: $book}}}}) {{
            ok {ERRORS} bookLaunch {{ name book {{ id }} }} }} }}""",
        {"id": launch.pk, "book": other_book.pk},
    )
    assert data["updateBookLaunch"] == {
        "ok": True,
        "errors": [],
        "bookLaunch": {"name": "Moved", "book": {"id": str(other_book.pk)}},
    }
    assert Event.objects.get(pk=launch.pk).name == "Moved"
    assert BookLaunch.objects.get(pk=launch.pk).book_id == other_book.pk


# -- unknown and malformed ids ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message", "code"),
    [
        ("999999", "Book with id '999999' does not exist.", "does_not_exist"),
        ("abc", "'abc' is not a valid Book id.", "invalid"),
        ("1.5", "'1.5' is not a valid Book id.", "invalid"),
    ],
)
def test_update_book__unknown_or_malformed_id_is_a_field_error_on_id(admin_gql, raw, message, code):
    before = Book.objects.filter(title="X").count()
    data = admin_gql(
        f'mutation($id: ID!) {{ updateBook(id: $id, input: {{title: "X"}}) {{ ok {ERRORS} book {{ id }} }} }}',
        {"id": raw},
    )
    assert data["updateBook"] == {
        "ok": False,
        "errors": [{"field": "id", "messages": [message], "code": code}],
        "book": None,
    }
    assert Book.objects.filter(title="X").count() == before == 0


@pytest.mark.parametrize(
    ("raw", "message", "code"),
    [
        ("999999", "Tag with id '999999' does not exist.", "does_not_exist"),
        ("x1", "'x1' is not a valid Tag id.", "invalid"),
    ],
)
def test_delete_tag__unknown_or_malformed_id_is_a_field_error_on_id(admin_gql, raw, message, code):
    before = Tag.objects.count()
    data = admin_gql(f"mutation($id: ID!) {{ deleteTag(id: $id) {{ ok deletedId {ERRORS} }} }}", {"id": raw})
    assert data["deleteTag"] == {
        "ok": False,
        "deletedId": None,
        "errors": [{"field": "id", "messages": [message], "code": code}],
    }
    assert Tag.objects.count() == before


# -- delete -------------------------------------------------------------------------------------


def test_delete_tag__returns_the_deleted_id_and_removes_its_links(admin_gql):
    tag = Tag.objects.annotate(n=Count("books")).filter(n__gt=0).order_by("pk").first()
    linked = tag.books.count()
    before, links = Tag.objects.count(), tag_links()
    books = Book.objects.count()
    data = admin_gql(
        f"mutation($id: ID!) {{ deleteTag(id: $id) {{ ok deletedId {ERRORS} }} }}", {"id": tag.pk}
    )
    assert data["deleteTag"] == {"ok": True, "deletedId": str(tag.pk), "errors": []}
    assert not Tag.objects.filter(pk=tag.pk).exists()
    assert Tag.objects.count() == before - 1
    assert tag_links() == links - linked
    assert Book.objects.count() == books


def test_delete_book__cascades_to_reviews_authorships_launches_and_comments(admin_gql):
    book = (
        Book.objects.annotate(r=Count("reviews", distinct=True), a=Count("authorships", distinct=True))
        .filter(r__gt=0, a__gt=0)
        .order_by("pk")
        .first()
    )
    gone = {
        "Review": book.reviews.count(),
        "Authorship": book.authorships.count(),
        "BookLaunch": book.launches.count(),
        "Event": book.launches.count(),
        # the book's comments, and the comments on its reviews (both generic relations cascade)
        "Comment": book.comments.count() + Comment.objects.filter(review__book=book).count(),
        "Book": 1,
    }
    unchanged = counts(Publisher, Author, Tag, Store, Signing)
    before = counts(Book, Review, Authorship, BookLaunch, Event, Comment)
    data = admin_gql(
        f"mutation($id: ID!) {{ deleteBook(id: $id) {{ ok deletedId {ERRORS} }} }}", {"id": book.pk}
    )
    assert data["deleteBook"] == {"ok": True, "deletedId": str(book.pk), "errors": []}
    assert counts(Book, Review, Authorship, BookLaunch, Event, Comment) == {
        k: before[k] - gone[k] for k in before
    }
    assert counts(Publisher, Author, Tag, Store, Signing) == unchanged
    assert not Review.objects.filter(book_id=book.pk).exists()
    assert not Authorship.objects.filter(book_id=book.pk).exists()


def test_delete_store__cascades_to_its_events_of_every_kind(admin_gql):
    store = Store.objects.annotate(n=Count("events")).filter(n__gt=0).order_by("-n", "pk").first()
    events = Event.objects.filter(venue=store)
    gone = {
        "Store": 1,
        "Event": events.count(),
        "BookLaunch": BookLaunch.objects.filter(venue=store).count(),
        "Signing": Signing.objects.filter(venue=store).count(),
    }
    assert gone["Event"] > 0
    before = counts(Store, Event, BookLaunch, Signing)
    books = Book.objects.count()
    data = admin_gql(
        f"mutation($id: ID!) {{ deleteStore(id: $id) {{ ok deletedId {ERRORS} }} }}", {"id": store.pk}
    )
    assert data["deleteStore"] == {"ok": True, "deletedId": str(store.pk), "errors": []}
    assert counts(Store, Event, BookLaunch, Signing) == {k: before[k] - gone[k] for k in before}
    assert not Event.objects.filter(venue_id=store.pk).exists()
    assert Book.objects.count() == books


def test_delete_publisher__sets_its_books_publisher_to_null(admin_gql):
    publisher = Publisher.objects.annotate(n=Count("books")).filter(n__gt=0).order_by("pk").first()
    book_ids = sorted(publisher.books.values_list("pk", flat=True))
    before = counts(Publisher, Book)
    data = admin_gql(
        f"mutation($id: ID!) {{ deletePublisher(id: $id) {{ ok deletedId {ERRORS} }} }}", {"id": publisher.pk}
    )
    assert data["deletePublisher"] == {"ok": True, "deletedId": str(publisher.pk), "errors": []}
    assert counts(Publisher, Book) == {"Publisher": before["Publisher"] - 1, "Book": before["Book"]}
    assert list(Book.objects.filter(pk__in=book_ids).values_list("publisher_id", flat=True)) == [None] * len(
        book_ids
    )


def test_delete_book_launch__deletes_the_event_parent_row_too(admin_gql):
    launch = BookLaunch.objects.order_by("pk").first()
    before = counts(Event, BookLaunch, Signing, Book)
    data = admin_gql(
        f"mutation($id: ID!) {{ deleteBookLaunch(id: $id) {{ ok deletedId {ERRORS} }} }}", {"id": launch.pk}
    )
    assert data["deleteBookLaunch"] == {"ok": True, "deletedId": str(launch.pk), "errors": []}
    assert not Event.objects.filter(pk=launch.pk).exists()
    assert counts(Event, BookLaunch, Signing, Book) == {
        **before,
        "Event": before["Event"] - 1,
        "BookLaunch": before["BookLaunch"] - 1,
    }


def test_delete_comment__removes_only_the_comment(admin_gql):
    comment = Comment.objects.order_by("pk").first()
    target_model = comment.content_type.model_class()
    before = counts(Comment, target_model)
    data = admin_gql(
        f"mutation($id: ID!) {{ deleteComment(id: $id) {{ ok deletedId {ERRORS} }} }}", {"id": comment.pk}
    )
    assert data["deleteComment"] == {"ok": True, "deletedId": str(comment.pk), "errors": []}
    assert counts(Comment, target_model) == {**before, "Comment": before["Comment"] - 1}


def test_delete_of_a_protected_row__is_a_protected_error_and_deletes_nothing(admin_gql, monkeypatch):
    """With Review.book switched to PROTECT for the test, a reviewed book cannot be deleted."""
    monkeypatch.setattr(Review._meta.get_field("book").remote_field, "on_delete", models.PROTECT)
    book = Book.objects.annotate(n=Count("reviews")).filter(n__gte=1).order_by("pk").first()
    before = counts(Book, Review, Authorship, Comment)
    data = admin_gql(
        f"mutation($id: ID!) {{ deleteBook(id: $id) {{ ok deletedId {ERRORS} }} }}", {"id": book.pk}
    )
    assert data["deleteBook"] == {
        "ok": False,
        "deletedId": None,
        "errors": [
            {
                "field": "__all__",
                "messages": ["Cannot delete this book: related reviews depend on it."],
                "code": "protected",
            }
        ],
    }
    assert Book.objects.filter(pk=book.pk).exists()
    assert counts(Book, Review, Authorship, Comment) == before


def test_delete_twice__the_second_time_the_id_does_not_exist(admin_gql):
    review = Review.objects.order_by("pk").first()
    query = f"mutation($id: ID!) {{ deleteReview(id: $id) {{ ok deletedId {ERRORS} }} }}"
    assert admin_gql(query, {"id": review.pk})["deleteReview"]["ok"] is True
    before = Review.objects.count()
    assert admin_gql(query, {"id": review.pk})["deleteReview"] == {
        "ok": False,
        "deletedId": None,
        "errors": [
            {
                "field": "id",
                "messages": [f"Review with id '{review.pk}' does not exist."],
                "code": "does_not_exist",
            }
        ],
    }
    assert Review.objects.count() == before


# -- transport and schema -------------------------------------------------------------------------------


def test_mutation_over_get__is_405_and_writes_nothing(admin_gql):
    before = Tag.objects.count()
    response = admin_gql.client.get(
        "/graphql/", {"query": 'mutation { createTag(input: {name: "g", slug: "g"}) { ok } }'}
    )
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "mutation" in json.loads(response.content)["errors"][0]["message"]
    assert Tag.objects.count() == before


MUTATION_FIELDS = "{ __schema { mutationType { fields { name } } } }"


def test_read_only_published_book__has_no_mutations(gql):
    data = gql(MUTATION_FIELDS)
    names = {f["name"] for f in data["__schema"]["mutationType"]["fields"]}
    assert {
        "createBook",
        "updateBook",
        "deleteBook",
        "bulkCreateBooks",
        "bulkUpdateBooks",
        "bulkDeleteBooks",
    } <= names
    assert not [n for n in names if "PublishedBook" in n]
    types = gql("{ __schema { types { name } } }")["__schema"]["types"]
    assert not [
        t["name"]
        for t in types
        if t["name"].startswith("PublishedBook") and "Input" in t["name"] and "Where" not in t["name"]
    ]


def test_every_writable_model__gets_create_update_delete(gql):
    names = {f["name"] for f in gql(MUTATION_FIELDS)["__schema"]["mutationType"]["fields"]}
    for model in (
        "Book",
        "Tag",
        "Publisher",
        "Store",
        "Review",
        "BookLaunch",
        "Authorship",
        "Comment",
        "Event",
    ):
        assert {f"create{model}", f"update{model}", f"delete{model}"} <= names, model


def test_mutations_setting_false__removes_the_mutation_type(admin_gql):
    """Only the login mutations stay (they have their own switch); without them, no Mutation type."""
    before = Tag.objects.count()
    mutation_names = "{ __schema { mutationType { fields { name } } } }"
    with override_settings(TOOLKIT={"APPS": ["demo"], "MUTATIONS": False}):
        fields = admin_gql(mutation_names)["__schema"]["mutationType"]["fields"]
        assert sorted(f["name"] for f in fields) == ["refreshToken", "revokeToken", "tokenAuth"]
        result = admin_gql.post('mutation { createTag(input: {name: "off", slug: "off"}) { ok } }')
        assert result.status == 400
        assert result.codes == ["GRAPHQL_VALIDATION_FAILED"]
    with override_settings(TOOLKIT={"APPS": ["demo"], "MUTATIONS": False, "AUTH_MUTATIONS": False}):
        assert admin_gql("{ __schema { mutationType { name } } }") == {"__schema": {"mutationType": None}}
        result = admin_gql.post('mutation { createTag(input: {name: "off", slug: "off"}) { ok } }')
        assert result.status == 400
        assert result.codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert Tag.objects.count() == before
    assert admin_gql("{ __schema { mutationType { name } } }") == {
        "__schema": {"mutationType": {"name": "Mutation"}}
    }
