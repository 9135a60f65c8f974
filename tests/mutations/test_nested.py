"""Nested writes: to-one, many-to-many (with and without ``through``), reverse-FK children; all or nothing."""

from __future__ import annotations

import pytest
from django.db.models import Count

from demo.models import Author, Authorship, Book, Publisher, Review, Tag

ERRORS = "errors { field messages code }"
UPDATE_BOOK = f"""mutation($id: ID!, $input: BookUpdateInput!) {{ updateBook(id: $id, input: $input) {{
    ok {ERRORS} book {{ id title publisher {{ id }} tags {{ id }} reviews {{ id rating }}
                       authorships {{ role position author {{ id }} }} }} }} }}"""
CREATE_BOOK = f"""mutation($input: BookCreateInput!) {{ createBook(input: $input) {{
    ok {ERRORS} book {{ id publisher {{ id name }} tags {{ id name }} reviews {{ id rating }}
                       authorships {{ role position author {{ id name }} }} }} }} }}"""
UPDATE_PUBLISHER = f"""mutation($id: ID!, $input: PublisherUpdateInput!) {{ updatePublisher(id: $id, input: $input) {{
    ok {ERRORS} publisher {{ id books {{ id }} }} }} }}"""
CREATE_PUBLISHER = f"""mutation($input: PublisherCreateInput!) {{ createPublisher(input: $input) {{
    ok {ERRORS} publisher {{ id name books {{ id title reviews {{ id rating }} }} }} }} }}"""
UPDATE_AUTHOR = f"""mutation($id: ID!, $input: AuthorUpdateInput!) {{ updateAuthor(id: $id, input: $input) {{
    ok {ERRORS} author {{ id books {{ id }} authorships {{ role position book {{ id }} }} }} }} }}"""
REQUIRED = ["This field is required."]
WATCHED = (Book, Publisher, Review, Author, Authorship, Tag)


def counts(*models) -> dict[str, int]:
    return {m.__name__: m._base_manager.count() for m in models}


def everything() -> dict[str, int]:
    return {**counts(*WATCHED), "BookTags": Book.tags.through.objects.count()}


def book_input(n: int, **extra) -> dict:
    return {
        "title": f"Nested {n}",
        "slug": f"nested-{n}",
        "isbn": f"99900000{n:05d}",
        "price": "10.00",
        **extra,
    }


def review_input(rating: int = 4, **extra) -> dict:
    return {"reviewerName": "Reader", "rating": rating, "createdAt": "2025-02-02T12:00:00Z", **extra}


def write(client, query: str, variables: dict) -> dict:
    result = client.post(query, variables)
    assert result.status == 200 and "errors" not in result.body, result.body
    (payload,) = result.data.values()
    return payload


def book_with_reviews(minimum: int = 2) -> Book:
    return Book.objects.annotate(n=Count("reviews")).filter(n__gte=minimum).order_by("pk").first()


def tag_ids(book: Book) -> list[int]:
    return sorted(book.tags.values_list("pk", flat=True))


# -- to-one -------------------------------------------------------------------------------------------


def test_to_one_connect__links_an_existing_row(admin_gql):
    book = Book.objects.filter(publisher__isnull=False).order_by("pk").first()
    other = Publisher.objects.exclude(pk=book.publisher_id).order_by("pk").first()
    before = everything()
    payload = write(admin_gql, UPDATE_BOOK, {"id": book.pk, "input": {"publisher": {"connect": other.pk}}})
    assert payload["ok"] is True and payload["book"]["publisher"] == {"id": str(other.pk)}
    assert Book.objects.get(pk=book.pk).publisher_id == other.pk
    assert everything() == before


def test_to_one_create__creates_and_links_a_new_row(admin_gql):
    before = everything()
    payload = write(
        admin_gql,
        CREATE_BOOK,
        {"input": book_input(1, publisher={"create": {"name": "Fresh Press", "slug": "fresh-press"}})},
    )
    assert payload["ok"] is True, payload
    publisher = Publisher.objects.get(slug="fresh-press")
    assert payload["book"]["publisher"] == {"id": str(publisher.pk), "name": "Fresh Press"}
    assert Book.objects.get(pk=payload["book"]["id"]).publisher_id == publisher.pk
    assert everything() == {**before, "Book": before["Book"] + 1, "Publisher": before["Publisher"] + 1}


