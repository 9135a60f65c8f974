"""The three pagination styles: limit/offset lists, numbered pages and Relay connections."""

from __future__ import annotations

import base64

import pytest
from django.db.models import Count
from django.test import override_settings

from demo.models import Book, Event, Review
from tests.conftest import ids


def toolkit(**options):
    """``override_settings`` for the TOOLKIT dict (it replaces the whole dict, so keep APPS)."""
    return override_settings(TOOLKIT={"APPS": ["demo"], **options})


def assert_bad_input(result, argument, status=200):
    """Exactly one BAD_USER_INPUT error that names ``argument`` (in extensions and message)."""
    assert result.status == status, result.body
    assert result.error_code() == "BAD_USER_INPUT", result.body
    error = result.errors[0]
    assert error["extensions"]["argument"] == argument, error
    assert argument in error["message"], error
    assert result.data is None or all(v is None for v in result.data.values()), result.body


def book_pks(*order):
    return list(Book.objects.order_by(*order, "pk").values_list("pk", flat=True))


def book_with_most_reviews():
    return Book.objects.annotate(n=Count("reviews")).order_by("-n", "pk").first()


# -- limit / offset -------------------------------------------------------------------------------
def test_books__without_limit__returns_every_row_under_the_default_limit(gql):
    data = gql("{ books { id } }")
    assert ids(data["books"]) == book_pks()


def test_books__default_limit_setting__caps_rows_when_no_limit_is_given(gql):
    assert Book.objects.count() > 5
    with toolkit(DEFAULT_LIMIT=5):
        data = gql("{ books { id } }")
        explicit = gql("{ books(limit: 7) { id } }")
    assert ids(data["books"]) == book_pks()[:5]
    assert ids(explicit["books"]) == book_pks()[:7]


def test_books__default_limit_setting__applies_to_nested_lists(gql):
    book = book_with_most_reviews()
    assert book.reviews.count() > 3
    with toolkit(DEFAULT_LIMIT=3):
        data = gql("query($id: ID!) { book(id: $id) { reviews { id } } }", {"id": book.pk})
    expected = list(book.reviews.order_by("pk").values_list("pk", flat=True))[:3]
    assert ids(data["book"]["reviews"]) == expected


def test_books__limit_and_offset__slice_the_ordered_rows(gql):
    data = gql("{ books(limit: 4, offset: 3) { id } }")
    assert ids(data["books"]) == book_pks()[3:7]


def test_books__offset_without_limit__skips_rows(gql):
    data = gql("{ books(offset: 10) { id } }")
    assert ids(data["books"]) == book_pks()[10:]


def test_books__limit_zero__returns_an_empty_list(gql):
    assert gql("{ books(limit: 0) { id } }") == {"books": []}


def test_books__offset_beyond_the_end__returns_an_empty_list(gql):
    total = Book.objects.count()
    assert gql("query($o: Int) { books(offset: $o) { id } }", {"o": total}) == {"books": []}
    assert gql("{ books(offset: 5000, limit: 10) { id } }") == {"books": []}


def test_books__limit_equal_to_max__is_accepted(gql):
    with toolkit(DEFAULT_LIMIT=2, MAX_LIMIT=4):
        data = gql("{ books(limit: 4) { id } }")
    assert ids(data["books"]) == book_pks()[:4]


def test_books__limit_above_max__is_bad_user_input_naming_limit(gql):
    with toolkit(DEFAULT_LIMIT=2, MAX_LIMIT=4):
        result = gql.error("{ books(limit: 5) { id } }")
    assert_bad_input(result, "limit")


def test_books__limit_above_default_max_of_1000__is_rejected(gql):
    assert_bad_input(gql.error("{ books(limit: 1001) { id } }"), "limit")
    assert ids(gql("{ books(limit: 1000) { id } }")["books"]) == book_pks()


