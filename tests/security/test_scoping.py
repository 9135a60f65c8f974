"""Row scoping holds on every path to the data.

The demo restricts two models: ``ReadingList`` (your own lists and public ones are readable, only
your own writable) and ``PartnerAccount`` (read policy ``view``: its view permission). The walk
tests introspect the live schema and build their queries from it — every root field (lists,
single lookups, pages, connections, aggregates with and without ``groupBy``), every relation of
every type to depth 2 with its ``<relation>Count``, and every filter that traverses relations to
a restricted model (``some``/``none``/``every``) — and run them as an anonymous user and as a
limited user (``reader-1``: logged in, no permissions). Whatever the path, a hidden row is never
returned, counted, grouped or detected through a filter, and every path agrees with the others.

Mutation lookups (update/delete, single and bulk, and nested links) use the ``change``/``delete``
scope: a row the caller may not change reads as not existing, and nothing is written.
"""

from __future__ import annotations

import datetime
import itertools
import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Permission
from django.db.models import Q
from django.test import override_settings
from graphql import (
    GraphQLSchema,
    get_named_type,
    get_nullable_type,
    is_abstract_type,
    is_enum_type,
    is_list_type,
)

import toolkit
from demo.models import Book, PartnerAccount, ReadingList, Review
from tests.conftest import GraphQLClient, ids
from toolkit.conf import config_fingerprint

RESTRICTED = ("ReadingList", "PartnerAccount")
WHEN = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
#: Relation levels below a root object that the walk selects (root -> relation -> relation):
#: every relation of a root row, and below it every relation that leads to a restricted model.
DEPTH = 2
#: Filtering or grouping on these is FORBIDDEN for non-staff (tests/security/test_visibility.py).
STAFF_ONLY_GROUPS = {("reviewsAggregate", "IP_ADDRESS"), ("reviewsAggregate", "REVIEWER_EMAIL")}


# -- callers --------------------------------------------------------------------------------------
@dataclass
class Caller:
    name: str
    client: GraphQLClient
    user: Any
    #: Whether the caller holds the partner accounts' view permission.
    sees_partners: bool = False

    @cached_property
    def visible_lists(self) -> set[int]:
        """Reading lists the demo's policy lets this caller read: public ones and their own."""
        own = Q(owner=self.user) if self.user.is_authenticated else Q(pk__in=[])
        return set(ReadingList.objects.filter(Q(is_public=True) | own).values_list("pk", flat=True))

    @cached_property
    def hidden_lists(self) -> set[int]:
        return set(ReadingList.objects.values_list("pk", flat=True)) - self.visible_lists

    @cached_property
    def _lists_by_book(self) -> dict[int, list[int]]:
        links = defaultdict(list)
        for book_id, list_id in ReadingList.books.through.objects.order_by("readinglist_id").values_list(
            "book_id", "readinglist_id"
        ):
            if list_id in self.visible_lists:
                links[book_id].append(list_id)
        return links

    def lists_of_book(self, book_id: int) -> list[int]:
        return self._lists_by_book.get(book_id, [])

    @cached_property
    def books_per_list(self) -> dict[int, int]:
        return {rl.pk: rl.books.count() for rl in ReadingList.objects.all()}


@pytest.fixture
def unlimited():
    """The walk sends wide documents (every relation at once): the query limits and the rate
    limits, tested on their own, are lifted so that only scoping decides the answers."""
    lifted = dict.fromkeys(("max_depth", "max_cost", "max_aliases", "max_tokens", "max_document_bytes"))
    with override_settings(TOOLKIT={**settings.TOOLKIT, "QUERY_LIMITS": lifted, "RATE_LIMITS": None}):
        yield


@pytest.fixture
def reader(db):
    return get_user_model().objects.get(username="reader-1")


@pytest.fixture
def other_reader(db):
    return get_user_model().objects.get(username="reader-2")


@pytest.fixture(params=["anonymous", "limited"])
def caller(request, gql, gql_as, reader, unlimited) -> Caller:
    if request.param == "anonymous":
        return Caller("anonymous", gql, AnonymousUser())
    return Caller("limited", gql_as(reader), reader)


