"""``orderBy``: directions, several keys, relation keys, null placement, the primary-key tie-break,
the default order, nested lists, stable pages and rejected input."""

from __future__ import annotations

import pytest
from django.db.models import F
from django.test import override_settings

from demo.models import Book, Event, Publisher, Review, Tag
from tests.conftest import ids

BOOKS = "query($o: [BookOrderBy!]) { books(orderBy: $o) { id } }"
REVIEWS = "query($o: [ReviewOrderBy!]) { reviews(orderBy: $o) { id } }"


def pks(queryset):
    return list(queryset.values_list("pk", flat=True))


def ordered_books(gql, order):
    return ids(gql(BOOKS, {"o": order})["books"])


def assert_bad_input(result, argument, status):
    """Exactly one BAD_USER_INPUT error that names ``argument`` (in extensions and message)."""
    assert result.status == status, result.body
    assert result.error_code() == "BAD_USER_INPUT", result.body
    error = result.errors[0]
    assert error["extensions"]["argument"] == argument, error
    assert argument in error["message"], error


def nulls_placed(rows, descending, nulls_first):
    """Expected pks for ``rows`` of (pk, value): values sorted, ties and nulls in pk order."""
    present = sorted(((v, pk) for pk, v in rows if v is not None), key=lambda r: r[1])
    present.sort(key=lambda r: r[0], reverse=descending)  # stable: equal values keep pk order
    nulls = sorted(pk for pk, v in rows if v is None)
    values = [pk for _, pk in present]
    return nulls + values if nulls_first else values + nulls


# -- single keys ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("title", "title"),  # string
        ("price", "price"),  # decimal
        ("publishedOn", "published_on"),  # date, with nulls (drafts)
        ("status", "status"),  # enum (TextChoices)
        ("inStock", "in_stock"),  # boolean
        ("pages", "pages"),  # small integer, with nulls
        ("rating", "rating"),  # float
        ("id", "id"),
    ],
)
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_books__single_key__matches_the_orm_order(gql, key, field, direction):
    expression = F(field).asc() if direction == "ASC" else F(field).desc()
    expected = pks(Book.objects.order_by(expression, "pk"))
    if (key, direction) != ("id", "ASC"):
        assert expected != pks(Book.objects.order_by("pk"))  # the key actually reorders the rows
    assert ordered_books(gql, [{key: direction}]) == expected


def test_books__enum_key__sorts_by_the_stored_value(gql):
    """``status`` sorts like the database column ("draft" < "out_of_print" < "published")."""
    data = gql("{ books(orderBy: [{status: ASC}]) { id status } }")["books"]
    statuses = [row["status"] for row in data]
    assert statuses == sorted(statuses, key=["DRAFT", "OUT_OF_PRINT", "PUBLISHED"].index)
    assert ids(data) == pks(Book.objects.order_by("status", "pk"))


def test_books__id_desc__is_reverse_primary_key_order(gql):
    assert ordered_books(gql, [{"id": "DESC"}]) == sorted(pks(Book.objects.all()), reverse=True)


def test_books__orderby_empty_list__uses_the_default_order(gql):
    assert ordered_books(gql, []) == pks(Book.objects.order_by("pk"))


# -- several keys ------------------------------------------------------------------------------------
def test_books__second_key_breaks_ties_of_the_first(gql):
    expected = pks(Book.objects.order_by("status", "-price", "pk"))
    assert expected != pks(Book.objects.order_by("status", "pk"))
    assert ordered_books(gql, [{"status": "ASC"}, {"price": "DESC"}]) == expected


def test_books__boolean_then_string_keys(gql):
    expected = pks(Book.objects.order_by("-in_stock", "title", "pk"))
    assert expected != pks(Book.objects.order_by("-in_stock", "pk"))
    assert ordered_books(gql, [{"inStock": "DESC"}, {"title": "ASC"}]) == expected


def test_books__key_order_matters(gql):
    by_status_first = ordered_books(gql, [{"status": "ASC"}, {"price": "ASC"}])
    by_price_first = ordered_books(gql, [{"price": "ASC"}, {"status": "ASC"}])
    assert by_status_first == pks(Book.objects.order_by("status", "price", "pk"))
    assert by_price_first == pks(Book.objects.order_by("price", "status", "pk"))
    assert by_status_first != by_price_first


# -- relation keys --------------------------------------------------------------------------------------
def test_books__relation_key_then_title(gql):
    expected = pks(Book.objects.order_by("publisher__name", "title", "pk"))
    assert expected != pks(Book.objects.order_by("publisher_id", "title", "pk"))  # names != pk order
    assert ordered_books(gql, [{"publisher": {"name": "ASC"}}, {"title": "ASC"}]) == expected