@pytest.mark.parametrize(
    ("query", "argument"),
    [
        ("{ books(limit: -1) { id } }", "limit"),
        ("{ books(offset: -1) { id } }", "offset"),
        ("{ books(limit: 3, offset: -5) { id } }", "offset"),
    ],
)
def test_books__negative_limit_or_offset__is_bad_user_input(gql, query, argument):
    assert_bad_input(gql.error(query), argument)


def test_books__negative_limit_as_a_variable__is_bad_user_input(gql):
    result = gql.error("query($n: Int) { books(limit: $n) { id } }", {"n": -2})
    assert_bad_input(result, "limit")


def test_nested_reviews__limit_and_offset__slice_the_related_rows(gql):
    book = book_with_most_reviews()
    data = gql(
        "query($id: ID!) { book(id: $id) { reviews(limit: 2, offset: 1) { id } } }",
        {"id": book.pk},
    )
    expected = list(book.reviews.order_by("pk").values_list("pk", flat=True))[1:3]
    assert ids(data["book"]["reviews"]) == expected


def test_nested_reviews__are_sliced_per_parent_row(gql):
    """Each book gets its own first review, not a slice of all reviews."""
    data = gql("{ books { id reviews(limit: 1) { id } } }")
    for row in data["books"]:
        first = Review.objects.filter(book_id=row["id"]).order_by("pk").first()
        assert ids(row["reviews"]) == ([first.pk] if first else [])


def test_nested_reviews__offset_beyond_the_end__returns_an_empty_list(gql):
    book = book_with_most_reviews()
    data = gql(
        "query($id: ID!, $o: Int) { book(id: $id) { reviews(offset: $o) { id } } }",
        {"id": book.pk, "o": book.reviews.count()},
    )
    assert data == {"book": {"reviews": []}}


def test_nested_reviews__limit_above_max__is_bad_user_input_naming_limit(gql):
    book = book_with_most_reviews()
    with toolkit(DEFAULT_LIMIT=2, MAX_LIMIT=4):
        result = gql.error("query($id: ID!) { book(id: $id) { reviews(limit: 5) { id } } }", {"id": book.pk})
    assert_bad_input(result, "limit")
    assert result.errors[0]["path"] == ["book", "reviews"]


def test_nested_reviews__negative_offset__is_bad_user_input(gql):
    book = book_with_most_reviews()
    result = gql.error("query($id: ID!) { book(id: $id) { reviews(offset: -1) { id } } }", {"id": book.pk})
    assert_bad_input(result, "offset")


# -- numbered pages --------------------------------------------------------------------------------
PAGE_QUERY = """
query($page: Int, $size: Int, $where: BookWhere, $orderBy: [BookOrderBy!]) {
  booksPage(page: $page, pageSize: $size, where: $where, orderBy: $orderBy) {
    items { id } totalCount page pageSize pageCount hasNextPage hasPreviousPage
  }
}
"""


def fetch_page(gql, page, size, **variables):
    return gql(PAGE_QUERY, {"page": page, "size": size, **variables})["booksPage"]


def test_books_page__first_middle_and_last_pages(gql):
    expected = book_pks()
    assert len(expected) == 12
    first, middle, last = (fetch_page(gql, n, 5) for n in (1, 2, 3))
    assert first == {
        "items": [{"id": str(pk)} for pk in expected[:5]],
        "totalCount": 12,
        "page": 1,
        "pageSize": 5,
        "pageCount": 3,
        "hasNextPage": True,
        "hasPreviousPage": False,
    }
    assert ids(middle["items"]) == expected[5:10]
    assert (middle["page"], middle["hasNextPage"], middle["hasPreviousPage"]) == (2, True, True)
    assert ids(last["items"]) == expected[10:]  # partially filled
    assert (last["page"], last["pageCount"], last["totalCount"]) == (3, 3, 12)
    assert (last["hasNextPage"], last["hasPreviousPage"]) == (False, True)