def test_seeded_data__has_rows_hidden_from_each_caller(reader, other_reader):
    """The walk would prove nothing without hidden rows of every kind."""
    assert ReadingList.objects.filter(owner=reader, is_public=False).exists()
    assert ReadingList.objects.filter(owner=other_reader, is_public=False).exists()
    assert ReadingList.objects.filter(is_public=True).count() >= 2
    assert PartnerAccount.objects.count() >= 2
    assert all(rl.books.exists() for rl in ReadingList.objects.all())


# -- the schema walker ------------------------------------------------------------------------------
class Walker:
    """Queries built from the live schema's introspection."""

    def __init__(self, schema: GraphQLSchema, hidden_lists: set[int]) -> None:
        self.schema = schema
        self.hidden = sorted(hidden_lists)
        self.model_types: set[str] = set()
        for f in schema.query_type.fields.values():
            if list(f.args) == ["id"]:
                self.model_types |= self.concrete(get_named_type(f.type))

    def concrete(self, named: Any) -> set[str]:
        if is_abstract_type(named):
            return {t.name for t in self.schema.get_possible_types(named)}
        return {named.name}

    def is_relation(self, named: Any) -> bool:
        return bool(self.concrete(named)) and self.concrete(named) <= self.model_types

    def roots(self) -> dict[str, list[str]]:
        """Every root query field, by kind; a field of no known kind fails the walk."""
        kinds: dict[str, list[str]] = defaultdict(list)
        for name, f in self.schema.query_type.fields.items():
            named = get_named_type(f.type)
            if name in ("me", "mediaFile"):  # the caller's own things (mediaFile: tests/media/graphql)
                kinds["viewer"].append(name)
            elif named.name.endswith("Aggregate"):
                kinds["aggregate"].append(name)
            elif named.name.endswith("Page") and "items" in named.fields:
                kinds["page"].append(name)
            elif named.name.endswith("Connection") and "edges" in named.fields:
                kinds["connection"].append(name)
            elif is_list_type(get_nullable_type(f.type)) and self.is_relation(named):
                kinds["list"].append(name)
            elif list(f.args) == ["id"] and self.is_relation(named):
                kinds["lookup"].append(name)
            else:
                pytest.fail(f"the walk does not know the root field {name}: teach it")
        return kinds

    def selection(self, type_name: str, depth: int = 0, levels: int = DEPTH) -> str:
        """``id``, every relation (``levels`` deep) and every ``<relation>Count`` of a type."""
        named = self.schema.get_type(type_name)
        if is_abstract_type(named):
            branches = [
                f"... on {t} {{ {self.selection(t, depth, levels)} }}" for t in sorted(self.concrete(named))
            ]
            return "__typename " + " ".join(branches)
        parts = ["__typename", "id"]
        for name, f in named.fields.items():
            target = get_named_type(f.type)
            if self.is_relation(target):
                # Every relation of the type; below the first level only those that still lead
                # to a restricted model (the others were walked from their own roots).
                if depth < levels and (depth == 0 or self.reaches(target, levels - depth - 1)):
                    parts.append(f"{name} {{ {self.selection(target.name, depth + 1, levels)} }}")
                    if target.name in RESTRICTED and "where" in f.args:
                        parts.append(f"{name}Hidden: {name}(where: {self.hidden_where()}) {{ id }}")
            elif name.endswith("Count") and "where" in f.args:
                parts.append(name)
                related = get_named_type(f.args["where"].type).name.removesuffix("Where")
                if related in RESTRICTED:
                    parts.append(f"{name}Hidden: {name}(where: {self.hidden_where()})")
        return " ".join(parts)

    def reaches(self, named: Any, steps: int) -> bool:
        """Whether rows of ``named`` are, or lead within ``steps`` relations to, restricted rows."""
        if self.concrete(named) & set(RESTRICTED):
            return True
        if steps == 0:
            return False
        for type_name in self.concrete(named):
            for f in self.schema.get_type(type_name).fields.values():
                target = get_named_type(f.type)
                if self.is_relation(target) and self.reaches(target, steps - 1):
                    return True
        return False

    def hidden_where(self) -> str:
        listed = ", ".join(f'"{pk}"' for pk in self.hidden)
        return f"{{id: {{in: [{listed}]}}}}"

    def group_key_selection(self, key_type: Any) -> str:
        parts = []
        for name, f in key_type.fields.items():
            target = get_named_type(f.type)
            parts.append(
                f"{name} {{ {self.selection(target.name, DEPTH)} }}" if self.is_relation(target) else name
            )
        return " ".join(parts)

    def relation_paths(self, where_type: Any, depth: int = 1) -> list[list[tuple[str, str]]]:
        """Paths through relation filters (at most ``DEPTH`` relations) ending at a restricted model."""
        paths = []
        for name, f in where_type.fields.items():
            target = get_named_type(f.type)
            if name in ("AND", "OR", "NOT") or not target.name.endswith(("RelationFilter", "Where")):
                continue
            many = target.name.endswith("RelationFilter")
            related = target.name.removesuffix("RelationFilter" if many else "Where")
            kind = "many" if many else "one"
            if related in RESTRICTED:
                paths.append([(name, kind)])
            elif depth < DEPTH:
                inner = get_named_type(target.fields["some"].type) if many else target
                paths += [[(name, kind), *rest] for rest in self.relation_paths(inner, depth + 1)]
        return paths


