"""Validation is Django's ``full_clean()``: errors come back in the payload, nothing is written."""

from __future__ import annotations

import pytest

from demo.models import Author, Authorship, Book, Publisher, Review, Store, Tag

ERRORS = "errors { field messages code }"
BOOK_INPUT = {"title": "Fresh", "slug": "fresh", "isbn": "9990000000024", "price": "12.00"}
CREATE_BOOK = (
    f"mutation($input: BookCreateInput!) {{ createBook(input: $input) {{ ok {ERRORS} book {{ id }} }} }}"
)
UPDATE_BOOK = f"mutation($id: ID!, $input: BookUpdateInput!) {{ updateBook(id: $id, input: $input) {{ ok {ERRORS} book {{ id }} }} }}"
CREATE_TAG = (
    f"mutation($input: TagCreateInput!) {{ createTag(input: $input) {{ ok {ERRORS} tag {{ id }} }} }}"
)
CREATE_STORE = (
    f"mutation($input: StoreCreateInput!) {{ createStore(input: $input) {{ ok {ERRORS} store {{ id }} }} }}"
)
CREATE_REVIEW = f"mutation($input: ReviewCreateInput!) {{ createReview(input: $input) {{ ok {ERRORS} review {{ id }} }} }}"
STORE_INPUT = {
    "name": "Corner",
    "slug": "corner",
    "city": "Osaka",
    "opensAt": "09:00:00",
    "closesAt": "18:00:00",
}
REQUIRED = ["This field is required."]


def counts(*models) -> dict[str, int]:
    return {m.__name__: m._base_manager.count() for m in models}


def review_input(**extra) -> dict:
    book = Book.objects.order_by("pk").first()
    return {
        "book": {"connect": book.pk},
        "reviewerName": "Sam",
        "rating": 3,
        "createdAt": "2025-01-01T10:00:00Z",
        **extra,
    }


def refused(result: dict) -> list[tuple[str, str]]:
    """The (field, code) pairs of a failed payload, which must carry no object."""
    assert result["ok"] is False, result
    assert next(v for k, v in result.items() if k not in ("ok", "errors")) is None
    return [(e["field"], e["code"]) for e in result["errors"]]


def write(client, query: str, variables: dict) -> dict:
    """Run a mutation that must answer HTTP 200 without GraphQL errors; return its payload."""
    result = client.post(query, variables)
    assert result.status == 200, result.body
    assert "errors" not in result.body, result.body
    (payload,) = result.data.values()
    return payload


# -- required / blank / lengths ------------------------------------------------------------------------


def test_empty_input__one_required_error_per_missing_field_all_at_once(admin_gql):
    before = Book.objects.count()
    payload = write(admin_gql, CREATE_BOOK, {"input": {}})
    assert payload == {
        "ok": False,
        "book": None,
        "errors": [
            {"field": "title", "messages": REQUIRED, "code": "required"},
            {"field": "slug", "messages": REQUIRED, "code": "required"},
            {"field": "isbn", "messages": REQUIRED, "code": "required"},
            {"field": "price", "messages": REQUIRED, "code": "required"},
        ],
    }
    assert Book.objects.count() == before


def test_required_field_given_as_null__is_reported(admin_gql):
    before = Book.objects.count()
    payload = write(admin_gql, CREATE_BOOK, {"input": {**BOOK_INPUT, "price": None}})
    assert payload["errors"] == [
        {"field": "price", "messages": ["This field cannot be null."], "code": "null"}
    ]
    assert Book.objects.count() == before


def test_store_without_hours__lists_each_missing_field(admin_gql):
    before = Store.objects.count()
    payload = write(admin_gql, CREATE_STORE, {"input": {"name": "Corner"}})
    assert sorted(refused(payload)) == [
        ("city", "required"),
        ("closesAt", "required"),
        ("opensAt", "required"),
        ("slug", "required"),
    ]
    assert Store.objects.count() == before


def test_blank_title__is_blank(admin_gql):
    before = Book.objects.count()
    payload = write(admin_gql, CREATE_BOOK, {"input": {**BOOK_INPUT, "title": ""}})
    assert payload["errors"] == [
        {"field": "title", "messages": ["This field cannot be blank."], "code": "blank"}
    ]
    assert Book.objects.count() == before