def test_books_page__exact_multiple__has_no_partial_last_page(gql):
    last = fetch_page(gql, 2, 6)
    assert ids(last["items"]) == book_pks()[6:]
    assert (last["pageCount"], last["hasNextPage"]) == (2, False)
    assert_bad_input(gql.error(PAGE_QUERY, {"page": 3, "size": 6}), "page")


def test_books_page__single_page_holding_everything(gql):
    page = fetch_page(gql, 1, 100)
    assert ids(page["items"]) == book_pks()
    assert (page["pageCount"], page["hasNextPage"], page["hasPreviousPage"]) == (1, False, False)


def test_books_page__defaults_to_page_one_and_the_default_limit(gql):
    with toolkit(DEFAULT_LIMIT=5):
        page = gql("{ booksPage { items { id } page pageSize pageCount } }")["booksPage"]
    assert ids(page["items"]) == book_pks()[:5]
    assert (page["page"], page["pageSize"], page["pageCount"]) == (1, 5, 3)


def test_books_page__pages_concatenated_equal_the_full_ordered_list(gql):
    order = [{"price": "DESC"}]
    expected = book_pks("-price")
    items, page = [], 1
    while True:
        result = fetch_page(gql, page, 5, orderBy=order)
        items += ids(result["items"])
        if not result["hasNextPage"]:
            break
        page += 1
    assert items == expected
    assert page == 3


def test_books_page__combined_with_where_and_order_by(gql):
    where = {"status": {"eq": "PUBLISHED"}}
    order = [{"publishedOn": "ASC"}]
    expected = list(
        Book.objects.filter(status="published").order_by("published_on", "pk").values_list("pk", flat=True)
    )
    assert len(expected) == 8
    second = fetch_page(gql, 2, 3, where=where, orderBy=order)
    assert ids(second["items"]) == expected[3:6]
    assert (second["totalCount"], second["pageCount"]) == (8, 3)
    third = fetch_page(gql, 3, 3, where=where, orderBy=order)
    assert ids(third["items"]) == expected[6:]
    assert third["hasNextPage"] is False


def test_books_page__where_matching_nothing__page_one_is_empty(gql):
    page = fetch_page(gql, 1, 5, where={"title": {"eq": "No such book"}})
    assert page == {
        "items": [],
        "totalCount": 0,
        "page": 1,
        "pageSize": 5,
        "pageCount": 0,
        "hasNextPage": False,
        "hasPreviousPage": False,
    }


def test_books_page__where_matching_nothing__page_two_is_bad_user_input(gql):
    result = gql.error(PAGE_QUERY, {"page": 2, "size": 5, "where": {"title": {"eq": "No such book"}}})
    assert_bad_input(result, "page")


def test_books_page__page_beyond_the_end__is_bad_user_input_naming_page(gql):
    result = gql.error(PAGE_QUERY, {"page": 4, "size": 5})
    assert_bad_input(result, "page")
    assert "3" in result.errors[0]["message"]  # says how many pages there are


@pytest.mark.parametrize("page", [0, -1])
def test_books_page__page_below_one__is_bad_user_input(gql, page):
    assert_bad_input(gql.error(PAGE_QUERY, {"page": page, "size": 5}), "page")


@pytest.mark.parametrize("size", [0, -3, 1001])
def test_books_page__page_size_zero_negative_or_above_max__is_bad_user_input(gql, size):
    assert_bad_input(gql.error(PAGE_QUERY, {"page": 1, "size": size}), "pageSize")


def test_books_page__page_size_above_configured_max__is_bad_user_input(gql):
    with toolkit(DEFAULT_LIMIT=2, MAX_LIMIT=4):
        assert ids(fetch_page(gql, 1, 4)["items"]) == book_pks()[:4]
        assert_bad_input(gql.error(PAGE_QUERY, {"page": 1, "size": 5}), "pageSize")