def nest(path: list[tuple[str, str]], quantifier: str, condition: dict) -> dict:
    """``{rel1: {some: {rel2: {quantifier: condition}}}}`` for ``path`` [(rel1, many), (rel2, many)]."""
    *outer, (last, kind) = path
    value: dict = {last: {quantifier: condition} if kind == "many" else condition}
    for name, kind in reversed(outer):
        value = {name: {"some": value} if kind == "many" else value}
    return value


@dataclass
class Seen:
    """Rows met during a walk, by GraphQL type name."""

    rows: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    checked_counts: int = 0


def inspect(node: Any, caller: Caller, seen: Seen, path: str = "") -> None:
    """Record every row of a response and check the per-row invariants on the way."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            inspect(item, caller, seen, f"{path}[{i}]")
        return
    if not isinstance(node, dict):
        return
    type_name = node.get("__typename")
    if type_name and "id" in node:
        seen.rows[type_name].add(int(node["id"]))
    for key, value in node.items():
        where = f"{path}.{key}"
        if key.endswith("Hidden"):
            assert value in (0, []), f"{caller.name}: {where} found hidden rows: {value}"
        elif key.endswith("Count") and isinstance(node.get(key.removesuffix("Count")), list):
            assert value == len(node[key.removesuffix("Count")]), (
                f"{caller.name}: {where} disagrees with its list"
            )
            seen.checked_counts += 1
    if type_name in ("Book", "PublishedBook") and "readingLists" in node:
        assert ids(node["readingLists"]) == caller.lists_of_book(int(node["id"])), f"{caller.name}: {path}"
    if type_name == "ReadingList" and "booksCount" in node:
        assert node["booksCount"] == caller.books_per_list[int(node["id"])]
    for key, value in node.items():
        inspect(value, caller, seen, f"{path}.{key}")


#: Walk requests carry a request id (an extra header): the suite's optimizer cross-check skips
#: them, since it would double the walk's time and the walk checks its answers itself.
WALK_HEADERS = {"HTTP_X_REQUEST_ID": "scoping-walk"}


def post(caller: Caller, query: str, variables: dict | None = None) -> Any:
    return caller.client.post(query, variables, **WALK_HEADERS)


def run(caller: Caller, query: str, variables: dict | None = None) -> Any:
    result = post(caller, query, variables)
    assert result.status == 200 and not result.errors, (caller.name, query[:300], result.body)
    return result.data


def assert_scoped(caller: Caller, seen: Seen, where: str) -> None:
    lists = seen.rows.get("ReadingList", set())
    assert lists <= caller.visible_lists, f"{caller.name} reached hidden reading lists via {where}"
    if not caller.sees_partners:
        assert not seen.rows.get("PartnerAccount"), f"{caller.name} reached partner accounts via {where}"


# -- the walk ---------------------------------------------------------------------------------------
_walks: dict[tuple, tuple[dict[str, set[int]], Seen]] = {}


def walk_collections(caller: Caller) -> tuple[Walker, dict[str, set[int]], Seen]:
    """Every root list with every relation to depth 2, every page and connection with every
    relation (their relations below are the same fields the lists walk); returns the ids each root
    list returned (by root field) and every row met. The seeded rows do not change, so one walk
    per caller and configuration serves every test of the module."""
    walker = Walker(toolkit.get_schema().graphql_schema, caller.hidden_lists)
    key = (caller.name, config_fingerprint())
    if key not in _walks:
        _walks[key] = _walk_collections(caller, walker)
    by_root, seen = _walks[key]
    return (
        walker,
        by_root,
        Seen(defaultdict(set, {k: set(v) for k, v in seen.rows.items()}), seen.checked_counts),
    )


def _walk_collections(caller: Caller, walker: Walker) -> tuple[dict[str, set[int]], Seen]:
    roots = walker.roots()
    seen = Seen()
    by_root: dict[str, set[int]] = {}
    for name in roots["list"]:
        selection = walker.selection(get_named_type(walker.schema.query_type.fields[name].type).name)
        data = run(caller, f"{{ {name} {{ {selection} }} }}")[name]
        inspect(data, caller, seen, name)
        assert_scoped(caller, seen, name)
        by_root[name] = set(ids(data))
    for name in roots["page"]:
        item_type = get_named_type(
            get_named_type(walker.schema.query_type.fields[name].type).fields["items"].type
        )
        selection = walker.selection(item_type.name, levels=1)
        data = run(caller, f"{{ {name} {{ totalCount pageCount items {{ {selection} }} }} }}")[name]
        inspect(data["items"], caller, seen, name)
        assert_scoped(caller, seen, name)
        plural = name.removesuffix("Page")
        assert set(ids(data["items"])) == by_root[plural], f"{caller.name}: {name} and {plural} disagree"
        assert data["totalCount"] == len(by_root[plural]) and data["pageCount"] == (
            1 if by_root[plural] else 0
        )
    for name in roots["connection"]:
        conn = get_named_type(walker.schema.query_type.fields[name].type)
        node_type = get_named_type(get_named_type(conn.fields["edges"].type).fields["node"].type)
        selection = walker.selection(node_type.name, levels=1)
        query = f"{{ {name} {{ totalCount edges {{ cursor node {{ {selection} }} }} }} }}"
        data = run(caller, query)[name]
        nodes = [edge["node"] for edge in data["edges"]]
        inspect(nodes, caller, seen, name)
        assert_scoped(caller, seen, name)
        plural = name.removesuffix("Connection")
        assert set(ids(nodes)) == by_root[plural], f"{caller.name}: {name} and {plural} disagree"
        assert data["totalCount"] == len(by_root[plural])
    return by_root, seen


def test_walk__lists_pages_and_connections_with_every_relation_never_reach_a_hidden_row(caller):
    walker, by_root, seen = walk_collections(caller)
    assert by_root["readingLists"] == caller.visible_lists
    assert by_root["partnerAccounts"] == set()
    # Every visible list was reached, through the root and through Book.readingLists.
    assert seen.rows["ReadingList"] == caller.visible_lists
    assert len(walker.roots()["list"]) >= 15 and seen.checked_counts > 100


def test_walk__without_the_query_planner__the_same_rows(caller):
    """The planner (select/prefetch_related from the selection) is one more path to the rows: the
    lazy resolvers without it must scope the same way and return the same rows."""
    _, planned, _ = walk_collections(caller)
    with override_settings(TOOLKIT={**settings.TOOLKIT, "OPTIMIZER": False}):
        _, unplanned, seen = walk_collections(caller)
    assert unplanned == planned
    assert seen.rows["ReadingList"] == caller.visible_lists


def test_walk__single_lookups_find_visible_rows_and_not_hidden_ones(caller):
    """Every lookup root field, for every row its list returns (with every relation), and for
    every restricted row: a hidden one is NOT_FOUND, worded exactly like a row that does not exist."""
    walker, by_root, seen = walk_collections(caller)
    query_type = walker.schema.query_type
    for name in walker.roots()["lookup"]:
        named = get_named_type(query_type.fields[name].type)
        plural = next(p for p in walker.roots()["list"] if get_named_type(query_type.fields[p].type) == named)
        wanted = sorted(by_root[plural])
        hidden: list[int] = []
        if named.name == "ReadingList":
            hidden = sorted(caller.hidden_lists)
        elif named.name == "PartnerAccount":
            hidden = sorted(PartnerAccount.objects.values_list("pk", flat=True))
        missing = 10**9
        aliases = {f"r{pk}": pk for pk in [*wanted, *hidden, missing]}
        selection = walker.selection(named.name, levels=1)
        lookups = " ".join(f'{a}: {name}(id: "{pk}") {{ {selection} }}' for a, pk in aliases.items())
        query = f"{{ {lookups} }}"
        result = post(caller, query)
        assert result.status == 200
        data = result.data
        for alias in (f"r{pk}" for pk in wanted):
            assert data[alias] is not None and int(data[alias]["id"]) == aliases[alias], (name, alias)
        inspect([data[f"r{pk}"] for pk in wanted], caller, seen, name)
        assert_scoped(caller, seen, name)
        errors = {e["path"][0]: e for e in result.errors}
        assert set(errors) == {f"r{pk}" for pk in [*hidden, missing]}, (name, result.errors)
        for alias, error in errors.items():
            assert data[alias] is None
            assert error["extensions"]["code"] == "NOT_FOUND"
            assert error["message"].replace(str(aliases[alias]), "N") == errors[f"r{missing}"][
                "message"
            ].replace(str(missing), "N")


def test_walk__aggregates_count_and_group_only_visible_rows(caller):
    walker, by_root, seen = walk_collections(caller)
    query_type = walker.schema.query_type
    forbidden = set()
    for name in walker.roots()["aggregate"]:
        plural = name.removesuffix("Aggregate")
        count = run(caller, f"{{ {name} {{ count }} }}")[name]["count"]
        assert count == len(by_root[plural]), f"{caller.name}: {name} counts rows {plural} does not return"
        hidden = run(caller, f"{{ {name}(where: {walker.hidden_where()}) {{ count }} }}")[name]["count"]
        if plural == "readingLists":
            assert hidden == 0
        if "groupBy" not in query_type.fields[name].args:
            continue
        enum = get_named_type(query_type.fields[name].args["groupBy"].type)
        assert is_enum_type(enum)
        group_type = get_named_type(get_named_type(query_type.fields[name].type).fields["groups"].type)
        keys = walker.group_key_selection(get_named_type(group_type.fields["key"].type))
        for value in enum.values:
            result = post(
                caller, f"{{ {name}(groupBy: [{value}]) {{ count groups {{ count key {{ {keys} }} }} }} }}"
            )
            if result.errors:
                assert result.codes == ["FORBIDDEN"], result.body
                forbidden.add((name, value))
                continue
            data = result.data[name]
            assert data["count"] == count and sum(g["count"] for g in data["groups"]) == count, (name, value)
            inspect(data["groups"], caller, seen, f"{name}({value})")
            assert_scoped(caller, seen, f"{name}(groupBy: [{value}])")
    assert forbidden == STAFF_ONLY_GROUPS


def test_walk__reading_list_groups_hold_only_visible_lists(caller):
    data = run(
        caller, "{ readingListsAggregate(groupBy: [IS_PUBLIC]) { count groups { key { isPublic } count } } }"
    )
    visible = ReadingList.objects.filter(pk__in=caller.visible_lists)
    expected = [
        {"key": {"isPublic": flag}, "count": visible.filter(is_public=flag).count()}
        for flag in (False, True)
        if visible.filter(is_public=flag).exists()
    ]
    assert data["readingListsAggregate"] == {"count": len(caller.visible_lists), "groups": expected}
    empty = run(caller, "{ partnerAccountsAggregate(groupBy: [IS_ACTIVE]) { count groups { count } } }")
    assert empty == {"partnerAccountsAggregate": {"count": 0, "groups": []}}


def test_walk__relation_filters_cannot_detect_hidden_rows(caller):
    """For every root and every filter path (up to two relations deep) to a reading list, a
    condition that matches only hidden lists behaves exactly like one that matches nothing —
    with some, none and every, in lists and in aggregates."""
    walker = Walker(toolkit.get_schema().graphql_schema, caller.hidden_lists)
    query_type = walker.schema.query_type
    hidden = {"id": {"in": [str(pk) for pk in walker.hidden]}}
    nothing = {"id": {"in": []}}
    pairs = {"some": (hidden, nothing), "none": (hidden, nothing), "every": ({"NOT": hidden}, {})}
    checked = 0
    for name in walker.roots()["list"]:
        where_type = get_named_type(query_type.fields[name].args["where"].type)
        aggregate = f"{name}Aggregate" if f"{name}Aggregate" in query_type.fields else None
        for path in walker.relation_paths(where_type):
            quantifiers = pairs if path[-1][1] == "many" else {"one": (hidden, nothing)}
            variables, fields = {}, []
            for quantifier, (with_hidden, with_nothing) in quantifiers.items():
                for tag, condition in (("h", with_hidden), ("n", with_nothing)):
                    var = f"{tag}_{quantifier}"
                    variables[var] = (
                        nest(path, quantifier, condition)
                        if quantifier != "one"
                        else nest(path, "", condition)
                    )
                    fields.append(f"{var}: {name}(where: ${var}) {{ id }}")
                    if aggregate:
                        fields.append(f"{var}_count: {aggregate}(where: ${var}) {{ count }}")
            declared = ", ".join(f"${v}: {where_type.name}" for v in variables)
            data = run(caller, f"query({declared}) {{ {' '.join(fields)} }}", variables)
            for quantifier in quantifiers:
                what = f"{caller.name}: {name} where {'.'.join(p for p, _ in path)} {quantifier}"
                assert data[f"h_{quantifier}"] == data[f"n_{quantifier}"], what
                if aggregate:
                    assert data[f"h_{quantifier}_count"] == data[f"n_{quantifier}_count"], what
                checked += 1
    assert checked >= 30, checked


def test_relation_filter__matches_only_the_callers_own_private_lists(caller):
    """Positive control: a condition on private lists finds the books of the caller's own ones."""
    where = {"readingLists": {"some": {"isPublic": {"eq": False}}}}
    own_private = ReadingList.objects.filter(pk__in=caller.visible_lists, is_public=False)
    expected = sorted(set(Book.objects.filter(reading_lists__in=own_private).values_list("pk", flat=True)))
    data = run(caller, "query($w: BookWhere) { books(where: $w, orderBy: {id: ASC}) { id } }", {"w": where})
    assert ids(data["books"]) == expected
    assert (caller.name == "anonymous") == (expected == [])
    none_private = run(
        caller,
        "query($w: BookWhere) { booksAggregate(where: $w) { count } }",
        {"w": {"readingLists": {"none": {"isPublic": {"eq": False}}}}},
    )
    assert none_private["booksAggregate"]["count"] == Book.objects.count() - len(expected)