def test_update_to_blank__is_refused_and_keeps_the_old_value(admin_gql):
    book = Book.objects.order_by("pk").first()
    payload = write(admin_gql, UPDATE_BOOK, {"id": book.pk, "input": {"title": "", "edition": 42}})
    assert refused(payload) == [("title", "blank")]
    assert Book.objects.filter(pk=book.pk).values_list("title", "edition").get() == (book.title, book.edition)


def test_too_long_name__is_max_length(admin_gql):
    before = Tag.objects.count()
    payload = write(admin_gql, CREATE_TAG, {"input": {"name": "x" * 51, "slug": "long"}})
    assert payload["errors"] == [
        {
            "field": "name",
            "messages": ["Ensure this value has at most 50 characters (it has 51)."],
            "code": "max_length",
        }
    ]
    assert Tag.objects.count() == before
    assert write(admin_gql, CREATE_TAG, {"input": {"name": "x" * 50, "slug": "long"}})["ok"] is True


# -- values GraphQL refuses before Django sees them -------------------------------------------------------


def test_unknown_enum_value__is_rejected_by_graphql_with_400(admin_gql):
    before = Book.objects.count()
    result = admin_gql.post(
        f'mutation {{ createBook(input: {{title: "T", status: BOGUS}}) {{ ok {ERRORS} }} }}'
    )
    assert result.status == 400
    assert result.error_code() == "BAD_USER_INPUT"
    assert result.errors[0]["extensions"]["argument"] == "input"
    assert "BOGUS" in result.errors[0]["message"] and "BookStatus" in result.errors[0]["message"]
    assert result.data is None
    assert Book.objects.count() == before


def test_enum_given_as_its_database_value_in_a_variable__is_rejected(admin_gql):
    """``invalid_choice`` cannot reach Django: the enum only admits the choices' names."""
    before = Book.objects.count()
    result = admin_gql.post(CREATE_BOOK, {"input": {**BOOK_INPUT, "status": "published"}})
    assert result.status == 400
    assert result.error_code() == "BAD_USER_INPUT"
    assert "'published'" in result.errors[0]["message"]
    assert Book.objects.count() == before


def test_wrong_scalar_type__is_rejected_by_graphql_with_400(admin_gql):
    before = Book.objects.count()
    result = admin_gql.post(CREATE_BOOK, {"input": {**BOOK_INPUT, "price": "cheap"}})
    assert result.status == 400
    assert result.error_code() == "BAD_USER_INPUT"
    assert Book.objects.count() == before


# -- numbers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rating", "message", "code"),
    [
        (9, "Ensure this value is less than or equal to 5.", "max_value"),
        (0, "Ensure this value is greater than or equal to 1.", "min_value"),
    ],
)
def test_review_rating_out_of_range__is_a_field_error(admin_gql, rating, message, code):
    before = Review.objects.count()
    payload = write(admin_gql, CREATE_REVIEW, {"input": review_input(rating=rating)})
    assert payload == {
        "ok": False,
        "review": None,
        "errors": [{"field": "rating", "messages": [message], "code": code}],
    }
    assert Review.objects.count() == before


def test_update_review_rating_9__is_max_value_and_keeps_the_row(admin_gql):
    review = Review.objects.order_by("pk").first()
    payload = write(
        admin_gql,
        f'mutation($id: ID!) {{ updateReview(id: $id, input: {{rating: 9, title: "changed"}}) {{ ok {ERRORS} }} }}',
        {"id": review.pk},
    )
    assert payload == {
        "ok": False,
        "errors": [
            {
                "field": "rating",
                "messages": ["Ensure this value is less than or equal to 5."],
                "code": "max_value",
            }
        ],
    }
    assert Review.objects.filter(pk=review.pk).values_list("rating", "title").get() == (
        review.rating,
        review.title,
    )


def test_too_many_decimal_places__is_a_field_error(admin_gql):
    before = Book.objects.count()
    payload = write(admin_gql, CREATE_BOOK, {"input": {**BOOK_INPUT, "price": "1.234"}})
    assert refused(payload) == [("price", "max_decimal_places")]
    payload = write(admin_gql, CREATE_BOOK, {"input": {**BOOK_INPUT, "price": "1234567"}})
    assert refused(payload) == [("price", "max_whole_digits")]
    assert Book.objects.count() == before