def test_books__relation_key_with_nulls_last__is_database_independent(gql):
    rows = [
        (b.pk, b.publisher.name if b.publisher else None) for b in Book.objects.select_related("publisher")
    ]
    assert any(name is None for _, name in rows)
    expected = nulls_placed(rows, descending=False, nulls_first=False)
    assert ordered_books(gql, [{"publisher": {"name": "ASC_NULLS_LAST"}}]) == expected


def test_reviews__two_level_relation_key(gql):
    """reviews -> book -> publisher: ``[{book: {publisher: {name: DESC}}}]``."""
    expected = pks(Review.objects.order_by(F("book__publisher__name").desc(), "pk"))
    assert ordered_reviews(gql, [{"book": {"publisher": {"name": "DESC"}}}]) == expected


def test_reviews__relation_key_then_own_key(gql):
    expected = pks(Review.objects.order_by("book__title", "-rating", "pk"))
    assert ordered_reviews(gql, [{"book": {"title": "ASC"}}, {"rating": "DESC"}]) == expected


def ordered_reviews(gql, order):
    return ids(gql(REVIEWS, {"o": order})["reviews"])


# -- null placement -------------------------------------------------------------------------------------
NULL_DIRECTIONS = [
    ("ASC_NULLS_FIRST", False, True),
    ("ASC_NULLS_LAST", False, False),
    ("DESC_NULLS_FIRST", True, True),
    ("DESC_NULLS_LAST", True, False),
]


@pytest.mark.parametrize(("direction", "descending", "nulls_first"), NULL_DIRECTIONS)
def test_books__nulls_variants_on_pages__same_order_on_every_database(
    gql, direction, descending, nulls_first
):
    rows = list(Book.objects.values_list("pk", "pages"))
    assert sum(v is None for _, v in rows) >= 2
    expected = nulls_placed(rows, descending, nulls_first)
    field = F("pages").desc if descending else F("pages").asc
    nulls = {"nulls_first": True} if nulls_first else {"nulls_last": True}
    assert pks(Book.objects.order_by(field(**nulls), "pk")) == expected
    assert ordered_books(gql, [{"pages": direction}]) == expected


@pytest.mark.parametrize(("direction", "descending", "nulls_first"), NULL_DIRECTIONS)
def test_books__nulls_variants_on_rating__same_order_on_every_database(
    gql, direction, descending, nulls_first
):
    Book.objects.filter(pk__in=pks(Book.objects.order_by("pk")[2:5])).update(rating=None)
    rows = list(Book.objects.values_list("pk", "rating"))
    expected = nulls_placed(rows, descending, nulls_first)
    assert ordered_books(gql, [{"rating": direction}]) == expected
    placed = expected[:3] if nulls_first else expected[-3:]
    assert sorted(placed) == pks(Book.objects.filter(rating=None).order_by("pk"))


def test_books__nulls_variant_as_a_secondary_key(gql):
    expected = pks(Book.objects.order_by("status", F("published_on").desc(nulls_last=True), "pk"))
    assert ordered_books(gql, [{"status": "ASC"}, {"publishedOn": "DESC_NULLS_LAST"}]) == expected


# -- primary-key tie-break --------------------------------------------------------------------------------
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_books__equal_keys__come_out_in_ascending_primary_key_order(gql, direction):
    rows = list(Book.objects.values_list("pk", "in_stock"))
    expected = nulls_placed(rows, descending=direction == "DESC", nulls_first=False)
    assert ordered_books(gql, [{"inStock": direction}]) == expected


def test_reviews__ties_on_rating_are_broken_by_primary_key(gql):
    rows = list(Review.objects.values_list("pk", "rating"))
    assert len({r for _, r in rows}) < len(rows)  # there are ties
    assert ordered_reviews(gql, [{"rating": "DESC"}]) == nulls_placed(rows, True, False)


def test_books__tie_break_uses_primary_key_even_for_rows_inserted_out_of_order(gql):
    """Rows created with descending pks still tie-break in ascending pk order."""
    template = Book.objects.order_by("pk").first()
    for pk in (9003, 9002, 9001):
        Book.objects.create(
            pk=pk, title="Tied", slug=f"tied-{pk}", isbn=f"99900000{pk}", price=template.price
        )
    data = gql('{ books(where: {title: {eq: "Tied"}}, orderBy: [{price: DESC}]) { id } }')
    assert ids(data["books"]) == [9001, 9002, 9003]


