"""Query limits (issue 4, point 4): depth, cost, aliases, directives, tokens, document size and
batch size are checked before execution — a rejected document is HTTP 400 with
``extensions.code = "GRAPHQL_VALIDATION_FAILED"`` and ``extensions.limit``, and reads no row."""

from __future__ import annotations

import json
from contextlib import contextmanager
from unittest.mock import ANY

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Permission
from django.core import checks
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from graphql import GraphQLSyntaxError, get_introspection_query, parse, validate

from demo.models import Book, Publisher, Tag
from tests.conftest import GraphQLClient, ids
from toolkit.schema import get_schema
from toolkit.security import limits
from toolkit.security.limits import Limits, limits_for, operation_cost, page_size_limit

# 6 and 7 nested selection levels (every field is one level below its parent).
DEPTH_6 = "{ publishers(limit: 1) { id books(limit: 1) { authors(limit: 1) { books(limit: 1) { publisher { name } } } } } }"
DEPTH_7 = (
    "{ publishers(limit: 1) { id books(limit: 1) { authors(limit: 1) { books(limit: 1) "
    "{ publisher { books(limit: 1) { title } } } } } } }"
)
ISSUE_EXAMPLE = "{ publishers(limit: 20) { books { authors { books { title } } } } }"
ISSUE_EXAMPLE_100 = (
    "{ publishers(limit: 100) { books(limit: 100) { authors(limit: 100) { books(limit: 100) { title } } } } }"
)


def toolkit(**options):
    """``override_settings`` for TOOLKIT, keeping the project's other keys."""
    return override_settings(TOOLKIT={**settings.TOOLKIT, **options})


def query_limits(**values):
    return toolkit(QUERY_LIMITS=values)


def assert_limit(result, limit, *numbers):
    """HTTP 400, one GRAPHQL_VALIDATION_FAILED error naming ``limit``, with the numbers, no data."""
    assert result.status == 400, result.body
    assert len(result.errors) == 1, result.body
    error = result.errors[0]
    assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED", "limit": limit, "requestId": ANY}, (
        error
    )
    for number in numbers:
        assert str(number) in error["message"], error
    assert result.body.get("data") is None, result.body


@contextmanager
def no_reads(session=False):
    """Nothing is read from the database (a session client may load its session and user)."""
    with CaptureQueriesContext(connection) as captured:
        yield
    sql = [q["sql"] for q in captured.captured_queries]
    if session:
        assert [s for s in sql if "demo_" in s] == [], sql
    else:
        assert [s for s in sql if s.lstrip().upper().startswith("SELECT") or "demo_" in s] == [], sql


def book_pks():
    return list(Book.objects.order_by(*Book._meta.ordering, "pk").values_list("pk", flat=True))


def first_publisher_pk():
    return Publisher.objects.order_by(*Publisher._meta.ordering, "pk").values_list("pk", flat=True)[0]


@pytest.fixture
def staff_gql(db):
    """A client logged in as a staff user without permissions."""
    user = get_user_model().objects.create_user("limits-staff-client", is_staff=True)
    client = Client()
    client.force_login(user)
    return GraphQLClient(client, user)


def post_batch(client, operations):
    response = client.post("/graphql/", json.dumps(operations), content_type="application/json")
    return response.status_code, response.json()


# -- defaults -------------------------------------------------------------------------------------
def test_defaults__are_the_documented_numbers():
    assert limits_for(AnonymousUser()) == Limits(
        max_depth=6,
        max_introspection_depth=15,
        max_cost=5000,
        max_aliases=15,
        max_directives=50,
        max_tokens=1000,
        max_document_bytes=20_000,
        max_batch=10,
        default_list_cost=5,
        max_page_size=1000,
        default_limit=100,
    )


def test_query_limits__keys_given_override_the_defaults_one_by_one():
    with query_limits(max_depth=9, max_cost=None):
        configured = limits_for(AnonymousUser())
    assert (configured.max_depth, configured.max_cost, configured.max_aliases) == (9, None, 15)


# -- depth ----------------------------------------------------------------------------------------
def test_depth__six_levels__runs(gql):
    data = gql(DEPTH_6)
    assert ids(data["publishers"]) == [first_publisher_pk()]


def test_depth__seven_levels__is_rejected_before_any_sql(gql):
    with no_reads():
        result = gql.post(DEPTH_7)
    assert_limit(result, "depth", "7 levels", "limit is 6")