def test_partner_accounts__are_filtered_out_of_every_collection(caller):
    for query, empty in (
        ('{ partnerAccounts(where: {name: {startsWith: "Partner"}}) { id } }', {"partnerAccounts": []}),
        ("{ partnerAccountsPage { totalCount items { id } } }", {"partnerAccountsPage": {"totalCount": 0, "items": []}}),
        ("{ partnerAccountsConnection { totalCount edges { node { id } } } }",
         {"partnerAccountsConnection": {"totalCount": 0, "edges": []}}),
    ):  # fmt: skip
        assert run(caller, query) == empty


# -- positive controls: the same walk with permission sees everything ----------------------------------
def test_walk__owner_reaches_their_private_list_and_partner_viewer_every_account(gql_as, reader, unlimited):
    reader.user_permissions.add(
        Permission.objects.get(codename="view_partneraccount", content_type__app_label="demo")
    )
    reader = get_user_model().objects.get(pk=reader.pk)  # no stale permission cache
    caller = Caller("partner viewer", gql_as(reader), reader, sees_partners=True)
    _, by_root, seen = walk_collections(caller)
    assert ReadingList.objects.get(owner=reader, is_public=False).pk in by_root["readingLists"]
    assert seen.rows["PartnerAccount"] == set(PartnerAccount.objects.values_list("pk", flat=True))
    every_partner = set(PartnerAccount.objects.values_list("pk", flat=True))
    assert by_root["partnerAccounts"] == every_partner
    assert run(caller, "{ partnerAccountsAggregate { count } }") == {
        "partnerAccountsAggregate": {"count": len(every_partner)}
    }
    pk = min(every_partner)
    assert run(caller, f'{{ partnerAccount(id: "{pk}") {{ id }} }}') == {"partnerAccount": {"id": str(pk)}}


