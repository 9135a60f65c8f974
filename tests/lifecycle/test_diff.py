"""Diff classification: every change kind between two small SDL fixtures, and the renderings."""

from __future__ import annotations

import json

import pytest
from graphql import build_schema

from toolkit.lifecycle.diff import Criticality, change_path, diff_schemas
from toolkit.lifecycle.render import diff_json, diff_markdown, diff_text

B, D, S = "breaking", "dangerous", "safe"

#: (kind, path, criticality) of every change from fixtures/old.graphql to fixtures/new.graphql.
EXPECTED = {
    # graphql-core's breaking changes
    ("TYPE_REMOVED", "Magazine", B),
    ("TYPE_CHANGED_KIND", "Money", B),
    ("TYPE_REMOVED_FROM_UNION", "SearchResult.Magazine", B),
    ("VALUE_REMOVED_FROM_ENUM", "Status.ARCHIVED", B),
    ("REQUIRED_INPUT_FIELD_ADDED", "BookFilter.author", B),
    ("IMPLEMENTED_INTERFACE_REMOVED", "Author", B),
    ("FIELD_REMOVED", "Book.subtitle", B),
    ("FIELD_CHANGED_KIND", "Book.title", B),
    ("REQUIRED_ARG_ADDED", "Book.reviews.after", B),
    ("ARG_REMOVED", "Book.reviews.minRating", B),
    ("ARG_CHANGED_KIND", "Book.reviews.sort", B),
    ("DIRECTIVE_REMOVED", "@gone", B),
    ("DIRECTIVE_ARG_REMOVED", "@cached.scope", B),
    ("REQUIRED_DIRECTIVE_ARG_ADDED", "@cached.region", B),
    ("DIRECTIVE_REPEATABLE_REMOVED", "@cached", B),
    ("DIRECTIVE_LOCATION_REMOVED", "@cached", B),
    # graphql-core's dangerous changes
    ("VALUE_ADDED_TO_ENUM", "Status.RETIRED", D),
    ("TYPE_ADDED_TO_UNION", "SearchResult.Comic", D),
    ("OPTIONAL_INPUT_FIELD_ADDED", "BookFilter.year", D),
    ("IMPLEMENTED_INTERFACE_ADDED", "Book", D),
    ("ARG_DEFAULT_VALUE_CHANGE", "Book.reviews.first", D),
    # removing what was already deprecated: dangerous, not breaking
    ("DEPRECATED_FIELD_REMOVED", "Book.isbn", D),
    ("DEPRECATED_ENUM_VALUE_REMOVED", "Status.OLD", D),
    ("DEPRECATED_ARG_REMOVED", "Book.reviews.legacy", D),
    # our safe set
    ("OPTIONAL_ARG_ADDED", "Book.reviews.lang", S),
    ("VALUE_ADDED_TO_ENUM", "SortField.AUTHOR", S),
    ("TYPE_ADDED", "Comic", S),
    ("FIELD_ADDED", "Book.language", S),
    ("FIELD_ADDED", "Book.name", S),
    ("DIRECTIVE_ADDED", "@internal", S),
    ("DESCRIPTION_CHANGED", "Book", S),
    ("DESCRIPTION_CHANGED", "Book.pages", S),
    ("DEPRECATION_ADDED", "Book.price", S),
    ("DEPRECATION_REMOVED", "Book.legacyCode", S),
    ("DEPRECATION_REASON_CHANGED", "Book.notes", S),
}


@pytest.fixture(scope="module")
def diff():
    from tests.lifecycle.conftest import FIXTURES

    old = build_schema((FIXTURES / "old.graphql").read_text())
    new = build_schema((FIXTURES / "new.graphql").read_text())
    return diff_schemas(old, new, "old.graphql", "new.graphql")


