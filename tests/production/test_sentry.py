"""Sentry through sentry-sdk: each resolver or job failure reported exactly once, tagged with the
operation and the request id, without personal data; Sentry being down never breaks a request."""

from __future__ import annotations

import socket
import time

import django_rq
import pytest
import rq
import sentry_sdk
from django.contrib.auth import get_user_model
from django.test import Client

from tests.production import jobs
from tests.production.conftest import stop_sentry
from toolkit import workers
from toolkit.observability import context
from toolkit.observability.sentry import before_send, init_sentry
from toolkit.schema import SchemaBuilder

SECRET = "".join(["hun", "ter2"])  # not in the source: Sentry sends source lines as context


def boom(*args, **kwargs):
    raise RuntimeError(f"cannot reach db-internal with password={SECRET}")


def post(client, query, **headers):
    return client.post("/graphql/", {"query": query}, content_type="application/json", **headers)


def error_events(transport):
    return [e for e in transport.events if e.get("level") == "error"]


def test_without_a_dsn__sentry_is_not_started(settings):
    assert init_sentry("") is False
    assert init_sentry(None) is False


def test_a_resolver_failure__is_reported_once_with_operation_and_request_id(db, monkeypatch, sentry_events):
    monkeypatch.setattr(SchemaBuilder, "list_rows", boom)
    user = get_user_model().objects.create_user("sentry-user", "sentry-user@example.com", "pw-sentry-123456")
    client = Client()
    client.force_login(user)
    response = post(
        client,
        "query Shelf { books { id } }",
        HTTP_X_REQUEST_ID="sentry-req-1",
        HTTP_AUTHORIZATION_EXTRA="secret-header",
        HTTP_COOKIE_EXTRA="x",
    )
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    sentry_sdk.flush()
    assert sentry_sdk.get_client().should_send_default_pii() is False
    [event] = error_events(sentry_events)
    assert event["tags"]["request_id"] == "sentry-req-1"
    assert event["tags"]["operation_name"] == "Shelf"
    assert event["tags"]["operation_type"] == "query"
    [exception] = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert "hunter2" not in str(event)
    # No personal data: no user, no e-mail, no cookies or session, no client address.
    assert "user" not in event
    text = str(event)
    for personal in ("sentry-user@example.com", "sentry-user", "sessionid", "127.0.0.1"):
        assert personal not in text, personal


def test_a_failure_in_each_of_two_operations__is_two_events(db, monkeypatch, sentry_events):
    monkeypatch.setattr(SchemaBuilder, "list_rows", boom)
    client = Client()
    post(client, "query A { books { id } }", HTTP_X_REQUEST_ID="two-1")
    post(client, "query B { books { id } }", HTTP_X_REQUEST_ID="two-2")
    sentry_sdk.flush()
    assert sorted(e["tags"]["request_id"] for e in error_events(sentry_events)) == ["two-1", "two-2"]


@pytest.mark.parametrize(
    "query",
    ["{ books(limit: -1) { id } }", "{ nope }", "{ books(", "{ book(id: 999999999) { id } }"],
)
def test_client_errors__are_not_reported(client, db, sentry_events, query):
    post(client, query)
    sentry_sdk.flush()
    assert error_events(sentry_events) == []


def test_a_job_failure__is_reported_once_after_its_retries(rq_redis, sentry_events):
    queue = django_rq.get_queue("default")
    with context.bound(request_id="job-req-1", operation_name="CreateThing"):
        job = queue.enqueue(jobs.fail, "cannot reach db-internal", retry=rq.Retry(max=2))
    assert job.meta["request_id"] == "job-req-1"
    worker = workers.SimpleWorker([queue], connection=queue.connection, job_class=queue.job_class)
    worker.work(burst=True)
    job.refresh()
    assert job.is_failed and job.retries_left == 0
    sentry_sdk.flush()
    [event] = error_events(sentry_events)  # three attempts, one report: the last one
    assert event["tags"]["request_id"] == "job-req-1"
    assert event["tags"]["operation_name"] == "CreateThing"
    assert event["tags"]["job_id"] == job.id
    assert event["tags"]["job_func"] == "tests.production.jobs.fail"
    assert event["extra"]["rq-job"]["args"] != ["cannot reach db-internal"]  # arguments withheld (PII)


def test_a_job_that_succeeds_after_a_retry__is_not_reported(rq_redis, sentry_events, monkeypatch):
    queue = django_rq.get_queue("default")
    job = queue.enqueue(jobs.log_line, "fine", retry=rq.Retry(max=1))
    worker = workers.SimpleWorker([queue], connection=queue.connection, job_class=queue.job_class)
    worker.work(burst=True)
    assert job.get_status() == "finished"
    sentry_sdk.flush()
    assert error_events(sentry_events) == []


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nothing listens there


def test_sentry_down__never_breaks_or_delays_a_request(db, monkeypatch):
    monkeypatch.setattr(SchemaBuilder, "list_rows", boom)
    assert init_sentry(f"http://public@127.0.0.1:{closed_port()}/1")  # the real HTTP transport
    try:
        client = Client()
        started = time.monotonic()
        responses = [post(client, "{ books { id } }") for _ in range(3)]
        elapsed = time.monotonic() - started
    finally:
        stop_sentry()
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert all(r.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR" for r in responses)
    assert elapsed < 5  # sending happens in the background


def test_a_transport_that_raises__never_breaks_a_request(db, monkeypatch):
    class Exploding(sentry_sdk.transport.Transport):
        def capture_envelope(self, envelope):
            raise ConnectionError("sentry is down")

    monkeypatch.setattr(SchemaBuilder, "list_rows", boom)
    init_sentry("https://public@sentry.example.invalid/1", transport=Exploding())
    try:
        response = post(Client(), "{ books { id } }")
    finally:
        stop_sentry()
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"


def test_before_send__tags_and_redacts_and_drops_the_user():
    event = {
        "user": {"email": "a@example.com"},
        "logentry": {"message": "login password=%s", "params": ["hunter2"], "formatted": "token eyJa.eyJb.c"},
        "exception": {"values": [{"type": "E", "value": "Bearer abcdefghijkl"}]},
        "extra": {"api_key": "k", "ok": 1},
    }
    with context.bound(request_id="bs-1", user_id="7"):
        result = before_send(event, {})
    assert result["tags"] == {"request_id": "bs-1"}  # the user id is not a tag
    assert "user" not in result
    assert "hunter2" not in str(result) and "eyJb" not in str(result) and "abcdefghijkl" not in str(result)
    assert result["extra"] == {"api_key": "[redacted]", "ok": 1}


def test_before_send__never_raises():
    assert before_send({"tags": None, "logentry": 3}, {}) == {"tags": None, "logentry": 3}