# -- mutation lookups ---------------------------------------------------------------------------------
@pytest.fixture
def writer(reader):
    """reader-1 with every add/change/delete permission of the demo, but not the partner accounts'
    view permission, and not staff."""
    perms = Permission.objects.filter(content_type__app_label="demo").exclude(codename__startswith="view_")
    reader.user_permissions.add(*perms)
    return get_user_model().objects.get(pk=reader.pk)


def row_state(model) -> list[tuple]:
    return list(model._base_manager.order_by("pk").values_list())


UPDATE_INPUTS = {
    "ReadingList": '{name: "hijacked"}',
    "PartnerAccount": '{name: "hijacked"}',
    "Review": '{title: "hijacked"}',
}
MODELS = {"ReadingList": ReadingList, "PartnerAccount": PartnerAccount, "Review": Review}


def unreachable_for_change(type_name: str, user) -> list[int]:
    """Rows of ``type_name`` that ``user`` (not staff) may not change."""
    if type_name == "ReadingList":
        return sorted(ReadingList.objects.exclude(owner=user).values_list("pk", flat=True))
    if type_name == "Review":
        return sorted(Review.objects.exclude(user=user).values_list("pk", flat=True))[:3]
    return sorted(PartnerAccount.objects.values_list("pk", flat=True))