# -- default order --------------------------------------------------------------------------------------
def test_tags__without_order_by__follow_meta_ordering_by_name(gql):
    expected = pks(Tag.objects.order_by("name", "pk"))
    assert expected != pks(Tag.objects.order_by("pk"))
    assert ids(gql("{ tags { id } }")["tags"]) == expected


def test_publishers__without_order_by__follow_meta_ordering_by_name(gql):
    expected = pks(Publisher.objects.order_by("name", "pk"))
    assert expected != pks(Publisher.objects.order_by("pk"))
    assert ids(gql("{ publishers { id } }")["publishers"]) == expected


def test_books__without_order_by__follow_primary_key(gql):
    assert ids(gql("{ books { id } }")["books"]) == pks(Book.objects.order_by("pk"))


def test_events__without_order_by__follow_meta_ordering_by_start(gql):
    expected = pks(Event.objects.order_by("starts_at", "pk"))
    assert ids(gql("{ events { id } }")["events"]) == expected


def test_default_order__applies_to_pages_and_connections(gql):
    expected = pks(Tag.objects.order_by("name", "pk"))
    page = gql("{ tagsPage(pageSize: 3) { items { id } } }")["tagsPage"]
    conn = gql("{ tagsConnection(first: 3) { edges { node { id } } } }")["tagsConnection"]
    assert ids(page["items"]) == expected[:3]
    assert [int(e["node"]["id"]) for e in conn["edges"]] == expected[:3]


def test_nested_tags__without_order_by__follow_meta_ordering(gql):
    data = gql("{ books { id tags { id } } }")["books"]
    for row in data:
        assert ids(row["tags"]) == pks(Tag.objects.filter(books=row["id"]).order_by("name", "pk"))
    assert any(len(row["tags"]) >= 2 for row in data)


def test_order_by__replaces_the_meta_ordering(gql):
    data = gql("{ tags(orderBy: [{slug: DESC}]) { id } }")
    assert ids(data["tags"]) == pks(Tag.objects.order_by("-slug", "pk"))


# -- nested lists ---------------------------------------------------------------------------------------
def test_nested_books__order_by_price_desc(gql):
    data = gql("{ publishers { id books(orderBy: [{price: DESC}]) { id } } }")["publishers"]
    assert ids(data) == pks(Publisher.objects.order_by("name", "pk"))
    for row in data:
        expected = pks(Book.objects.filter(publisher_id=row["id"]).order_by("-price", "pk"))
        assert ids(row["books"]) == expected
    assert any(len(row["books"]) >= 3 for row in data)


def test_nested_reviews__order_by_with_limit(gql):
    data = gql("{ books { id reviews(orderBy: [{rating: ASC}, {createdAt: DESC}], limit: 2) { id } } }")
    for row in data["books"]:
        expected = pks(Review.objects.filter(book_id=row["id"]).order_by("rating", "-created_at", "pk")[:2])
        assert ids(row["reviews"]) == expected


# -- ordering with pagination ------------------------------------------------------------------------------
def test_limit_offset_pages__on_a_tied_key__are_stable(gql):
    expected = pks(Review.objects.order_by("verified_purchase", "pk"))
    query = "query($o: Int) { reviews(orderBy: [{verifiedPurchase: ASC}], limit: 7, offset: $o) { id } }"
    seen = []
    for offset in range(0, len(expected), 7):
        seen += ids(gql(query, {"o": offset})["reviews"])
    assert seen == expected


def test_numbered_pages__on_a_tied_key__are_stable(gql):
    expected = pks(Review.objects.order_by("-rating", "pk"))
    query = """query($p: Int) { reviewsPage(page: $p, pageSize: 7, orderBy: [{rating: DESC}]) {
        items { id } hasNextPage } }"""
    seen, page = [], 1
    while True:
        result = gql(query, {"p": page})["reviewsPage"]
        seen += ids(result["items"])
        if not result["hasNextPage"]:
            break
        page += 1
    assert seen == expected
    assert len(set(seen)) == len(seen)