def test_to_one_create_with_invalid_row__errors_at_its_path_and_writes_nothing(admin_gql):
    before = everything()
    payload = write(
        admin_gql, CREATE_BOOK, {"input": book_input(1, publisher={"create": {"name": "No Slug"}})}
    )
    assert payload == {
        "ok": False,
        "book": None,
        "errors": [{"field": "publisher.create.slug", "messages": REQUIRED, "code": "required"}],
    }
    assert everything() == before


@pytest.mark.parametrize(
    "value", [{"connect": "1", "create": {"name": "P", "slug": "p"}}, {}], ids=["both", "none"]
)
def test_to_one_needs_exactly_one_of_connect_and_create(admin_gql, value):
    before = everything()
    payload = write(admin_gql, CREATE_BOOK, {"input": book_input(1, publisher=value)})
    assert payload == {
        "ok": False,
        "book": None,
        "errors": [
            {
                "field": "publisher",
                "messages": ["Set exactly one of 'connect' and 'create'."],
                "code": "invalid",
            }
        ],
    }
    assert everything() == before


@pytest.mark.parametrize(
    ("raw", "message", "code"),
    [
        ("999999", "Publisher with id '999999' does not exist.", "does_not_exist"),
        ("p1", "'p1' is not a valid Publisher id.", "invalid"),
    ],
)
def test_to_one_connect_unknown_id__errors_at_connect(admin_gql, raw, message, code):
    book = Book.objects.filter(publisher__isnull=False).order_by("pk").first()
    before = everything()
    payload = write(
        admin_gql, UPDATE_BOOK, {"id": book.pk, "input": {"title": "Changed", "publisher": {"connect": raw}}}
    )
    assert payload == {
        "ok": False,
        "book": None,
        "errors": [{"field": "publisher.connect", "messages": [message], "code": code}],
    }
    assert Book.objects.filter(pk=book.pk).values_list("title", "publisher_id").get() == (
        book.title,
        book.publisher_id,
    )
    assert everything() == before


def test_required_to_one_connect_unknown_id__is_one_error_at_connect(admin_gql):
    """The unknown id is the problem; the link it could not set is not a second one."""
    before = everything()
    payload = write(
        admin_gql,
        f"mutation($input: ReviewCreateInput!) {{ createReview(input: $input) {{ ok {ERRORS} }} }}",
        {"input": review_input(book={"connect": "999999"})},
    )
    assert payload == {
        "ok": False,
        "errors": [
            {
                "field": "book.connect",
                "messages": ["Book with id '999999' does not exist."],
                "code": "does_not_exist",
            }
        ],
    }
    assert everything() == before


def test_required_to_one_set_to_null__is_a_null_error(admin_gql):
    review = Review.objects.order_by("pk").first()
    payload = write(
        admin_gql,
        f"mutation($id: ID!) {{ updateReview(id: $id, input: {{book: null}}) {{ ok {ERRORS} }} }}",
        {"id": review.pk},
    )
    assert payload == {
        "ok": False,
        "errors": [{"field": "book", "messages": ["This field cannot be null."], "code": "null"}],
    }
    assert Review.objects.get(pk=review.pk).book_id == review.book_id


# -- many-to-many ----------------------------------------------------------------------------------------


def test_many_set__replaces_the_links_exactly(admin_gql):
    book = Book.objects.annotate(n=Count("tags")).filter(n__gte=1).order_by("pk").first()
    wanted = [t for t in Tag.objects.order_by("pk").values_list("pk", flat=True) if t not in tag_ids(book)][
        :2
    ]
    payload = write(admin_gql, UPDATE_BOOK, {"id": book.pk, "input": {"tags": {"set": wanted}}})
    assert payload["ok"] is True
    assert tag_ids(book) == sorted(wanted)
    assert sorted(int(t["id"]) for t in payload["book"]["tags"]) == sorted(wanted)