@pytest.mark.parametrize("type_name", ["ReadingList", "PartnerAccount", "Review"])
def test_mutation_lookups__rows_the_caller_may_not_change_read_as_missing(
    gql_as, writer, unlimited, type_name
):
    """update, delete, bulkUpdate and bulkDelete of a row outside the caller's change/delete
    scope: the same ``does_not_exist`` error as a row that does not exist, and nothing changes."""
    client = gql_as(writer)
    model = MODELS[type_name]
    names = {
        f"update{type_name}", f"delete{type_name}",
        *(n for n in toolkit.get_schema().graphql_schema.mutation_type.fields if n.startswith(("bulkUpdate", "bulkDelete")) and n.endswith(type_name + "s")),
    }  # fmt: skip
    assert len(names) == 4, names
    before = row_state(model)
    targets = unreachable_for_change(type_name, writer)
    assert targets
    missing = 10**9
    for pk in [*targets, missing]:
        update = client(
            f'mutation {{ update{type_name}(id: "{pk}", input: {UPDATE_INPUTS[type_name]}) {{ ok errors {{ field code messages }} }} }}'
        )
        delete = client(
            f'mutation {{ delete{type_name}(id: "{pk}") {{ ok deletedId errors {{ field code messages }} }} }}'
        )
        for payload in (update[f"update{type_name}"], delete[f"delete{type_name}"]):
            assert payload["ok"] is False
            assert [(e["field"], e["code"]) for e in payload["errors"]] == [("id", "does_not_exist")]
            assert payload["errors"][0]["messages"] == [f"{type_name} with id '{pk}' does not exist."]
    bulk_update = next(n for n in names if n.startswith("bulkUpdate"))
    bulk_delete = next(n for n in names if n.startswith("bulkDelete"))
    id_list = json.dumps([str(pk) for pk in targets])
    items = ", ".join(f'{{id: "{pk}", input: {UPDATE_INPUTS[type_name]}}}' for pk in targets)
    data = client(
        f"mutation {{ {bulk_update}(items: [{items}]) {{ ok results {{ ok errors {{ code }} }} }} }}"
    )
    assert data[bulk_update]["ok"] is False
    assert {e["code"] for r in data[bulk_update]["results"] for e in r["errors"]} == {"does_not_exist"}
    data = client(f"mutation {{ {bulk_delete}(ids: {id_list}) {{ ok deletedIds errors {{ code }} }} }}")
    assert data[bulk_delete]["ok"] is False and not data[bulk_delete]["deletedIds"]
    assert {e["code"] for e in data[bulk_delete]["errors"]} == {"does_not_exist"}
    assert row_state(model) == before