def test_connection_pages__with_relation_key__are_stable(gql):
    expected = pks(Review.objects.order_by("book__publisher__name", "pk"))
    query = """query($a: String) {
      reviewsConnection(first: 6, after: $a, orderBy: [{book: {publisher: {name: ASC}}}]) {
        edges { node { id } } pageInfo { hasNextPage endCursor } } }"""
    seen, after = [], None
    while True:
        conn = gql(query, {"a": after})["reviewsConnection"]
        seen += [int(e["node"]["id"]) for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert seen == expected


# -- bad input --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("order_by", "argument"),
    [
        ("[{title: ASC, price: DESC}]", "orderBy[0]"),
        ("[{}]", "orderBy[0]"),
        ("[{title: null}]", "orderBy[0]"),
        ("[{title: ASC}, {}]", "orderBy[1]"),
        ("[{title: ASC}, {price: ASC, pages: ASC}]", "orderBy[1]"),
        ("[{publisher: {}}]", "orderBy[0].publisher"),
        ("[{publisher: {name: ASC, id: DESC}}]", "orderBy[0].publisher"),
    ],
)
def test_books__element_without_exactly_one_key__is_bad_user_input(gql, order_by, argument):
    result = gql.error(f"{{ books(orderBy: {order_by}) {{ id }} }}")
    assert_bad_input(result, argument, status=200)
    assert result.data is None


def test_books__two_keys_in_a_variable__is_bad_user_input(gql):
    result = gql.error(BOOKS, {"o": [{"title": "ASC", "price": "DESC"}]})
    assert_bad_input(result, "orderBy[0]", status=200)


def test_nested_list__element_without_a_key__is_bad_user_input(gql):
    book = Book.objects.order_by("pk").first()
    result = gql.error("query($id: ID!) { book(id: $id) { reviews(orderBy: [{}]) { id } } }", {"id": book.pk})
    assert_bad_input(result, "orderBy[0]", status=200)
    assert result.errors[0]["path"] == ["book", "reviews"]


def test_books__order_fields_setting__limits_the_orderable_fields(gql):
    with override_settings(TOOLKIT={"APPS": ["demo"], "MODELS": {"demo.Book": {"order_fields": ["title"]}}}):
        assert ordered_books(gql, [{"title": "DESC"}]) == pks(Book.objects.order_by("-title", "pk"))
        literal = gql.error("{ books(orderBy: [{price: ASC}]) { id } }")
        variable = gql.error(BOOKS, {"o": [{"price": "ASC"}]})
        fields = gql('{ __type(name: "BookOrderBy") { inputFields { name } } }')
    assert_bad_input(literal, "orderBy", status=400)
    assert "price" in literal.errors[0]["message"]
    assert variable.status == 400 and variable.error_code() == "BAD_USER_INPUT", variable.body
    assert "price" in variable.errors[0]["message"]
    assert [f["name"] for f in fields["__type"]["inputFields"]] == ["title"]


@pytest.mark.parametrize("key", ["apiToken", "passwordHash", "webhookSecret", "signingKey"])
def test_partner_accounts__hidden_field__is_not_an_order_key(gql, key):
    result = gql.error(f"{{ partnerAccounts(orderBy: [{{{key}: ASC}}]) {{ id }} }}")
    assert_bad_input(result, "orderBy", status=400)
    variable = gql.error(
        "query($o: [PartnerAccountOrderBy!]) { partnerAccounts(orderBy: $o) { id } }", {"o": [{key: "ASC"}]}
    )
    assert variable.status == 400 and variable.error_code() == "BAD_USER_INPUT", variable.body
    assert "data" not in result.body or result.data is None


@pytest.mark.parametrize(
    "query",
    [
        "{ books(orderBy: [{reviews: ASC}]) { id } }",
        "{ books(orderBy: [{tags: {name: ASC}}]) { id } }",
        "{ books(orderBy: [{authors: {name: ASC}}]) { id } }",
        "{ publishers(orderBy: [{books: {price: ASC}}]) { id } }",
    ],
)
def test_to_many_relation__is_not_an_order_key(gql, query):
    assert_bad_input(gql.error(query), "orderBy", status=400)


def test_order_by_inputs__list_no_to_many_relations(gql):
    data = gql(
        """{ book: __type(name: "BookOrderBy") { inputFields { name } }
             publisher: __type(name: "PublisherOrderBy") { inputFields { name } } }"""
    )
    book_keys = {f["name"] for f in data["book"]["inputFields"]}
    publisher_keys = {f["name"] for f in data["publisher"]["inputFields"]}
    assert {"title", "price", "publisher"} <= book_keys
    assert not book_keys & {"reviews", "tags", "authors", "authorships", "stores", "launches", "comments"}
    assert "books" not in publisher_keys


def test_unknown_direction__is_bad_user_input(gql):
    assert_bad_input(gql.error("{ books(orderBy: [{title: UP}]) { id } }"), "orderBy", status=400)