def test_many_set_empty__clears_the_links(admin_gql):
    book = Book.objects.annotate(n=Count("tags")).filter(n__gte=1).order_by("pk").first()
    links = Book.tags.through.objects.count()
    had = book.tags.count()
    payload = write(admin_gql, UPDATE_BOOK, {"id": book.pk, "input": {"tags": {"set": []}}})
    assert payload["ok"] is True and payload["book"]["tags"] == []
    assert tag_ids(book) == []
    assert Book.tags.through.objects.count() == links - had


def test_many_add_and_remove__change_only_the_given_links(admin_gql):
    book = Book.objects.annotate(n=Count("tags")).filter(n__gte=1).order_by("pk").first()
    current = tag_ids(book)
    missing = Tag.objects.exclude(pk__in=current).order_by("pk").first().pk
    tags_before = Tag.objects.count()
    payload = write(
        admin_gql, UPDATE_BOOK, {"id": book.pk, "input": {"tags": {"add": [missing], "remove": [current[0]]}}}
    )
    assert payload["ok"] is True
    assert tag_ids(book) == sorted([*current[1:], missing])
    assert Tag.objects.count() == tags_before


def test_many_operations__apply_in_order_set_remove_add_create(admin_gql):
    book = Book.objects.order_by("pk")[2]
    a, b, c = Tag.objects.order_by("pk").values_list("pk", flat=True)[:3]
    before = Tag.objects.count()
    payload = write(
        admin_gql,
        UPDATE_BOOK,
        {
            "id": book.pk,
            "input": {
                "tags": {
                    "set": [a, b],
                    "remove": [b],
                    "add": [c],
                    "create": [{"name": "new-one", "slug": "new-one"}],
                }
            },
        },
    )
    assert payload["ok"] is True
    new = Tag.objects.get(slug="new-one")
    assert tag_ids(book) == sorted([a, c, new.pk])
    assert Tag.objects.count() == before + 1


def test_many_unknown_and_malformed_ids__error_at_their_index_and_change_nothing(admin_gql):
    book = Book.objects.annotate(n=Count("tags")).filter(n__gte=1).order_by("pk").first()
    known = Tag.objects.order_by("pk").first().pk
    current = tag_ids(book)
    before = everything()
    payload = write(
        admin_gql,
        UPDATE_BOOK,
        {
            "id": book.pk,
            "input": {"title": "Never", "tags": {"set": [known, "999999"], "add": [known, "abc"]}},
        },
    )
    assert payload == {
        "ok": False,
        "book": None,
        "errors": [
            {
                "field": "tags.set.1",
                "messages": ["Tag with id '999999' does not exist."],
                "code": "does_not_exist",
            },
            {"field": "tags.add.1", "messages": ["'abc' is not a valid Tag id."], "code": "invalid"},
        ],
    }
    assert tag_ids(book) == current
    assert Book.objects.get(pk=book.pk).title == book.title
    assert everything() == before


def test_reverse_many_side__author_books_add_with_through_values(admin_gql):
    author = Author.objects.order_by("pk").first()
    book = Book.objects.exclude(authors=author).order_by("pk").first()
    before = Authorship.objects.count()
    payload = write(
        admin_gql,
        UPDATE_AUTHOR,
        {
            "id": author.pk,
            "input": {"books": {"add": [book.pk], "through": {"role": "EDITOR", "position": 4}}},
        },
    )
    assert payload["ok"] is True, payload
    row = Authorship.objects.get(author=author, book=book)
    assert (row.role, row.position) == ("editor", 4)
    assert {"role": "EDITOR", "position": 4, "book": {"id": str(book.pk)}} in payload["author"]["authorships"]
    assert Authorship.objects.count() == before + 1