# -- Relay connections -----------------------------------------------------------------------------
CONNECTION_QUERY = """
query($first: Int, $after: String, $last: Int, $before: String, $where: BookWhere,
      $orderBy: [BookOrderBy!]) {
  booksConnection(first: $first, after: $after, last: $last, before: $before, where: $where,
                  orderBy: $orderBy) {
    edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    totalCount
  }
}
"""


def connection(gql, **variables):
    return gql(CONNECTION_QUERY, variables)["booksConnection"]


def edge_ids(conn):
    return [int(e["node"]["id"]) for e in conn["edges"]]


@pytest.mark.parametrize("order", [None, [{"price": "DESC"}], [{"inStock": "ASC"}]])
def test_books_connection__forward_paging_visits_every_row_once_in_order(gql, order):
    expected = ids(gql("query($o: [BookOrderBy!]) { books(orderBy: $o) { id } }", {"o": order})["books"])
    assert len(expected) == 12
    seen, after, pages = [], None, 0
    while True:
        conn = connection(gql, first=5, after=after, orderBy=order)
        pages += 1
        seen += edge_ids(conn)
        info = conn["pageInfo"]
        assert info["startCursor"] == conn["edges"][0]["cursor"]
        assert info["endCursor"] == conn["edges"][-1]["cursor"]
        assert conn["totalCount"] == 12
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
        assert pages < 10
    assert seen == expected
    assert pages == 3


def test_books_connection__first_page_has_no_previous_page(gql):
    conn = connection(gql, first=5)
    assert edge_ids(conn) == book_pks()[:5]
    assert conn["pageInfo"]["hasPreviousPage"] is False
    assert conn["pageInfo"]["hasNextPage"] is True


def test_books_connection__backward_paging_with_last_and_before(gql):
    expected = book_pks("title")
    order = [{"title": "ASC"}]
    seen, before, pages = [], None, 0
    while True:
        conn = connection(gql, last=5, before=before, orderBy=order)
        pages += 1
        seen = edge_ids(conn) + seen
        info = conn["pageInfo"]
        if not info["hasPreviousPage"]:
            break
        before = info["startCursor"]
        assert pages < 10
    assert seen == expected
    assert pages == 3


def test_books_connection__last_alone_returns_the_tail(gql):
    conn = connection(gql, last=3)
    assert edge_ids(conn) == book_pks()[-3:]
    assert conn["pageInfo"]["hasNextPage"] is False
    assert conn["pageInfo"]["hasPreviousPage"] is True


def test_books_connection__first_after_a_middle_cursor(gql):
    expected = book_pks("-price")
    order = [{"price": "DESC"}]
    everything = connection(gql, first=12, orderBy=order)
    cursor = everything["edges"][2]["cursor"]
    conn = connection(gql, first=4, after=cursor, orderBy=order)
    assert edge_ids(conn) == expected[3:7]
    assert [e["cursor"] for e in conn["edges"]] == [e["cursor"] for e in everything["edges"][3:7]]
    assert conn["pageInfo"]["hasNextPage"] is True
    assert conn["pageInfo"]["hasPreviousPage"] is True


def test_books_connection__after_and_before_bound_a_window(gql):
    everything = connection(gql, first=12)
    after, before = everything["edges"][2]["cursor"], everything["edges"][8]["cursor"]
    assert edge_ids(connection(gql, after=after, before=before)) == book_pks()[3:8]
    assert edge_ids(connection(gql, first=2, after=after, before=before)) == book_pks()[3:5]
    assert edge_ids(connection(gql, last=2, after=after, before=before)) == book_pks()[6:8]


def test_books_connection__after_the_last_cursor__is_empty(gql):
    last_cursor = connection(gql, first=12)["edges"][-1]["cursor"]
    conn = connection(gql, first=5, after=last_cursor)
    assert conn["edges"] == []
    assert conn["pageInfo"]["hasNextPage"] is False
    assert conn["pageInfo"]["startCursor"] is None and conn["pageInfo"]["endCursor"] is None


