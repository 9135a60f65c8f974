"""``toolkit.signals.operation_executed``: one signal per operation, with its outcome."""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolkit.signals import operation_executed


@pytest.fixture
def sent() -> Any:
    calls: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        calls.append(kwargs)

    operation_executed.connect(receiver)
    yield calls
    operation_executed.disconnect(receiver)


def test_a_successful_query__is_reported_with_its_name_type_and_sql_count(gql, sent):
    gql("query TopBooks { books(limit: 2) { title tags { name } } }")
    assert len(sent) == 1
    call = sent[0]
    assert (call["operation_name"], call["operation_type"], call["status"]) == ("TopBooks", "query", "ok")
    assert call["http_status"] == 200 and call["error_codes"] == []
    assert call["sql_count"] == 2 and call["duration"] > 0 and call["cache_hit"] is False


def test_a_validation_failure__is_reported_as_refused_with_its_codes(gql, sent):
    gql.error("query Broken { books { nope } }")
    assert [(c["operation_name"], c["status"], c["http_status"]) for c in sent] == [
        ("Broken", "refused", 400)
    ]
    assert sent[0]["error_codes"] == ["GRAPHQL_VALIDATION_FAILED"]


def test_an_unparsable_document__has_no_operation_type(gql, sent):
    gql.error("{ books {")
    assert sent[0]["operation_type"] is None and sent[0]["error_codes"] == ["GRAPHQL_PARSE_FAILED"]


def test_a_mutation_with_errors_in_the_result__is_reported_as_error(gql, sent):
    result = gql.post('mutation Del { deleteBook(id: "1") { ok } }')
    assert sent[0]["operation_type"] == "mutation"
    assert sent[0]["status"] == ("error" if result.errors else "ok")


def test_a_batch__sends_one_signal_per_operation(client, db, sent):
    body = [
        {"query": "query A { books(limit: 1) { id } }"},
        {"query": "query B { authors(limit: 1) { id } }"},
    ]
    response = client.post("/graphql/", json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    assert [c["operation_name"] for c in sent] == ["A", "B"]


def test_a_failing_receiver__does_not_break_the_request(gql, sent):
    def broken(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    operation_executed.connect(broken)
    try:
        assert gql("{ books(limit: 1) { id } }")["books"]
    finally:
        operation_executed.disconnect(broken)
    assert len(sent) == 1