def test_reverse_many_side__author_books_set_and_remove(admin_gql):
    author = Author.objects.annotate(n=Count("books", distinct=True)).filter(n__gte=3).order_by("pk").first()
    keep, drop, other = sorted(set(author.books.values_list("pk", flat=True)))[:3]
    dropped_rows = Authorship.objects.filter(author=author, book_id=drop).count()
    before = Authorship.objects.count()
    payload = write(admin_gql, UPDATE_AUTHOR, {"id": author.pk, "input": {"books": {"remove": [drop]}}})
    assert payload["ok"] is True
    assert not Authorship.objects.filter(author=author, book_id=drop).exists()
    assert Authorship.objects.count() == before - dropped_rows
    others = Authorship.objects.filter(author=author).exclude(book_id=keep).count()
    assert others >= 1  # at least ``other``
    payload = write(admin_gql, UPDATE_AUTHOR, {"id": author.pk, "input": {"books": {"set": [keep]}}})
    assert payload["ok"] is True
    assert sorted(set(author.books.values_list("pk", flat=True))) == [keep]
    assert [b["id"] for b in payload["author"]["books"]] == [str(keep)]
    assert Authorship.objects.count() == before - dropped_rows - others
    assert not Authorship.objects.filter(author=author, book_id=other).exists()


def test_many_with_through__create_writes_link_rows_with_the_through_values(admin_gql):
    before = everything()
    payload = write(
        admin_gql,
        CREATE_BOOK,
        {
            "input": book_input(
                2,
                authors={
                    "create": [
                        {"name": "Olu Adeyemi", "email": "olu@example.org"},
                        {"name": "Ines Duarte", "email": "ines@example.org"},
                    ],
                    "through": {"role": "TRANSLATOR", "position": 2},
                },
            )
        },
    )
    assert payload["ok"] is True, payload
    book = Book.objects.get(pk=payload["book"]["id"])
    rows = sorted(book.authorships.values_list("author__email", "role", "position"))
    assert rows == [("ines@example.org", "translator", 2), ("olu@example.org", "translator", 2)]
    assert sorted(
        (a["role"], a["position"], a["author"]["name"]) for a in payload["book"]["authorships"]
    ) == [
        ("TRANSLATOR", 2, "Ines Duarte"),
        ("TRANSLATOR", 2, "Olu Adeyemi"),
    ]
    assert everything() == {
        **before,
        "Book": before["Book"] + 1,
        "Author": before["Author"] + 2,
        "Authorship": before["Authorship"] + 2,
    }


def test_many_with_through__without_through_values_uses_the_model_defaults(admin_gql):
    book = Book.objects.order_by("pk").first()
    author = Author.objects.exclude(books=book).order_by("pk").first()
    payload = write(admin_gql, UPDATE_BOOK, {"id": book.pk, "input": {"authors": {"add": [author.pk]}}})
    assert payload["ok"] is True
    assert Authorship.objects.filter(book=book, author=author).values_list("role", "position").get() == (
        "author",
        0,
    )


def test_many_with_through__invalid_through_value_errors_at_through(admin_gql):
    book = Book.objects.order_by("pk").first()
    author = Author.objects.exclude(books=book).order_by("pk").first()
    before = everything()
    payload = write(
        admin_gql,
        UPDATE_BOOK,
        {"id": book.pk, "input": {"authors": {"add": [author.pk], "through": {"position": -1}}}},
    )
    assert payload == {
        "ok": False,
        "book": None,
        "errors": [
            {
                "field": "authors.through.position",
                "messages": ["Ensure this value is greater than or equal to 0."],
                "code": "min_value",
            }
        ],
    }
    assert everything() == before


def test_many_create__per_child_errors_and_nothing_written(admin_gql):
    before = everything()
    payload = write(
        admin_gql,
        CREATE_BOOK,
        {
            "input": book_input(
                3,
                authors={
                    "create": [{"name": "Good One", "email": "good@example.org"}, {"email": "not-an-email"}]
                },
            )
        },
    )
    assert payload == {
        "ok": False,
        "book": None,
        "errors": [
            {"field": "authors.create.1.name", "messages": REQUIRED, "code": "required"},
            {
                "field": "authors.create.1.email",
                "messages": ["Enter a valid email address."],
                "code": "invalid",
            },
        ],
    }
    assert everything() == before
    assert not Author.objects.filter(email="good@example.org").exists()