def test_mutation_lookups__own_rows_are_reachable(gql_as, writer):
    """Control: the same writer changes and deletes their own list and their own review."""
    own = ReadingList.objects.get(owner=writer, is_public=False)
    client = gql_as(writer)
    data = client(
        f'mutation {{ updateReadingList(id: "{own.pk}", input: {{name: "mine"}}) {{ ok readingList {{ name }} }} }}'
    )
    assert data == {"updateReadingList": {"ok": True, "readingList": {"name": "mine"}}}
    review = Review.objects.create(
        book=Book.objects.first(), user=writer, reviewer_name="me", rating=4, created_at=WHEN
    )
    data = client(
        f'mutation {{ updateReview(id: "{review.pk}", input: {{title: "edited"}}) {{ ok review {{ title }} }} }}'
    )
    assert data == {"updateReview": {"ok": True, "review": {"title": "edited"}}}
    assert client(f'mutation {{ deleteReview(id: "{review.pk}") {{ ok }} }}') == {
        "deleteReview": {"ok": True}
    }
    assert client(f'mutation {{ deleteReadingList(id: "{own.pk}") {{ ok }} }}') == {
        "deleteReadingList": {"ok": True}
    }
    assert not ReadingList.objects.filter(pk=own.pk).exists()


def test_reviews__anyone_reads_them_only_their_writer_or_staff_changes_them(
    gql, gql_as, writer, other_reader
):
    review = Review.objects.create(
        book=Book.objects.first(), user=other_reader, reviewer_name="two", rating=2, created_at=WHEN
    )
    assert gql(f'{{ review(id: "{review.pk}") {{ id }} }}') == {"review": {"id": str(review.pk)}}
    refused = gql_as(writer)(
        f'mutation {{ updateReview(id: "{review.pk}", input: {{rating: 1}}) {{ ok errors {{ code }} }} }}'
    )
    assert refused == {"updateReview": {"ok": False, "errors": [{"code": "does_not_exist"}]}}
    staff = get_user_model().objects.create_user("review-staff", "rs@example.com", "pw", is_staff=True)
    staff.user_permissions.add(
        Permission.objects.get(codename="change_review", content_type__app_label="demo")
    )
    done = gql_as(staff)(
        f'mutation {{ updateReview(id: "{review.pk}", input: {{rating: 1}}) {{ ok review {{ rating }} }} }}'
    )
    assert done == {"updateReview": {"ok": True, "review": {"rating": 1}}}
    review.refresh_from_db()
    assert review.rating == 1 and review.user == other_reader  # the writer stays the writer