def test_diff__classifies_every_change_kind_exactly(diff):
    found = {(c.kind, c.path, c.criticality.value) for c in diff.changes}
    assert found - EXPECTED == set(), "unexpected changes"
    assert EXPECTED - found == set(), "missing changes"
    assert len(diff.changes) == len(EXPECTED)


@pytest.mark.parametrize(("kind", "path", "criticality"), sorted(EXPECTED))
def test_diff__change_kind(diff, kind, path, criticality):
    matches = [c for c in diff.changes if c.kind == kind and c.path == path]
    assert len(matches) == 1 and matches[0].criticality.value == criticality
    assert matches[0].message.endswith((".", ")")) or ":" in matches[0].message


def test_diff__removing_a_deprecated_field_says_why_it_is_only_dangerous(diff):
    change = next(c for c in diff.changes if c.path == "Book.isbn")
    assert change.message == "Book.isbn was removed (it was deprecated: Use isbn13.)."


def test_diff__orders_most_critical_first_and_counts(diff):
    ranks = [c.criticality.rank for c in diff.changes]
    assert ranks == sorted(ranks, reverse=True)
    assert diff.counts == {"breaking": 16, "dangerous": 8, "safe": 11}


@pytest.mark.parametrize(
    ("sdl_old", "sdl_new", "level", "reached"),
    [
        ("type Query { a: Int }", "type Query { a: Int b: Int }", "any", True),
        ("type Query { a: Int }", "type Query { a: Int b: Int }", "dangerous", False),
        ("type Query { a: Int }", "type Query { a: Int b: Int }", "breaking", False),
        ("type Query { a(x: Int = 1): Int }", "type Query { a(x: Int = 2): Int }", "dangerous", True),
        ("type Query { a(x: Int = 1): Int }", "type Query { a(x: Int = 2): Int }", "breaking", False),
        ("type Query { a: Int b: Int }", "type Query { a: Int }", "breaking", True),
        ("type Query { a: Int }", "type Query { a: Int }", "any", False),
    ],
)
def test_diff__reaches_a_fail_level(sdl_old, sdl_new, level, reached):
    assert diff_schemas(build_schema(sdl_old), build_schema(sdl_new)).reaches(level) is reached


def test_diff__identical_schemas_have_no_changes():
    schema = build_schema("type Query { a: Int }")
    assert diff_schemas(schema, schema).changes == []


def test_diff__enum_value_added_to_an_enum_used_in_output_and_input_is_dangerous():
    old = build_schema("enum E { A } type Query { e(x: E): E }")
    new = build_schema("enum E { A B } type Query { e(x: E): E }")
    [change] = diff_schemas(old, new).changes
    assert (change.kind, change.criticality) == ("VALUE_ADDED_TO_ENUM", Criticality.DANGEROUS)


def test_change_path__unknown_kind_or_text_gives_an_empty_path():
    assert change_path("NOT_A_KIND", "whatever") == ""
    assert change_path("FIELD_REMOVED", "something else") == ""


def test_render__json_has_counts_and_every_change(diff):
    payload = json.loads(diff_json(diff))
    assert payload["old"] == "old.graphql" and payload["counts"] == diff.counts
    assert {"kind": "FIELD_REMOVED", "path": "Book.subtitle", "message": "Book.subtitle was removed.",
            "criticality": "breaking"} in payload["changes"]  # fmt: skip


def test_render__markdown_has_one_table_per_criticality(diff):
    text = diff_markdown(diff)
    assert text.startswith("## Schema changes: old.graphql → new.graphql")
    assert "### Breaking (16)" in text and "### Dangerous (8)" in text and "### Safe (11)" in text
    assert "| `FIELD_REMOVED` | `Book.subtitle` | Book.subtitle was removed. |" in text


def test_render__text_groups_by_criticality(diff):
    text = diff_text(diff)
    assert text.splitlines()[0] == (
        "35 change(s) from old.graphql to new.graphql: 16 breaking, 8 dangerous, 11 safe."
    )
    assert "BREAKING (16)" in text and "SAFE (11)" in text