def test_negative_pages__is_min_value(admin_gql):
    before = Book.objects.count()
    payload = write(admin_gql, CREATE_BOOK, {"input": {**BOOK_INPUT, "pages": -1}})
    assert payload["errors"] == [
        {
            "field": "pages",
            "messages": ["Ensure this value is greater than or equal to 0."],
            "code": "min_value",
        }
    ]
    assert Book.objects.count() == before


# -- uniqueness ----------------------------------------------------------------------------------------


def test_duplicate_isbn_and_slug__are_unique_errors_on_each_field(admin_gql):
    existing = Book.objects.order_by("pk").first()
    before = Book.objects.count()
    payload = write(
        admin_gql, CREATE_BOOK, {"input": {**BOOK_INPUT, "isbn": existing.isbn, "slug": existing.slug}}
    )
    assert sorted(payload["errors"], key=lambda e: e["field"]) == [
        {"field": "isbn", "messages": ["Book with this ISBN already exists."], "code": "unique"},
        {"field": "slug", "messages": ["Book with this Slug already exists."], "code": "unique"},
    ]
    assert Book.objects.count() == before


def test_update_to_another_rows_unique_value__is_unique(admin_gql):
    first, second = Tag.objects.order_by("pk")[:2]
    payload = write(
        admin_gql,
        f"mutation($id: ID!, $name: String) {{ updateTag(id: $id, input: {{name: $name}}) {{ ok {ERRORS} }} }}",
        {"id": second.pk, "name": first.name},
    )
    assert payload == {
        "ok": False,
        "errors": [{"field": "name", "messages": ["Tag with this Name already exists."], "code": "unique"}],
    }
    assert Tag.objects.get(pk=second.pk).name == second.name


def test_update_keeping_its_own_unique_value__is_fine(admin_gql):
    tag = Tag.objects.order_by("pk").first()
    payload = write(
        admin_gql,
        f"mutation($id: ID!, $name: String) {{ updateTag(id: $id, input: {{name: $name}}) {{ ok {ERRORS} }} }}",
        {"id": tag.pk, "name": tag.name},
    )
    assert payload == {"ok": True, "errors": []}


def test_authorship_unique_constraint__book_author_role_is_a_non_field_error(admin_gql):
    existing = Authorship.objects.order_by("pk").first()
    before = Authorship.objects.count()
    query = f"""mutation($book: ID!, $author: ID!, $role: AuthorshipRole) {{
        createAuthorship(input: {{book: {{connect: $book}}, author: {{connect: $author}}, role: $role}}) {{
          ok {ERRORS} authorship {{ id }} }} }}"""
    variables = {"book": existing.book_id, "author": existing.author_id, "role": existing.role.upper()}
    payload = write(admin_gql, query, variables)
    assert payload == {
        "ok": False,
        "authorship": None,
        "errors": [
            {
                "field": "__all__",
                "messages": ["Authorship with this Book, Author and Role already exists."],
                "code": "unique_together",
            }
        ],
    }
    assert Authorship.objects.count() == before
    other_role = next(
        r for r in Authorship.Role if not existing.book.authorships.filter(author=existing.author, role=r)
    )
    payload = write(admin_gql, query, {**variables, "role": other_role.name})
    assert payload["ok"] is True
    assert Authorship.objects.count() == before + 1


# -- model constraints and clean() ----------------------------------------------------------------------


def test_negative_price__is_the_check_constraint_on_all(admin_gql):
    before = Book.objects.count()
    payload = write(admin_gql, CREATE_BOOK, {"input": {**BOOK_INPUT, "price": "-0.01"}})
    assert payload["errors"] == [
        {"field": "__all__", "messages": ["The price cannot be negative."], "code": "negative_price"}
    ]
    assert Book.objects.count() == before


def test_update_to_negative_price__is_refused(admin_gql):
    book = Book.objects.order_by("pk").first()
    payload = write(admin_gql, UPDATE_BOOK, {"id": book.pk, "input": {"price": "-5"}})
    assert refused(payload) == [("__all__", "negative_price")]
    assert Book.objects.get(pk=book.pk).price == book.price