def test_nested_links__cannot_reach_other_users_lists(gql_as, writer, other_reader):
    """Linking a book to someone else's list (private or public) through Book's input is refused;
    ``set`` replaces only the links the caller could remove one by one."""
    client = gql_as(writer)
    theirs_private = ReadingList.objects.get(owner=other_reader, is_public=False)
    theirs_public = ReadingList.objects.get(owner=other_reader, is_public=True)
    mine = ReadingList.objects.get(owner=writer, is_public=False)
    book = theirs_private.books.first()
    links_before = sorted(book.reading_lists.values_list("pk", flat=True))
    for op, target in itertools.product(("add", "remove", "set"), (theirs_private, theirs_public)):
        data = client(
            f'mutation {{ updateBook(id: "{book.pk}", input: {{readingLists: {{{op}: ["{target.pk}"]}}}}) '
            "{ ok errors { field code } } }"
        )
        assert data["updateBook"]["ok"] is False, (op, target)
        assert data["updateBook"]["errors"] == [
            {"field": f"readingLists.{op}.0", "code": "does_not_exist"}
        ], data
    assert sorted(book.reading_lists.values_list("pk", flat=True)) == links_before
    data = client(
        f'mutation {{ updateBook(id: "{book.pk}", input: {{readingLists: {{set: ["{mine.pk}"]}}}}) '
        "{ ok book { readingLists { id } readingListsCount } } }"
    )
    own = set(ReadingList.objects.filter(owner=writer).values_list("pk", flat=True))
    after = (set(links_before) - own) | {mine.pk}
    visible = sorted(
        after
        & set(ReadingList.objects.filter(Q(is_public=True) | Q(owner=writer)).values_list("pk", flat=True))
    )
    assert data["updateBook"]["ok"] is True
    assert ids(data["updateBook"]["book"]["readingLists"]) == visible
    assert data["updateBook"]["book"]["readingListsCount"] == len(visible)
    # Other users' links, private ones included, are untouched.
    assert theirs_private.books.filter(pk=book.pk).exists()
    assert set(book.reading_lists.values_list("pk", flat=True)) == after


def test_mutation_payloads__are_scoped_like_queries(gql_as, writer, other_reader):
    """What a mutation returns goes through the same scoping as a query."""
    private = ReadingList.objects.get(owner=other_reader, is_public=False)
    book = private.books.first()
    data = gql_as(writer)(
        f'mutation {{ updateBook(id: "{book.pk}", input: {{edition: 9}}) {{ ok book {{ readingLists {{ id }} readingListsCount '
        f'hidden: readingListsCount(where: {{id: {{eq: "{private.pk}"}}}}) }} }} }}'
    )
    payload = data["updateBook"]
    assert payload["ok"] is True and payload["book"]["hidden"] == 0
    assert private.pk not in ids(payload["book"]["readingLists"])
    assert payload["book"]["readingListsCount"] == len(payload["book"]["readingLists"])