def test_depth__a_leaf_field_is_a_level():
    """``{ books { title } }`` is 2 deep: with a limit of 1 it is refused, ``{ __typename }`` is not."""
    schema = get_schema().graphql_schema
    rules = limits.validation_rules(Limits(max_depth=1))
    assert validate(schema, parse("{ __typename }"), rules) == []
    [error] = validate(schema, parse("{ books { title } }"), rules)
    assert error.message == "The operation is 2 levels deep; the limit is 1."


def test_depth__named_fragments_are_followed_and_add_no_level(gql):
    six = """
    { publishers(limit: 1) { id ...Deep } }
    fragment Deep on Publisher { books(limit: 1) { ...Authors } }
    fragment Authors on Book { authors(limit: 1) { books(limit: 1) { publisher { name } } } }
    """
    assert gql(six) == gql(DEPTH_6)
    seven = six.replace("publisher { name }", "publisher { books(limit: 1) { title } }")
    assert_limit(gql.post(seven), "depth", "7 levels")


def test_depth__inline_fragments_are_followed_and_add_no_level(gql):
    six = """{ publishers(limit: 1) { id ... on Publisher { books(limit: 1) { ... { authors(limit: 1) {
      books(limit: 1) { ... on Book { publisher { name } } } } } } } } }"""
    assert gql(six) == gql(DEPTH_6)
    seven = six.replace("publisher { name }", "publisher { books(limit: 1) { title } }")
    assert_limit(gql.post(seven), "depth", "7 levels")


def test_depth__a_fragment_spread_at_two_depths_counts_at_the_deeper_one(gql):
    """GraphQL Armor's advisory GHSA-224p-v68g-5g8f: a fragment's depth must not be cached at the
    level of its first use."""
    query = """
    { books(limit: 1) { ...Leaf }
      publishers(limit: 1) { books(limit: 1) { authors(limit: 1) { books(limit: 1) { ...Leaf } } } } }
    fragment Leaf on Book { publisher { books(limit: 1) { title } } }
    """
    assert_limit(gql.post(query), "depth", "7 levels")


def test_depth__introspection_fields_count(gql):
    """With no separate introspection limit, __schema selections count toward max_depth."""
    six = "{ __schema { types { fields { type { ofType { name } } } } } }"
    seven = "{ __schema { types { fields { type { ofType { ofType { name } } } } } } }"
    with query_limits(max_introspection_depth=None):
        assert gql(six)["__schema"]["types"]
        with no_reads():
            assert_limit(gql.post(seven), "depth", "7 levels", "limit is 6")


def test_depth__max_introspection_depth__limits_introspection_on_its_own(gql):
    """Set (e.g. for GraphiQL in development), introspection has its own limit; data queries keep theirs."""
    with query_limits(max_introspection_depth=15):
        assert gql(get_introspection_query())["__schema"]["queryType"]["name"] == "Query"
        assert_limit(gql.post(DEPTH_7), "depth", "7 levels", "limit is 6")
    with query_limits(max_introspection_depth=14):
        result = gql.post(get_introspection_query())
    assert_limit(result, "depth", "introspects 15 levels", "limit is 14")


def test_depth__standard_introspection_query__fits_the_default_introspection_limit(gql):
    """GraphiQL's introspection query (15 levels) works; counted against max_depth it would not."""
    assert gql(get_introspection_query())["__schema"]["queryType"]["name"] == "Query"
    with query_limits(max_introspection_depth=None):
        assert_limit(gql.post(get_introspection_query()), "depth", "15 levels", "limit is 6")


def test_depth__none_switches_the_limit_off(gql):
    with query_limits(max_depth=None):
        assert ids(gql(DEPTH_7)["publishers"]) == [first_publisher_pk()]


# -- cost -----------------------------------------------------------------------------------------
def test_cost__issue_example_with_limit_20__fits_the_defaults(gql):
    data = gql(ISSUE_EXAMPLE)
    assert len(data["publishers"]) == Publisher.objects.count()
    assert operation_cost(get_schema(), parse(ISSUE_EXAMPLE), None, None) == 1 + 20 * (
        1 + 5 * (1 + 5 * (1 + 5))
    )


def test_cost__issue_example_with_limit_100_everywhere__is_rejected_before_any_sql(gql):
    with no_reads():
        result = gql.post(ISSUE_EXAMPLE_100)
    assert_limit(result, "cost", "costs 101010101", "limit is 5000")