def test_published_without_date__is_book_clean_error_on_published_on(admin_gql):
    before = Book.objects.count()
    payload = write(admin_gql, CREATE_BOOK, {"input": {**BOOK_INPUT, "status": "PUBLISHED"}})
    assert payload["errors"] == [
        {
            "field": "publishedOn",
            "messages": ["A published book needs a publication date."],
            "code": "invalid",
        }
    ]
    assert Book.objects.count() == before
    ok = write(
        admin_gql, CREATE_BOOK, {"input": {**BOOK_INPUT, "status": "PUBLISHED", "publishedOn": "2024-01-01"}}
    )
    assert ok["ok"] is True and Book.objects.count() == before + 1


def test_update_clearing_the_date_of_a_published_book__is_refused(admin_gql):
    book = Book.objects.filter(status="published").order_by("pk").first()
    payload = write(admin_gql, UPDATE_BOOK, {"id": book.pk, "input": {"publishedOn": None}})
    assert refused(payload) == [("publishedOn", "invalid")]
    assert Book.objects.get(pk=book.pk).published_on == book.published_on


def test_store_closing_before_opening__is_store_clean_error_hours(admin_gql):
    before = Store.objects.count()
    payload = write(admin_gql, CREATE_STORE, {"input": {**STORE_INPUT, "closesAt": "08:59:00"}})
    assert payload == {
        "ok": False,
        "store": None,
        "errors": [{"field": "__all__", "messages": ["A store must close after it opens."], "code": "hours"}],
    }
    assert Store.objects.count() == before


def test_update_store_hours__clean_sees_the_stored_and_the_new_values(admin_gql):
    store = Store.objects.order_by("pk").first()
    payload = write(
        admin_gql,
        f'mutation($id: ID!) {{ updateStore(id: $id, input: {{closesAt: "00:00:01"}}) {{ ok {ERRORS} }} }}',
        {"id": store.pk},
    )
    assert payload == {
        "ok": False,
        "errors": [{"field": "__all__", "messages": ["A store must close after it opens."], "code": "hours"}],
    }
    assert Store.objects.filter(pk=store.pk).values_list("closes_at", "version").get() == (
        store.closes_at,
        store.version,
    )


# -- formats -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "variables", "model", "field", "message"),
    [
        (
            f'mutation($v: String) {{ createAuthor(input: {{name: "N", email: $v}}) {{ ok {ERRORS} }} }}',
            {"v": "not-an-email"},
            Author,
            "email",
            "Enter a valid email address.",
        ),
        (
            f'mutation($v: String) {{ createPublisher(input: {{name: "N", slug: "n", website: $v}}) {{ ok {ERRORS} }} }}',
            {"v": "not a url"},
            Publisher,
            "website",
            "Enter a valid URL.",
        ),
        (
            f'mutation($v: String) {{ createTag(input: {{name: "N", slug: $v}}) {{ ok {ERRORS} }} }}',
            {"v": "has spaces!"},
            Tag,
            "slug",
            "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.",
        ),
    ],
    ids=["email", "url", "slug"],
)
def test_invalid_format__is_invalid_on_the_field(admin_gql, query, variables, model, field, message):
    before = model.objects.count()
    payload = write(admin_gql, query, variables)
    assert payload == {"ok": False, "errors": [{"field": field, "messages": [message], "code": "invalid"}]}
    assert model.objects.count() == before


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("999.1.1.1", "Enter a valid IPv4 or IPv6 address."),
        ("localhost", "Enter a valid IPv4 or IPv6 address."),
        ("2001:db8::zz", "Enter a valid IPv6 address."),
    ],
)
def test_invalid_ip_address__is_invalid(admin_gql, address, message):
    before = Review.objects.count()
    payload = write(admin_gql, CREATE_REVIEW, {"input": review_input(ipAddress=address)})
    assert payload["errors"] == [{"field": "ipAddress", "messages": [message], "code": "invalid"}]
    assert Review.objects.count() == before


def test_nul_character_in_a_string__is_a_field_error(admin_gql):
    before = Tag.objects.count()
    payload = write(admin_gql, CREATE_TAG, {"input": {"name": "a\x00b", "slug": "ab"}})
    assert payload == {
        "ok": False,
        "tag": None,
        "errors": [{"field": "name", "messages": ["NUL characters are not allowed."], "code": "invalid"}],
    }
    assert Tag.objects.count() == before


def test_nul_character_in_an_update__keeps_the_stored_value(admin_gql):
    book = Book.objects.order_by("pk").first()
    payload = write(admin_gql, UPDATE_BOOK, {"id": book.pk, "input": {"description": "x\x00y"}})
    assert payload["errors"] == [
        {"field": "description", "messages": ["NUL characters are not allowed."], "code": "invalid"}
    ]
    assert Book.objects.get(pk=book.pk).description == book.description