def test_many_add_unknown_id__errors_at_its_index(admin_gql):
    book = Book.objects.order_by("pk").first()
    known = list(Author.objects.exclude(books=book).order_by("pk").values_list("pk", flat=True)[:2])
    before = everything()
    payload = write(
        admin_gql, UPDATE_BOOK, {"id": book.pk, "input": {"authors": {"add": [*known, "999999"]}}}
    )
    assert payload["errors"] == [
        {
            "field": "authors.add.2",
            "messages": ["Author with id '999999' does not exist."],
            "code": "does_not_exist",
        }
    ]
    assert everything() == before


# -- reverse foreign key children (required link: Book.reviews) ----------------------------------------------


def test_children_create__links_each_child_to_the_parent(admin_gql):
    book = Book.objects.order_by("pk")[5]
    had = book.reviews.count()
    before = Review.objects.count()
    payload = write(
        admin_gql,
        UPDATE_BOOK,
        {"id": book.pk, "input": {"reviews": {"create": [review_input(5), review_input(2)]}}},
    )
    assert payload["ok"] is True
    assert book.reviews.count() == had + 2
    assert Review.objects.count() == before + 2
    assert sorted(r["rating"] for r in payload["book"]["reviews"]) == sorted(
        book.reviews.values_list("rating", flat=True)
    )


def test_children_create__the_parent_link_may_not_be_given(admin_gql):
    book, other = Book.objects.order_by("pk")[:2]
    before = everything()
    payload = write(
        admin_gql,
        UPDATE_BOOK,
        {"id": book.pk, "input": {"reviews": {"create": [review_input(book={"connect": other.pk})]}}},
    )
    assert payload["ok"] is False
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("reviews.create.0.book", "invalid")]
    assert everything() == before


def test_children_update_and_delete__change_this_parents_children(admin_gql):
    book = book_with_reviews(2)
    first, second = book.reviews.order_by("pk")[:2]
    new_rating = 5 if first.rating != 5 else 1
    before = Review.objects.count()
    payload = write(
        admin_gql,
        UPDATE_BOOK,
        {
            "id": book.pk,
            "input": {
                "reviews": {
                    "update": [{"id": first.pk, "input": {"rating": new_rating}}],
                    "delete": [second.pk],
                }
            },
        },
    )
    assert payload["ok"] is True, payload
    assert Review.objects.get(pk=first.pk).rating == new_rating
    assert not Review.objects.filter(pk=second.pk).exists()
    assert Review.objects.count() == before - 1


def test_children_update_of_another_parents_child__is_does_not_exist(admin_gql):
    book = book_with_reviews(1)
    foreign = Review.objects.exclude(book=book).order_by("pk").first()
    before = everything()
    payload = write(
        admin_gql,
        UPDATE_BOOK,
        {
            "id": book.pk,
            "input": {"title": "Never", "reviews": {"update": [{"id": foreign.pk, "input": {"rating": 1}}]}},
        },
    )
    assert payload == {
        "ok": False,
        "book": None,
        "errors": [
            {
                "field": "reviews.update.0.id",
                "messages": [f"Review with id '{foreign.pk}' does not exist."],
                "code": "does_not_exist",
            }
        ],
    }
    assert Review.objects.get(pk=foreign.pk).rating == foreign.rating
    assert Book.objects.get(pk=book.pk).title == book.title
    assert everything() == before


def test_children_delete_of_another_parents_child__is_does_not_exist(admin_gql):
    book = book_with_reviews(1)
    own = book.reviews.order_by("pk").first()
    foreign = Review.objects.exclude(book=book).order_by("pk").first()
    before = everything()
    payload = write(
        admin_gql, UPDATE_BOOK, {"id": book.pk, "input": {"reviews": {"delete": [own.pk, foreign.pk]}}}
    )
    assert payload["errors"] == [
        {
            "field": "reviews.delete.1",
            "messages": [f"Review with id '{foreign.pk}' does not exist."],
            "code": "does_not_exist",
        }
    ]
    assert Review.objects.filter(pk__in=[own.pk, foreign.pk]).count() == 2
    assert everything() == before


