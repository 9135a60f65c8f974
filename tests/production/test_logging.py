"""Structured logging: one JSON object per line, one line per GraphQL operation with its name,
type, user, duration and outcome, the request id on every line, secrets redacted, and a broken
log stream never breaking a request."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from toolkit.observability import context
from toolkit.observability.logging import (
    AccessJsonFormatter,
    ContextFilter,
    JsonFormatter,
    TextFormatter,
    logging_config,
)
from toolkit.observability.redaction import REDACTED, redact, redact_text

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjozfQ.c2lnbmF0dXJlLXBhcnQ"


def post(client, query, variables=None, **headers):
    body = {"query": query, "variables": variables} if variables is not None else {"query": query}
    return client.post("/graphql/", body, content_type="application/json", **headers)


def record(message="hello %s", *args, level=logging.INFO, name="tests.production", **extra):
    rec = logging.LogRecord(name, level, __file__, 1, message, args or ("world",), None)
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def test_json_formatter__one_object_per_line_with_time_level_logger_message():
    line = JsonFormatter().format(record())
    assert "\n" not in line
    data = json.loads(line)
    assert data["message"] == "hello world"
    assert data["level"] == "INFO" and data["logger"] == "tests.production"
    assert data["time"].endswith("+00:00")


def test_json_formatter__extras_and_context_are_fields():
    rec = record(sql_count=3)
    with context.bound(request_id="ctx-1", job_id="job-9"):
        ContextFilter().filter(rec)
    data = json.loads(JsonFormatter().format(rec))
    assert data["request_id"] == "ctx-1" and data["job_id"] == "job-9" and data["sql_count"] == 3


def test_context_filter__never_overrides_what_the_caller_passed():
    rec = record(request_id="explicit")
    with context.bound(request_id="ambient"):
        ContextFilter().filter(rec)
    assert rec.request_id == "explicit"


def test_operation_line__name_type_user_duration_outcome(db, json_logs):
    user = get_user_model().objects.create_user("logger-user", password="pw-logger-123456")
    client = Client()
    client.force_login(user)
    response = post(client, "query Shelf { books(limit: 2) { id } }", HTTP_X_REQUEST_ID="op-1")
    assert response.status_code == 200
    [line] = json_logs.of("toolkit.operations")
    assert line["request_id"] == "op-1"
    assert line["operation_name"] == "Shelf" and line["operation_type"] == "query"
    assert line["user_id"] == str(user.pk)
    assert line["outcome"] == "ok" and line["http_status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["sql_count"] >= 1 and line["cache_hit"] is False
    assert line["message"].startswith("query Shelf ok in ")


@pytest.mark.parametrize(
    ("query", "outcome", "status", "codes"),
    [
        ("{ books(limit: -1) { id } }", "error", 200, ["BAD_USER_INPUT"]),
        ("{ nope }", "refused", 400, ["GRAPHQL_VALIDATION_FAILED"]),
        ("{ books(", "refused", 400, ["GRAPHQL_PARSE_FAILED"]),
    ],
)
def test_operation_line__outcome_of_failed_operations(client, db, json_logs, query, outcome, status, codes):
    post(client, query)
    [line] = json_logs.of("toolkit.operations")
    assert (line["outcome"], line["http_status"], line["error_codes"]) == (outcome, status, codes)
    assert "user_id" not in line  # anonymous


def test_operation_line__sensitive_variables_are_redacted(client, db, json_logs):
    query = "mutation($username: String!, $password: String!) { tokenAuth(username: $username, password: $password) { ok } }"
    post(client, query, {"username": "someone", "password": "hunter2-secret"})
    [line] = json_logs.of("toolkit.operations")
    assert line["variables"] == {"password": REDACTED, "username": "someone"}
    assert "hunter2-secret" not in json_logs.text


def test_operation_line__large_variables_are_summarised(client, db, json_logs):
    post(client, "query($n: String) { books(limit: 1) { id } }", {"n": "x" * 5000})
    [line] = json_logs.of("toolkit.operations")
    assert line["variables"]["truncated"] is True


def test_every_line_of_a_request__carries_its_request_id(client, db, json_logs):
    post(client, "{ books(limit: -1) { id } }", HTTP_X_REQUEST_ID="every-1")
    lines = json_logs.all()
    assert lines and {line.get("request_id") for line in lines} == {"every-1"}


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        (f"token {JWT} refused", JWT),
        ("Authorization: Bearer abcdefghijklmnop", "abcdefghijklmnop"),
        ('login(password: "hunter2")', "hunter2"),
        ("api_key=sk_live_123456 then", "sk_live_123456"),
        ("postgres://app:s3cr3t@db:5432/app", "s3cr3t"),
    ],
)
def test_redact_text__removes_tokens_and_passwords(text, leak):
    assert leak not in redact_text(text)


def test_redact__sensitive_keys_at_any_depth():
    value = {
        "user": {"password": "a", "profile": {"refresh_token": "b", "name": "c"}},
        "list": [{"secret": 1}],
    }
    assert redact(value) == {
        "user": {"password": REDACTED, "profile": {"refresh_token": REDACTED, "name": "c"}},
        "list": [{"secret": REDACTED}],
    }


def test_redact__follows_the_sensitive_field_names_setting(settings):
    settings.TOOLKIT = {**settings.TOOLKIT, "SENSITIVE_FIELD_NAMES": ["ssn"]}
    assert redact({"ssn": "123", "name": "x"}) == {"ssn": REDACTED, "name": "x"}


def test_json_lines__messages_extras_and_tracebacks_are_redacted():
    try:
        raise ValueError(f"bad token {JWT}")
    except ValueError:
        import sys

        rec = logging.LogRecord(
            "t", logging.ERROR, __file__, 1, "login with password=%s", ("hunter2",), sys.exc_info()
        )
    rec.headers = {"Authorization": "Bearer abcdefghijklmnop"}
    line = JsonFormatter().format(rec)
    for leak in ("hunter2", JWT, "abcdefghijklmnop"):
        assert leak not in line
    assert json.loads(line)["headers"] == {"Authorization": REDACTED}


def test_text_format__one_readable_line_with_the_context():
    rec = record()
    with context.bound(request_id="txt-1"):
        ContextFilter().filter(rec)
    line = TextFormatter().format(rec)
    assert "INFO tests.production [request=txt-1] hello world" in line


def test_logging_config__is_a_valid_dict_config():
    config = logging_config("json", "WARNING")
    logging.config.dictConfig({**config, "root": {"handlers": [], "level": "WARNING"}})
    assert config["handlers"]["console"]["formatter"] == "json"
    assert logging_config("text")["handlers"]["console"]["formatter"] == "text"


def test_access_log_formatter__gunicorn_atoms_as_fields():
    atoms = {
        "h": "10.0.0.1", "m": "POST", "U": "/graphql/", "q": "token=abc.def.ghi", "s": "200", "B": "512",
        "D": "12345", "a": "curl/8", "H": "HTTP/1.1", "{x-request-id}o": "acc-1",
    }  # fmt: skip
    rec = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(h)s", None, None)
    rec.args = atoms
    data = json.loads(AccessJsonFormatter().format(rec))
    assert data["request_id"] == "acc-1" and data["status"] == 200 and data["bytes"] == 512
    assert data["duration_ms"] == 12.35 and data["method"] == "POST" and data["path"] == "/graphql/"
    assert data["message"] == "POST /graphql/ 200"


class BrokenStream(io.StringIO):
    def write(self, text):
        raise BrokenPipeError("the log shipper is gone")


def test_a_broken_log_stream__never_breaks_a_request(client, db, monkeypatch):
    handler = logging.StreamHandler(BrokenStream())
    handler.setFormatter(JsonFormatter())
    monkeypatch.setattr(logging, "raiseExceptions", False)  # as in production: errors are not printed
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        response = post(client, "{ books(limit: -1) { id } }")  # an error: logged
    finally:
        root.removeHandler(handler)
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_failing_formatter__still_writes_a_line():
    class Unserialisable:
        def __repr__(self):
            raise RuntimeError("no repr")

    line = JsonFormatter().format(record(thing=Unserialisable()))
    assert json.loads(line)["level"] == "INFO"
