"""Error classification: every rejected argument names itself, literal or variable."""

from __future__ import annotations

from unittest.mock import ANY


def test_invalid_variable_names_the_argument_it_feeds(gql):
    result = gql.post(
        "query($o: [BookOrderBy!], $w: BookWhere) { books(orderBy: $o, limit: 1) { id } x: books(where: $w) { id } }",
        {"o": [{"apiToken": "ASC"}], "w": {"price": {"eq": "x"}}},
    )
    assert result.status == 400
    assert [(e["extensions"]["code"], e["extensions"]["argument"]) for e in result.errors] == [
        ("BAD_USER_INPUT", "orderBy"),
        ("BAD_USER_INPUT", "where"),
    ]
    assert "$o" in result.errors[0]["message"] and "apiToken" in result.errors[0]["message"]


def test_invalid_literal_inside_a_nested_field_names_the_root_argument(gql):
    result = gql.error('{ publishers { books(where: {price: {gt: "cheap"}}) { id } } }')
    assert result.status == 400
    assert result.errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "where", "requestId": ANY}
    assert result.errors[0]["message"].startswith("Invalid value of argument 'where': ")


def test_bad_variable_default_names_the_variable(gql):
    result = gql.error('query($w: BookWhere = {price: {eq: "x"}}) { books(where: $w) { id } }')
    assert result.status == 400
    assert result.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert result.errors[0]["extensions"]["argument"] == "$w"


def test_database_rejection_is_bad_user_input_not_internal(gql, settings):
    """A value the database cannot use becomes BAD_USER_INPUT with a generic message."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return  # SQLite compares anything; PostgreSQL rejects a regex it cannot compile
    settings.TOOLKIT = {"APPS": ["demo"], "MODELS": {"demo.Book": {"regex_fields": ["title"]}}}
    result = gql.error('{ books(where: {title: {regex: "(?<=a)b(?P<x>c)"}}) { id } }')
    assert result.errors[0]["extensions"]["code"] in ("BAD_USER_INPUT",)
    assert "postgres" not in result.errors[0]["message"].lower()