def test_children_errors__carry_the_childs_index_and_field(admin_gql):
    book = book_with_reviews(1)
    own = book.reviews.order_by("pk").first()
    before = everything()
    payload = write(
        admin_gql,
        UPDATE_BOOK,
        {
            "id": book.pk,
            "input": {
                "reviews": {
                    "create": [review_input(4), review_input(9)],
                    "update": [{"id": own.pk, "input": {"rating": 0, "reviewerEmail": "nope"}}],
                }
            },
        },
    )
    assert payload == {
        "ok": False,
        "book": None,
        "errors": [
            {
                "field": "reviews.create.1.rating",
                "messages": ["Ensure this value is less than or equal to 5."],
                "code": "max_value",
            },
            {
                "field": "reviews.update.0.reviewerEmail",
                "messages": ["Enter a valid email address."],
                "code": "invalid",
            },
            {
                "field": "reviews.update.0.rating",
                "messages": ["Ensure this value is greater than or equal to 1."],
                "code": "min_value",
            },
        ],
    }
    assert Review.objects.get(pk=own.pk).rating == own.rating
    assert everything() == before


def test_children_remove_with_a_required_link__is_refused(admin_gql):
    book = book_with_reviews(1)
    own = book.reviews.order_by("pk").first()
    before = everything()
    payload = write(admin_gql, UPDATE_BOOK, {"id": book.pk, "input": {"reviews": {"remove": [own.pk]}}})
    assert payload == {
        "ok": False,
        "book": None,
        "errors": [
            {
                "field": "reviews.remove",
                "messages": ["A Review cannot be detached (its book is required); delete it instead."],
                "code": "invalid",
            }
        ],
    }
    assert Review.objects.get(pk=own.pk).book_id == book.pk
    assert everything() == before


def test_children_set_that_would_detach_with_a_required_link__is_refused(admin_gql):
    book = book_with_reviews(2)
    keep = book.reviews.order_by("pk").first()
    had = sorted(book.reviews.values_list("pk", flat=True))
    before = everything()
    payload = write(admin_gql, UPDATE_BOOK, {"id": book.pk, "input": {"reviews": {"set": [keep.pk]}}})
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("reviews.set", "invalid")]
    assert sorted(book.reviews.values_list("pk", flat=True)) == had
    assert everything() == before


def test_children_add_and_set_keeping_every_child__move_other_children_here(admin_gql):
    book = book_with_reviews(1)
    own = sorted(book.reviews.values_list("pk", flat=True))
    moved, moved_too = Review.objects.exclude(book=book).order_by("pk")[:2]
    before = everything()
    payload = write(admin_gql, UPDATE_BOOK, {"id": book.pk, "input": {"reviews": {"add": [moved.pk]}}})
    assert payload["ok"] is True
    assert sorted(book.reviews.values_list("pk", flat=True)) == sorted([*own, moved.pk])
    payload = write(
        admin_gql, UPDATE_BOOK, {"id": book.pk, "input": {"reviews": {"set": [*own, moved.pk, moved_too.pk]}}}
    )
    assert payload["ok"] is True, payload
    assert sorted(book.reviews.values_list("pk", flat=True)) == sorted([*own, moved.pk, moved_too.pk])
    assert everything() == before


@pytest.mark.parametrize("op", ["add", "set"])
def test_children_unknown_ids__error_at_their_index(admin_gql, op):
    book = book_with_reviews(1)
    own = list(book.reviews.order_by("pk").values_list("pk", flat=True))
    before = everything()
    payload = write(
        admin_gql, UPDATE_BOOK, {"id": book.pk, "input": {"reviews": {op: [*own, "999999", "r"]}}}
    )
    assert payload["ok"] is False and payload["book"] is None
    assert sorted(payload["errors"], key=lambda e: e["code"]) == (
        [
            {
                "field": f"reviews.{op}.{len(own)}",
                "messages": ["Review with id '999999' does not exist."],
                "code": "does_not_exist",
            },
            {
                "field": f"reviews.{op}.{len(own) + 1}",
                "messages": ["'r' is not a valid Review id."],
                "code": "invalid",
            },
        ]
    )
    assert sorted(book.reviews.values_list("pk", flat=True)) == own
    assert everything() == before


