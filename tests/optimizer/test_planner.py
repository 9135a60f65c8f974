"""The query planner: one SQL statement per relation level, whatever the number of rows.

Every query here also runs unplanned through the conftest's optimizer check, so the results are
the same with and without the planner; these tests pin the number of statements.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from demo.models import Book

NESTED = """{ books(limit: %d) { id title publisher { name } authors { name } tags { name }
  reviews { rating } } }"""


def is_bookkeeping(sql):
    """Savepoints and PostgreSQL's per-operation statement_timeout: not data queries."""
    return sql.startswith(("SAVEPOINT", "RELEASE")) or "set_config('statement_timeout'" in sql


def statements(gql, query, variables=None):
    """(SQL statements of the query alone, data); the optimizer check runs separately."""
    with CaptureQueriesContext(connection) as captured:
        result = gql.post(query, variables, check=False)
    # read them now: the next request clears Django's query log
    sql = [q["sql"] for q in captured.captured_queries if not is_bookkeeping(q["sql"])]
    assert result.status == 200 and not result.errors, result.body
    gql(query, variables)  # the same query again, checked against its unplanned result
    return len(sql), result.data


@pytest.mark.parametrize("rows", [3, 12])
def test_nested_list__one_statement_per_relation_level(gql, rows, settings):
    settings.TOOLKIT = {**settings.TOOLKIT, "OPTIMIZER": True}
    count, data = statements(gql, NESTED % rows)
    assert len(data["books"]) == min(rows, Book.objects.count())
    # books+publisher (joined), authors, tags, reviews
    assert count == 4


def test_without_the_planner__the_same_query_costs_a_statement_per_row(gql):
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(__import__("toolkit.conf", fromlist=["x"]).get_config(), "OPTIMIZER", False)
        count, _ = statements(gql, NESTED % 12)
    assert count > 12


def test_depth_three__publishers_books_authors_books(gql):
    count, data = statements(
        gql, "{ publishers(limit: 20) { name books { title authors { name books { title } } } } }"
    )
    assert data["publishers"]
    assert count == 4


def test_same_relation_aliased_twice_with_different_arguments(gql):
    query = """{ books(limit: 12) { id
      good: reviews(where: {rating: {gte: 4}}, orderBy: [{rating: DESC}]) { rating }
      bad: reviews(where: {rating: {lte: 2}}, limit: 1) { rating }
      all: reviewsCount
      goodCount: reviewsCount(where: {rating: {gte: 4}}) } }"""
    count, data = statements(gql, query)
    assert count == 3  # books (with both counts as sub-queries), good reviews, bad reviews
    for book in data["books"]:
        assert all(r["rating"] >= 4 for r in book["good"])
        assert len(book["bad"]) <= 1 and all(r["rating"] <= 2 for r in book["bad"])
        assert book["goodCount"] == len(book["good"])


def test_fragments_inline_fragments_and_directives(gql):
    query = """query($withTags: Boolean!, $skipAuthors: Boolean!) {
      books(limit: 12) { ...BookParts ... on Book { tags @include(if: $withTags) { name } }
        authors @skip(if: $skipAuthors) { name } } }
      fragment BookParts on Book { title publisher { name } }"""
    count, _ = statements(gql, query, {"withTags": True, "skipAuthors": True})
    assert count == 2  # books+publisher, tags; authors skipped
    count, _ = statements(gql, query, {"withTags": False, "skipAuthors": False})
    assert count == 2  # books+publisher, authors


def test_page_items_and_connection_edges_are_planned(gql):
    count, _ = statements(gql, "{ booksPage(pageSize: 12) { totalCount items { title authors { name } } } }")
    assert count == 3  # count, books, authors
    count, _data = statements(
        gql, "{ booksConnection(first: 12) { totalCount edges { node { title tags { name } } } } }"
    )
    assert count == 3


def test_polymorphic_lists_plan_the_children_relations(gql):
    query = """{ events { name venue { city }
      ... on BookLaunch { book { title authors { name } } host { name } }
      ... on Signing { author { name } } } }"""
    count, _data = statements(gql, query)
    assert {e["__typename"] for e in gql("{ events { __typename } }")["events"]} >= {"BookLaunch", "Signing"}
    assert count == 2  # events with every to-one joined, the launches' book authors


def test_generic_union_members_are_prefetched_per_type(gql):
    query = """{ comments { body target { __typename ... on Book { title publisher { name } }
      ... on Author { name } ... on Review { rating } } } }"""
    count, data = statements(gql, query)
    assert any(c["target"] for c in data["comments"])
    assert count <= 4  # comments, then one per member type


def test_single_lookup_is_planned(gql):
    book = Book.objects.filter(reviews__isnull=False).first()
    count, _data = statements(
        gql,
        "query($id: ID!) { book(id: $id) { title reviews { rating } authors { name } } }",
        {"id": book.pk},
    )
    assert count == 3


def test_scoped_targets_are_prefetched_with_their_scope(user_gql, gql):
    """Reading lists are owner-scoped: the planner's prefetch applies the scope, so the private
    lists of other readers appear on no path, planned or not."""
    query = "{ books { readingLists { name isPublic } readingListsCount } }"
    count, data = statements(gql, query)
    names = [rl["name"] for b in data["books"] for rl in b["readingLists"]]
    assert names and all(n.startswith("Shared") for n in names)
    assert count == 2