def test_cost__exactly_the_limit_runs_one_more_is_rejected(gql):
    """1 + 833 books x 6 fields + __typename = 5000."""
    query = "{ books(limit: 833) { id title isbn slug edition price } __typename }"
    assert operation_cost(get_schema(), parse(query), None, None) == 5000
    assert ids(gql(query)["books"]) == book_pks()
    over = query.replace("__typename", "__typename again: __typename")
    assert_limit(gql.post(over), "cost", "costs 5001", "limit is 5000")


def test_cost__default_list_cost_is_configurable(gql):
    """With 10 rows assumed per nested list, the issue's example costs 22221."""
    with query_limits(default_list_cost=10):
        assert_limit(gql.post(ISSUE_EXAMPLE), "cost", "costs 22221", "limit is 5000")


@pytest.mark.parametrize(
    ("query", "cost"),
    [
        ("{ books { id } }", 1 + 100),  # a root list without a size: the server's DEFAULT_LIMIT
        ("{ books(limit: 3) { id reviews { id } } }", 1 + 3 * (1 + 1 + 5)),  # nested: default_list_cost
        ("{ book(id: 1) { reviews { id } } }", 1 + 1 + 100),  # not inside a list: DEFAULT_LIMIT
        ("{ booksPage(pageSize: 7) { items { id } totalCount } }", 1 + 1 + 7 + 1),
        ("{ booksPage { items { id } } }", 1 + 1 + 100),
        ("{ booksConnection(first: 4) { edges { node { id } } } }", 1 + 1 + 4 * 2),
        ("{ booksConnection(last: 3) { edges { cursor } } }", 1 + 1 + 3),
        ("{ booksAggregate(groupBy: [STATUS]) { groups(limit: 4) { count } } }", 1 + 1 + 4),
        ("{ __schema { types { fields { name } } } }", 1),  # introspection reads no rows
    ],
)
def test_cost__list_sizes(query, cost):
    assert operation_cost(get_schema(), parse(query), None, None) == cost


def test_cost__estimates_follow_default_limit():
    with toolkit(DEFAULT_LIMIT=10):
        assert operation_cost(get_schema(), parse("{ books { id } }"), None, None) == 11


def test_cost__sizes_from_variables_and_operation_name():
    document = parse(
        "query A($n: Int) { books(limit: $n) { id } } query B($n: Int = 4) { books(limit: $n) { id title } }"
    )
    schema = get_schema()
    assert operation_cost(schema, document, {"n": 3}, "A") == 1 + 3
    assert operation_cost(schema, document, {}, "B") == 1 + 4 * 2
    assert operation_cost(schema, document, {"n": 2}, "B") == 1 + 2 * 2
    assert operation_cost(schema, document, {}, "C") == 0


def test_cost__sizes_given_by_variables__are_counted_with_their_values(gql):
    query = """query($n: Int) { publishers(limit: $n) { id books(limit: $n) { authors(limit: $n) {
      name } } } }"""
    assert ids(gql(query, {"n": 2})["publishers"]) == list(
        Publisher.objects.order_by("name", "pk").values_list("pk", flat=True)[:2]
    )
    with no_reads():
        result = gql.post(query, {"n": 100})
    assert_limit(result, "cost", "costs 1010201", "limit is 5000")


def test_cost__a_variable_default_value_is_counted(gql):
    query = (
        "query($n: Int = 100) { publishers(limit: $n) { books(limit: $n) { authors(limit: $n) { name } } } }"
    )
    assert_limit(gql.post(query), "cost", "costs 1010101")


def test_cost__fragments_and_inline_fragments_are_counted(gql):
    query = """
    { publishers(limit: 100) { ...Books } }
    fragment Books on Publisher { books(limit: 100) { ... on Book { authors(limit: 100) { books(limit: 100) {
      title } } } } }
    """
    assert_limit(gql.post(query), "cost", "costs 101010101")


def test_cost__literal_skip_and_include_leave_a_branch_out(gql):
    expensive = "publishers(limit: 100) {0} {{ books(limit: 100) {{ authors(limit: 100) {{ name }} }} }}"
    for directive in ("@skip(if: true)", "@include(if: false)"):
        data = gql("{ books(limit: 2) { id } " + expensive.format(directive) + " }")
        assert data == {"books": [{"id": str(pk)} for pk in book_pks()[:2]]}
    for directive in ("@skip(if: false)", "@include(if: true)", ""):
        assert_limit(gql.post("{ " + expensive.format(directive) + " }"), "cost", "costs 1010101")