# -- reverse foreign key children (nullable link: Publisher.books) -------------------------------------------


def test_children_remove_with_a_nullable_link__detaches_the_child(admin_gql):
    publisher = Publisher.objects.annotate(n=Count("books")).filter(n__gte=2).order_by("pk").first()
    detached, kept = publisher.books.order_by("pk")[:2]
    before = everything()
    payload = write(
        admin_gql, UPDATE_PUBLISHER, {"id": publisher.pk, "input": {"books": {"remove": [detached.pk]}}}
    )
    assert payload["ok"] is True
    assert str(detached.pk) not in [b["id"] for b in payload["publisher"]["books"]]
    assert Book.objects.get(pk=detached.pk).publisher_id is None
    assert Book.objects.get(pk=kept.pk).publisher_id == publisher.pk
    assert everything() == before


def test_children_set_with_a_nullable_link__detaches_the_others(admin_gql):
    publisher = Publisher.objects.annotate(n=Count("books")).filter(n__gte=2).order_by("pk").first()
    own = sorted(publisher.books.values_list("pk", flat=True))
    stranger = Book.objects.exclude(publisher=publisher).order_by("pk").first()
    before = everything()
    payload = write(
        admin_gql, UPDATE_PUBLISHER, {"id": publisher.pk, "input": {"books": {"set": [own[0], stranger.pk]}}}
    )
    assert payload["ok"] is True
    assert sorted(publisher.books.values_list("pk", flat=True)) == sorted([own[0], stranger.pk])
    assert list(Book.objects.filter(pk__in=own[1:]).values_list("publisher_id", flat=True)) == [None] * len(
        own[1:]
    )
    assert everything() == before


def test_children_create_with_a_nullable_link__sets_the_parent(admin_gql):
    publisher = Publisher.objects.order_by("pk").first()
    before = everything()
    payload = write(
        admin_gql,
        UPDATE_PUBLISHER,
        {"id": publisher.pk, "input": {"books": {"create": [book_input(4), book_input(5)]}}},
    )
    assert payload["ok"] is True, payload
    assert sorted(
        Book.objects.filter(slug__in=["nested-4", "nested-5"]).values_list("publisher_id", flat=True)
    ) == [
        publisher.pk,
        publisher.pk,
    ]
    assert everything() == {**before, "Book": before["Book"] + 2}


def test_children_update_can_nest_further(admin_gql):
    """updatePublisher -> books.update -> reviews.create: three levels in one transaction."""
    publisher = Publisher.objects.annotate(n=Count("books")).filter(n__gte=1).order_by("pk").first()
    book = publisher.books.order_by("pk").first()
    had = book.reviews.count()
    payload = write(
        admin_gql,
        UPDATE_PUBLISHER,
        {
            "id": publisher.pk,
            "input": {
                "books": {
                    "update": [
                        {"id": book.pk, "input": {"title": "Deep", "reviews": {"create": [review_input(3)]}}}
                    ]
                }
            },
        },
    )
    assert payload["ok"] is True, payload
    assert Book.objects.get(pk=book.pk).title == "Deep"
    assert book.reviews.count() == had + 1


# -- three levels: all or nothing -------------------------------------------------------------------------


def three_level_input(last_rating: int) -> dict:
    return {
        "name": "Deep Press",
        "slug": "deep-press",
        "books": {
            "create": [
                book_input(
                    11,
                    reviews={"create": [review_input(5)]},
                    tags={"create": [{"name": "deep-tag", "slug": "deep-tag"}]},
                ),
                book_input(12, reviews={"create": [review_input(4), review_input(last_rating)]}),
            ]
        },
    }


