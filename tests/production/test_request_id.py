"""Request ids: taken from X-Request-ID (cleaned, bounded) or generated, returned in the response,
on every error (``extensions.requestId``), in the audit log and in the log context."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from toolkit.models import AuditEvent
from toolkit.observability import context
from toolkit.schema import SchemaBuilder

BOOKS = "{ books(limit: 1) { id } }"
HEX32 = re.compile(r"^[0-9a-f]{32}$")


def post(client, query=BOOKS, **headers):
    return client.post("/graphql/", {"query": query}, content_type="application/json", **headers)


def test_a_client_request_id__is_returned_unchanged(client, db):
    response = post(client, HTTP_X_REQUEST_ID="abc-123.DEF:4/5")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "abc-123.DEF:4/5"


def test_without_a_request_id__one_is_generated_per_request(client, db):
    first, second = post(client)["X-Request-ID"], post(client)["X-Request-ID"]
    assert HEX32.match(first) and HEX32.match(second)
    assert first != second


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("ab cd\r\nX-Evil: 1", "abcdX-Evil:1"),  # no header injection, no spaces
        ("<script>id</script>", "scriptid/script"),
        ("x" * 500, "x" * 64),  # bounded
    ],
)
def test_a_request_id__is_cleaned_and_bounded(client, db, sent, kept):
    assert context.clean_request_id(sent) == kept
    assert post(client, HTTP_X_REQUEST_ID=sent)["X-Request-ID"] == kept


@pytest.mark.parametrize("sent", ["", "   ", "\u00e9\u00e8", "<>{}"])
def test_a_request_id_with_nothing_usable__is_replaced_by_a_generated_one(client, db, sent):
    assert HEX32.match(post(client, HTTP_X_REQUEST_ID=sent)["X-Request-ID"])


def test_every_response__carries_the_header_even_outside_graphql(client, db):
    assert client.get("/health/live/", HTTP_X_REQUEST_ID="probe-1")["X-Request-ID"] == "probe-1"
    assert client.get("/no/such/page/", HTTP_X_REQUEST_ID="lost-1")["X-Request-ID"] == "lost-1"


def test_graphql_errors__carry_the_request_id(client, db):
    response = post(client, "{ books(limit: -1) { id } }", HTTP_X_REQUEST_ID="req-err-1")
    errors = response.json()["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    assert errors[0]["extensions"]["requestId"] == "req-err-1"


@pytest.mark.parametrize(
    ("query", "code", "status"),
    [
        ("{ books(", "GRAPHQL_PARSE_FAILED", 400),
        ("{ nope }", "GRAPHQL_VALIDATION_FAILED", 400),
        ("query($n: Int) { books(limit: $n) { id } }", None, 200),  # no error at all
    ],
)
def test_parse_and_validation_errors__carry_the_request_id(client, db, query, code, status):
    response = post(client, query, HTTP_X_REQUEST_ID="req-err-2")
    assert response.status_code == status
    errors = response.json().get("errors", [])
    assert [e["extensions"]["code"] for e in errors] == ([code] if code else [])
    assert all(e["extensions"]["requestId"] == "req-err-2" for e in errors)


def test_refusals_before_graphql__carry_the_request_id(client, db):
    wrong_type = client.post("/graphql/", "x=1", content_type="text/plain", HTTP_X_REQUEST_ID="req-415")
    assert wrong_type.status_code == 415
    assert wrong_type.json()["errors"][0]["extensions"] == {
        "code": "UNSUPPORTED_MEDIA_TYPE",
        "requestId": "req-415",
    }
    bad_token = post(client, HTTP_AUTHORIZATION="Bearer not-a-token", HTTP_X_REQUEST_ID="req-401")
    assert bad_token.status_code == 401
    assert bad_token.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED", "requestId": "req-401"}
    assert bad_token["X-Request-ID"] == "req-401"


def test_an_unexpected_error__is_masked_logged_once_with_traceback_and_request_id(
    client, db, monkeypatch, json_logs
):
    def boom(*args, **kwargs):
        raise RuntimeError("database at db-internal failed, password=hunter2")

    monkeypatch.setattr(SchemaBuilder, "list_rows", boom)
    response = post(client, "query Shelf { books { id } }", HTTP_X_REQUEST_ID="req-500")
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["message"] == "Internal server error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-500"}
    [logged] = [line for line in json_logs.of("toolkit.errors") if line["level"] == "ERROR"]
    assert logged["request_id"] == "req-500"
    assert logged["operation_name"] == "Shelf"
    assert "Traceback" in logged["exc_info"] and "RuntimeError" in logged["exc_info"]
    assert "hunter2" not in json_logs.text  # redacted from the traceback text too


def test_the_audit_log__stores_the_request_id_of_the_middleware(db):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("rid-admin", "rid@example.com", "pw-rid-123456")
    client = Client()
    client.force_login(admin)
    response = post(
        client, 'mutation { createTag(input: {name: "rid-tag"}) { ok } }', HTTP_X_REQUEST_ID="audit-7"
    )
    assert response.status_code == 200
    assert AuditEvent.objects.filter(event="mutation").latest().request_id == "audit-7"


def test_bound_context__nests_and_restores():
    assert context.request_id() is None
    with context.bound(request_id="outer", job_id="j1"):
        with context.bound(request_id="inner"):
            assert context.snapshot()["request_id"] == "inner"
            assert context.snapshot()["job_id"] == "j1"
        assert context.request_id() == "outer"
    assert context.request_id() is None