def test_nul_character_inside_json__is_a_field_error(admin_gql):
    before = Book.objects.count()
    payload = write(
        admin_gql, CREATE_BOOK, {"input": {**BOOK_INPUT, "metadata": {"note": ["ok", "bad\x00"]}}}
    )
    assert refused(payload) == [("metadata", "invalid")]
    assert Book.objects.count() == before


# -- many problems at once ------------------------------------------------------------------------------


def test_every_problem_of_a_form__comes_back_in_one_answer(admin_gql):
    before = counts(Book, Review)
    payload = write(
        admin_gql,
        CREATE_BOOK,
        {
            "input": {
                "title": "",
                "price": "-1",
                "isbn": "9990000000031",
                "reviews": {
                    "create": [{"rating": 9, "reviewerName": "Ann", "createdAt": "2025-01-01T00:00:00Z"}]
                },
            }
        },
    )
    assert payload == {
        "ok": False,
        "book": None,
        "errors": [
            {"field": "slug", "messages": REQUIRED, "code": "required"},
            {"field": "title", "messages": ["This field cannot be blank."], "code": "blank"},
            {"field": "__all__", "messages": ["The price cannot be negative."], "code": "negative_price"},
            {
                "field": "reviews.create.0.rating",
                "messages": ["Ensure this value is less than or equal to 5."],
                "code": "max_value",
            },
        ],
    }
    assert counts(Book, Review) == before


def test_validation_failure__is_a_payload_not_a_graphql_error(admin_gql):
    before = Tag.objects.count()
    result = admin_gql.post(CREATE_TAG, {"input": {"name": "", "slug": ""}})
    assert result.status == 200
    assert "errors" not in result.body
    assert sorted(refused(result.data["createTag"])) == [("name", "blank"), ("slug", "blank")]
    assert Tag.objects.count() == before


# -- database integrity errors ------------------------------------------------------------------------------


def test_integrity_error_the_validation_missed__is_a_readable_field_error(admin_gql, monkeypatch):
    """With Django's unique checks switched off, the database's unique index refuses the row."""
    existing = Tag.objects.order_by("pk").first()
    monkeypatch.setattr(Tag, "validate_unique", lambda self, exclude=None: None)
    monkeypatch.setattr(Tag, "validate_constraints", lambda self, exclude=None: None)
    before = Tag.objects.count()
    result = admin_gql.post(CREATE_TAG, {"input": {"name": existing.name, "slug": "another-slug"}})
    assert result.status == 200 and "errors" not in result.body
    assert result.data["createTag"] == {
        "ok": False,
        "tag": None,
        "errors": [
            {
                "field": "__all__",
                "messages": ["The database refused this Tag: it conflicts with existing data."],
                "code": "integrity",
            }
        ],
    }
    raw = str(result.body).lower()
    assert "unique constraint" not in raw and "duplicate key" not in raw and "demo_tag" not in raw
    assert Tag.objects.count() == before
    # the connection is still usable after the refused statement
    assert write(admin_gql, CREATE_TAG, {"input": {"name": "after-integrity", "slug": "after-integrity"}})[
        "ok"
    ]
    assert Tag.objects.count() == before + 1


def test_integrity_error_in_a_nested_child__rolls_back_the_parent(admin_gql, monkeypatch):
    existing = Tag.objects.order_by("pk").first()
    monkeypatch.setattr(Tag, "validate_unique", lambda self, exclude=None: None)
    monkeypatch.setattr(Tag, "validate_constraints", lambda self, exclude=None: None)
    before = counts(Book, Tag)
    links = Book.tags.through.objects.count()
    payload = write(
        admin_gql,
        CREATE_BOOK,
        {
            "input": {
                **BOOK_INPUT,
                "tags": {
                    "create": [
                        {"name": "brand-new", "slug": "brand-new"},
                        {"name": existing.name, "slug": "dup"},
                    ]
                },
            }
        },
    )
    assert payload["errors"] == [
        {
            "field": "tags.create.1.__all__",
            "messages": ["The database refused this Tag: it conflicts with existing data."],
            "code": "integrity",
        }
    ]
    assert counts(Book, Tag) == before
    assert Book.tags.through.objects.count() == links