def test_three_level_create__writes_every_level(admin_gql):
    before = everything()
    payload = write(admin_gql, CREATE_PUBLISHER, {"input": three_level_input(3)})
    assert payload["ok"] is True, payload
    publisher = Publisher.objects.get(slug="deep-press")
    assert sorted(publisher.books.values_list("slug", flat=True)) == ["nested-11", "nested-12"]
    assert sorted(Review.objects.filter(book__publisher=publisher).values_list("rating", flat=True)) == [
        3,
        4,
        5,
    ]
    assert [len(b["reviews"]) for b in sorted(payload["publisher"]["books"], key=lambda b: b["title"])] == [
        1,
        2,
    ]
    assert everything() == {
        **before,
        "Publisher": before["Publisher"] + 1,
        "Book": before["Book"] + 2,
        "Review": before["Review"] + 3,
        "Tag": before["Tag"] + 1,
        "BookTags": before["BookTags"] + 1,
    }


def test_three_level_create_whose_last_child_fails__writes_nothing(admin_gql):
    before = everything()
    payload = write(admin_gql, CREATE_PUBLISHER, {"input": three_level_input(9)})
    assert payload == {
        "ok": False,
        "publisher": None,
        "errors": [
            {
                "field": "books.create.1.reviews.create.1.rating",
                "messages": ["Ensure this value is less than or equal to 5."],
                "code": "max_value",
            }
        ],
    }
    assert everything() == before
    assert not Publisher.objects.filter(slug="deep-press").exists()
    assert not Book.objects.filter(slug__in=["nested-11", "nested-12"]).exists()
    assert not Tag.objects.filter(slug="deep-tag").exists()


@pytest.mark.django_db(transaction=True)
def test_three_level_create_whose_last_child_fails__is_rolled_back_in_the_database(admin_gql):
    """Real commits: the failed mutation leaves the tables as they were; the good one commits."""
    before = everything()
    payload = write(admin_gql, CREATE_PUBLISHER, {"input": three_level_input(9)})
    assert payload["ok"] is False
    assert [e["field"] for e in payload["errors"]] == ["books.create.1.reviews.create.1.rating"]
    assert everything() == before
    assert not Publisher.objects.filter(slug="deep-press").exists()
    payload = write(admin_gql, CREATE_PUBLISHER, {"input": three_level_input(1)})
    assert payload["ok"] is True
    assert everything() == {
        **before,
        "Publisher": before["Publisher"] + 1,
        "Book": before["Book"] + 2,
        "Review": before["Review"] + 3,
        "Tag": before["Tag"] + 1,
        "BookTags": before["BookTags"] + 1,
    }


@pytest.mark.django_db(transaction=True)
def test_failed_nested_update__is_rolled_back_in_the_database(admin_gql):
    """The parent's own change and the first child's writes are undone when a later child fails."""
    publisher = Publisher.objects.create(name="Own Press", slug="own-press")
    book = Book.objects.create(title="Own", slug="own", isbn="9990000099999", price=5, publisher=publisher)
    review = Review.objects.create(book=book, reviewer_name="A", rating=3, created_at="2025-01-01T00:00:00Z")
    before = everything()
    payload = write(
        admin_gql,
        UPDATE_PUBLISHER,
        {
            "id": publisher.pk,
            "input": {
                "name": "Renamed Press",
                "books": {
                    "create": [book_input(21)],
                    "update": [
                        {
                            "id": book.pk,
                            "input": {
                                "title": "Renamed",
                                "reviews": {
                                    "update": [{"id": review.pk, "input": {"rating": 5}}],
                                    "create": [review_input(0)],
                                },
                            },
                        }
                    ],
                },
            },
        },
    )
    assert payload["ok"] is False
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("books.update.0.reviews.create.0.rating", "min_value")
    ]
    assert everything() == before
    assert Publisher.objects.get(pk=publisher.pk).name == "Own Press"
    assert Book.objects.get(pk=book.pk).title == "Own"
    assert Review.objects.get(pk=review.pk).rating == 3