# -- aliases --------------------------------------------------------------------------------------
def aliased_books(count):
    return "{ " + " ".join(f"b{i}: books(limit: 1, offset: {i}) {{ id }}" for i in range(count)) + " }"


def test_aliases__fifteen__run_each_one(gql):
    data = gql(aliased_books(15))
    expected = [[pk] for pk in book_pks()] + [[]] * 15  # offsets past the last book give []
    assert [ids(data[f"b{i}"]) for i in range(15)] == expected[:15]


def test_aliases__sixteen__are_rejected_before_any_sql(gql):
    with no_reads():
        assert_limit(gql.post(aliased_books(16)), "aliases", "16 aliases", "limit is 15")


def test_aliases__in_a_fragment__count_each_time_it_is_spread(gql):
    query = """
    { one: publishers(limit: 1) { ...Names } two: publishers(limit: 1) { ...Names } }
    fragment Names on Publisher { a: name b: name c: name d: name e: name f: name g: name }
    """
    assert_limit(gql.post(query), "aliases", "16 aliases")
    name = Publisher.objects.get(pk=first_publisher_pk()).name
    assert gql(query.replace("g: name", ""))["one"] == [dict.fromkeys("abcdef", name)]


def test_aliases__rejected_mutation_writes_nothing(admin_gql):
    before = Tag.objects.count()
    mutation = (
        "mutation { "
        + " ".join(
            f't{i}: createTag(input: {{name: "limit {i}", slug: "limit-{i}"}}) {{ ok }}' for i in range(16)
        )
        + " }"
    )
    assert_limit(admin_gql.post(mutation), "aliases", "16 aliases")
    assert Tag.objects.count() == before


# -- directives -----------------------------------------------------------------------------------
def with_directives(count):
    return "{ books(limit: 1) { " + "id @include(if: true) " * count + "} }"


def test_directives__fifty__run(gql):
    assert ids(gql(with_directives(50))["books"]) == book_pks()[:1]


def test_directives__fifty_one__are_rejected_before_any_sql(gql):
    with no_reads():
        assert_limit(gql.post(with_directives(51)), "directives", "51 directives", "limit is 50")


def test_directives__in_fragments__count_each_time_they_are_spread(gql):
    query = (
        "{ books(limit: 1) { ...Ids ...Ids @include(if: true) } } fragment Ids on Book { "
        + "id @skip(if: false) " * 25
        + "}"
    )
    assert_limit(gql.post(query), "directives", "51 directives")


# -- tokens and document size ---------------------------------------------------------------------
def with_tokens(count):
    """``{ books(limit: 1, where: {id: {notIn: [0, 0, ...]}}) { id } }`` with ``count`` tokens
    (23 around the zeros), as graphql-core's parser counts them."""
    query = "{ books(limit: 1, where: {id: {notIn: [" + "0 " * (count - 23) + "]}}) { id } }"
    parse(query, max_tokens=count)
    with pytest.raises(GraphQLSyntaxError):
        parse(query, max_tokens=count - 1)
    return query


def test_tokens__exactly_the_limit_runs(gql):
    assert ids(gql(with_tokens(1000))["books"]) == book_pks()[:1]


def test_tokens__one_over_is_rejected_before_any_sql(gql):
    with no_reads():
        assert_limit(gql.post(with_tokens(1001)), "tokens", "1001 tokens", "limit is 1000")


def test_tokens__comments_count(gql):
    query = "# a comment\n" * 11 + with_tokens(990)
    assert_limit(gql.post(query), "tokens", "1001 tokens")


def test_tokens__limit_is_configurable_and_none_switches_it_off(gql):
    with query_limits(max_tokens=30):
        assert_limit(gql.post(with_tokens(31)), "tokens", "31 tokens", "limit is 30")
    with query_limits(max_tokens=None, max_document_bytes=None, max_cost=None):
        assert ids(gql(with_tokens(6000))["books"]) == book_pks()[:1]


def test_tokens__an_ordinary_syntax_error_is_still_a_parse_error(gql):
    result = gql.post("{ books(limit: 1) { id }")
    assert result.status == 400
    assert result.errors[0]["extensions"] == {"code": "GRAPHQL_PARSE_FAILED", "requestId": ANY}


def test_document_size__exactly_the_limit_runs_one_byte_more_is_rejected(gql):
    query = "{ books(limit: 1) { id } }"
    assert ids(gql(query.ljust(20_000))["books"]) == book_pks()[:1]
    with no_reads():
        assert_limit(gql.post(query.ljust(20_001)), "documentSize", "20001 bytes", "limit is 20000")


