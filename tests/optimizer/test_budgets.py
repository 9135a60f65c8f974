"""Bounded work and what it costs: budgets, DEBUG figures, the query budget helper, documents."""

from __future__ import annotations

import logging

import pytest
from _pytest.outcomes import Failed
from django.db import connection

from toolkit import optimizer
from toolkit.testing import query_budget

NESTED = "{ books(limit: 12) { title reviews { rating } authors { name } } }"


def test_debug__responses_carry_sql_figures_and_timings(gql, settings):
    settings.DEBUG = True
    result = gql.post(NESTED, check=False)
    debug = result.body["extensions"]["debug"]
    assert debug["sql"]["count"] >= 3 and debug["sql"]["timeMs"] >= 0
    assert debug["timings"]["totalMs"] > 0
    assert "statements" not in debug["sql"]
    settings.TOOLKIT = {**settings.TOOLKIT, "DEBUG_SQL": True}
    statements = gql.post(NESTED, check=False).body["extensions"]["debug"]["sql"]["statements"]
    assert any("demo_review" in sql for sql in statements)


def test_without_debug__no_extensions(gql):
    assert "extensions" not in gql.post(NESTED, check=False).body


def test_debug_warning__names_the_resolver_paths(gql, settings, caplog):
    settings.DEBUG = True
    settings.TOOLKIT = {**settings.TOOLKIT, "DEBUG_QUERY_WARNING": 3}
    with optimizer.disabled(), caplog.at_level(logging.WARNING, logger="toolkit.views"):
        gql.post(NESTED, check=False)
    warning = "\n".join(r.getMessage() for r in caplog.records if r.name == "toolkit.views")
    assert "budget 3" in warning and "books[].reviews" in warning and "books[].authors" in warning


def test_query_budget__passes_within_and_names_the_paths_over(gql):
    with query_budget(3):
        gql.post(NESTED, check=False)
    with pytest.raises(Failed) as failure, query_budget(3), optimizer.disabled():
        gql.post(NESTED, check=False)
    message = str(failure.value)
    assert "books[].reviews" in message and "books[].authors" in message and "budget 3" in message


def test_operation_budget__over_it_is_a_timeout_error(gql, settings):
    settings.TOOLKIT = {**settings.TOOLKIT, "OPERATION_TIMEOUT": 1e-9}
    result = gql.post(NESTED, check=False)
    assert result.codes == ["TIMEOUT"]
    assert "took longer" in result.errors[0]["message"]


def test_statement_timeout__on_postgresql_is_a_timeout_error(gql, settings):
    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout is a PostgreSQL setting")
    settings.TOOLKIT = {
        **settings.TOOLKIT,
        "STATEMENT_TIMEOUT_MS": 20,
        "MODELS": {"demo.Tag": {"scope": "tests.optimizer.slow.slow_scope"}},
    }
    result = gql.post("{ tags { id } }", check=False)
    assert result.codes == ["TIMEOUT"]
    assert "statement timeout" in result.errors[0]["message"]
    assert "pg_sleep" not in str(result.body) and "canceling" not in str(result.body)


def test_document_cache__parses_and_validates_an_operation_once(gql, monkeypatch):
    from toolkit import documents, views

    documents.clear()
    calls = []
    original = views.validate
    monkeypatch.setattr(views, "validate", lambda *a, **k: calls.append(1) or original(*a, **k))
    for _ in range(3):
        gql.post(NESTED, check=False)
    assert len(calls) == 1
    gql.post(NESTED.replace("limit: 12", "limit: 11"), check=False)
    assert len(calls) == 2