def test_books_connection__default_size_is_the_default_limit(gql):
    with toolkit(DEFAULT_LIMIT=5):
        conn = connection(gql)
    assert edge_ids(conn) == book_pks()[:5]
    assert conn["pageInfo"]["hasNextPage"] is True
    assert conn["totalCount"] == 12


def test_books_connection__total_count_respects_where_not_the_page_size(gql):
    where = {"inStock": {"eq": True}}
    expected = list(Book.objects.filter(in_stock=True).order_by("pk").values_list("pk", flat=True))
    conn = connection(gql, first=2, where=where)
    assert conn["totalCount"] == len(expected) == 9
    assert edge_ids(conn) == expected[:2]


def test_books_connection__where_matching_nothing__is_empty(gql):
    conn = connection(gql, first=5, where={"title": {"eq": "No such book"}})
    assert conn == {
        "edges": [],
        "pageInfo": {
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        },
        "totalCount": 0,
    }


def test_books_connection__first_zero__returns_no_edges(gql):
    conn = connection(gql, first=0)
    assert conn["edges"] == []
    assert conn["totalCount"] == 12


FOREIGN_CURSORS = [
    "garbage",
    "",
    base64.b64encode(b"arrayconnection:3").decode(),  # graphene's own relay cursors
    base64.b64encode(b"cursor:abc").decode(),
    base64.b64encode(b"cursor:-1").decode(),
    base64.b64encode(b"\xff\xfe\x00").decode(),
]


@pytest.mark.parametrize("cursor", FOREIGN_CURSORS)
@pytest.mark.parametrize("argument", ["after", "before"])
def test_books_connection__malformed_cursor__is_bad_user_input(gql, cursor, argument):
    result = gql.error(CONNECTION_QUERY, {"first": 3, argument: cursor})
    assert_bad_input(result, argument)


@pytest.mark.parametrize("argument", ["first", "last"])
def test_books_connection__size_above_max__is_bad_user_input(gql, argument):
    assert_bad_input(gql.error(CONNECTION_QUERY, {argument: 1001}), argument)
    with toolkit(DEFAULT_LIMIT=2, MAX_LIMIT=4):
        assert_bad_input(gql.error(CONNECTION_QUERY, {argument: 5}), argument)
        assert len(connection(gql, **{argument: 4})["edges"]) == 4


@pytest.mark.parametrize("argument", ["first", "last"])
def test_books_connection__negative_size__is_bad_user_input(gql, argument):
    assert_bad_input(gql.error(CONNECTION_QUERY, {argument: -1}), argument)


EVENTS_CONNECTION = """
query($first: Int, $after: String) {
  eventsConnection(first: $first, after: $after) {
    edges { node { __typename id name ... on BookLaunch { book { id } } } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}
"""


def test_events_connection__pages_through_the_subtypes(gql):
    """Multi-table children come back as their own types, in the parent's Meta.ordering."""
    expected = []
    for event in Event.objects.select_related("booklaunch", "signing").order_by("starts_at", "pk"):
        if hasattr(event, "booklaunch"):
            expected.append(("BookLaunch", event.pk, {"id": str(event.booklaunch.book_id)}))
        elif hasattr(event, "signing"):
            expected.append(("Signing", event.pk, None))
        else:
            expected.append(("Event", event.pk, None))
    assert {kind for kind, _, _ in expected} == {"BookLaunch", "Signing", "Event"}

    seen, after = [], None
    while True:
        conn = gql(EVENTS_CONNECTION, {"first": 2, "after": after})["eventsConnection"]
        assert conn["totalCount"] == len(expected)
        seen += [
            (e["node"]["__typename"], int(e["node"]["id"]), e["node"].get("book")) for e in conn["edges"]
        ]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert seen == expected