def test_document_size__counts_utf8_bytes_not_characters(gql):
    query = "{ books(limit: 1) { id } } # é"  # 30 characters, 31 bytes
    with query_limits(max_document_bytes=31):
        assert ids(gql(query)["books"]) == book_pks()[:1]
    with query_limits(max_document_bytes=30):
        assert_limit(gql.post(query), "documentSize", "31 bytes", "limit is 30")


# -- batches --------------------------------------------------------------------------------------
def book_operations(count):
    return [
        {"query": "query($o: Int!) { books(limit: 1, offset: $o) { id } }", "variables": {"o": i}}
        for i in range(count)
    ]


def test_batch__at_the_limit__runs_every_operation(client, db):
    status, body = post_batch(client, book_operations(10))
    assert status == 200, body
    expected = book_pks()[:10]
    assert [ids(entry["data"]["books"]) for entry in body] == [[pk] for pk in expected] + [[]] * (
        10 - len(expected)
    )


def test_batch__over_the_limit__is_rejected_before_any_sql(client, db):
    with no_reads():
        status, body = post_batch(client, book_operations(11))
    assert status == 400
    assert body == {
        "errors": [
            {
                "message": "The batch has 11 operations; the limit is 10.",
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED", "limit": "batch", "requestId": ANY},
            }
        ]
    }


def test_batch__each_operation_is_checked_against_the_limits(client, db):
    status, body = post_batch(client, [{"query": "{ books(limit: 1) { id } }"}, {"query": DEPTH_7}])
    assert status == 400
    assert ids(body[0]["data"]["books"]) == book_pks()[:1]
    assert body[1]["errors"][0]["extensions"] == {
        "code": "GRAPHQL_VALIDATION_FAILED",
        "limit": "depth",
        "requestId": ANY,
    }


def test_batch__per_role_limit(staff_gql, client, db):
    with toolkit(QUERY_LIMITS_BY_ROLE={"staff": {"max_batch": 12}, "anonymous": {"max_batch": 0}}):
        status, body = post_batch(staff_gql.client, book_operations(12))
        assert status == 200 and len(body) == 12, body
        status, body = post_batch(client, book_operations(1))
    assert status == 400
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


# -- per-role overrides ---------------------------------------------------------------------------
ROLE_LIMITS = {"staff": {"max_depth": 7, "max_cost": 200_000}}
COSTLY = "{ publishers(limit: 100) { id books(limit: 100) { authors(limit: 10) { name } } } }"  # 110201


def test_roles__staff_may_run_deeper_and_costlier_queries(staff_gql, user_gql, gql):
    with toolkit(QUERY_LIMITS_BY_ROLE=ROLE_LIMITS):
        assert ids(staff_gql(DEPTH_7)["publishers"]) == [first_publisher_pk()]
        assert ids(staff_gql(COSTLY)["publishers"]) == list(
            Publisher.objects.order_by("name", "pk").values_list("pk", flat=True)
        )
        with no_reads(session=True):
            assert_limit(user_gql.post(DEPTH_7), "depth", "7 levels")
        assert_limit(user_gql.post(COSTLY), "cost", "costs 110201", "limit is 5000")
        assert_limit(gql.post(DEPTH_7), "depth", "7 levels")


def test_roles__a_permission_key_applies_to_users_with_that_permission(db):
    user = get_user_model().objects.create_user("limits-perm", "p@example.com", "pw")
    other = get_user_model().objects.create_user("limits-noperm", "n@example.com", "pw")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="demo", codename="view_partneraccount")
    )
    user = get_user_model().objects.get(pk=user.pk)  # fresh permission cache
    client = Client()
    client.force_login(user)
    with toolkit(QUERY_LIMITS_BY_ROLE={"demo.view_partneraccount": {"max_aliases": 16}}):
        assert limits_for(user).max_aliases == 16
        assert limits_for(other).max_aliases == 15
        data = GraphQLClient(client, user)(aliased_books(16))
    assert len(data) == 16


def test_roles__entries_apply_in_order_and_a_later_one_wins(db):
    staff = get_user_model().objects.create_user("limits-staff", is_staff=True)
    root = get_user_model().objects.create_superuser("limits-root", "r@example.com", "pw")
    plain = get_user_model().objects.create_user("limits-plain")
    by_role = {
        "superuser": {"max_depth": 12},
        "staff": {"max_depth": 10, "max_aliases": 30},
        "authenticated": {"max_depth": 8, "max_cost": 9000},
        "anonymous": {"max_depth": 4},
        "demo.view_book": {"max_depth": 9},
    }
    with toolkit(QUERY_LIMITS_BY_ROLE=by_role):
        assert limits_for(AnonymousUser()).max_depth == 4
        assert limits_for(None).max_depth == 4
        assert limits_for(plain).max_depth == 8
        assert (limits_for(staff).max_depth, limits_for(staff).max_cost) == (10, 9000)
        assert (limits_for(root).max_depth, limits_for(root).max_aliases) == (12, 30)


# -- maximum page sizes ---------------------------------------------------------------------------
def test_page_size__defaults_to_max_limit_and_follows_roles(db):
    staff = get_user_model().objects.create_user("limits-pages", is_staff=True)
    assert page_size_limit(AnonymousUser()) == 1000
    with toolkit(MAX_LIMIT=50, DEFAULT_LIMIT=20, QUERY_LIMITS_BY_ROLE={"anonymous": {"max_page_size": 10}}):
        assert page_size_limit(staff) == 50
        assert page_size_limit(AnonymousUser()) == 10
        assert limits_for(AnonymousUser()).default_limit == 10  # the default never exceeds the maximum
        assert limits_for(staff).default_limit == 20


def test_page_size__per_role_maximum_is_enforced(gql, staff_gql):
    with toolkit(QUERY_LIMITS_BY_ROLE={"anonymous": {"max_page_size": 5}}):
        result = gql.error("{ books(limit: 6) { id } }")
        assert result.error_code() == "BAD_USER_INPUT", result.body
        assert result.errors[0]["extensions"]["argument"] == "limit"
        assert "at most 5" in result.errors[0]["message"]
        assert ids(staff_gql("{ books(limit: 6) { id } }")["books"]) == book_pks()[:6]


# -- configuration checks -------------------------------------------------------------------------
def toolkit_messages(**options):
    with toolkit(**options):
        return [(m.id, m.msg) for m in checks.run_checks(tags=["toolkit"])]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"QUERY_LIMITS": {"max_dpeth": 3}},
            ("toolkit.E030", "TOOLKIT[\"QUERY_LIMITS\"] has an unknown key 'max_dpeth'."),
        ),
        (
            {"QUERY_LIMITS": {"max_cost": 0}},
            (
                "toolkit.E031",
                'TOOLKIT["QUERY_LIMITS"]["max_cost"] must be a positive integer or None (no limit), got 0.',
            ),
        ),
        (
            {"QUERY_LIMITS": {"max_batch": -1}},
            (
                "toolkit.E031",
                'TOOLKIT["QUERY_LIMITS"]["max_batch"] must be an integer >= 0 (0 refuses batches), got -1.',
            ),
        ),
        (
            {"QUERY_LIMITS": {"default_list_cost": None}},
            (
                "toolkit.E031",
                'TOOLKIT["QUERY_LIMITS"]["default_list_cost"] must be a positive integer, got None.',
            ),
        ),
        (
            {"QUERY_LIMITS_BY_ROLE": {"admins": {"max_depth": 9}}},
            ("toolkit.E032", "TOOLKIT[\"QUERY_LIMITS_BY_ROLE\"] has an unknown role 'admins'."),
        ),
        (
            {"QUERY_LIMITS_BY_ROLE": {"staff": {"max_depth": "9"}}},
            (
                "toolkit.E031",
                'TOOLKIT["QUERY_LIMITS_BY_ROLE"]["staff"]["max_depth"] must be a positive integer or None '
                "(no limit), got '9'.",
            ),
        ),
        (
            {"QUERY_LIMITS_BY_ROLE": {"staff": 9}},
            ("toolkit.E030", 'TOOLKIT["QUERY_LIMITS_BY_ROLE"]["staff"] must be a dict of limits, got 9.'),
        ),
    ],
)
def test_checks__bad_query_limits__are_reported(options, expected):
    assert toolkit_messages(**options) == [expected]


def test_checks__valid_query_limits__are_clean():
    assert (
        toolkit_messages(
            QUERY_LIMITS={"max_depth": None, "max_batch": 0, "max_page_size": 200},
            QUERY_LIMITS_BY_ROLE={
                "staff": {"max_depth": 10},
                "demo.view_book": {},
                "anonymous": {"max_cost": 100},
            },
        )
        == []
    )
