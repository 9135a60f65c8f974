"""Operations served by /graphql/ are recorded through ``operation_executed`` (both backends)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dashboard import metrics
from dashboard.metrics import recorder as recording
from dashboard.models import MetricBucket
from toolkit.signals import operation_executed

pytestmark = pytest.mark.django_db


def post(client: Client, query: str, **extra):
    return client.post("/graphql/", json.dumps({"query": query, **extra}), content_type="application/json")


def counts(window: str = "1h") -> dict[tuple[str, str], tuple[int, int, int]]:
    data = metrics.read_window(window)
    return {key: (a.count, a.errors, a.refused) for key, a in data.operations.items()}


def test_operations__are_counted_by_type_name_and_outcome(metrics_backend, client):
    post(client, "query TopBooks { books(limit: 2) { title tags { name } } }")
    post(client, "query TopBooks { books(limit: 1) { title } }")
    post(client, "{ authors(limit: 1) { name } }")
    post(client, 'query Missing { book(id: "999999") { title } }')
    post(client, "query Broken { books { nope } }")
    post(client, "{ books {")
    assert counts() == {
        ("query", "TopBooks"): (2, 0, 0),
        ("query", "(anonymous)"): (1, 0, 0),
        ("query", "Missing"): (1, 1, 0),
        ("query", "Broken"): (1, 0, 1),
        ("unknown", "(invalid)"): (1, 0, 1),
    }


def test_sql_count_and_duration__are_the_signal_figures(metrics_backend, client):
    """The SQL count and duration the view reports (PostgreSQL adds its statement-timeout statements)."""
    sent = []

    def receiver(sender, **kwargs):
        sent.append(kwargs)

    operation_executed.connect(receiver)
    try:
        post(client, "query TopBooks { books(limit: 2) { title tags { name } } }")
    finally:
        operation_executed.disconnect(receiver)
    figures = metrics.read_window("1h").operations[("query", "TopBooks")]
    assert sent[0]["sql_count"] >= 2 and figures.sql == sent[0]["sql_count"]
    assert figures.duration_us == int(sent[0]["duration"] * 1_000_000) and sum(figures.histogram) == 1
    assert metrics.read_window("1h").slowest[0].operation_name == "TopBooks"


def test_a_batch__counts_each_operation(metrics_backend, client):
    body = [
        {"query": "query A { books(limit: 1) { id } }"},
        {"query": "query B { authors(limit: 1) { id } }"},
    ]
    client.post("/graphql/", json.dumps(body), content_type="application/json")
    assert counts() == {("query", "A"): (1, 0, 0), ("query", "B"): (1, 0, 0)}


def test_unknown_operation_names__from_the_client_are_not_kept(metrics_backend, client):
    """An operationName the document does not define is a client string: folded, not stored."""
    post(client, "query A { books(limit: 1) { id } }", operationName="attacker-chosen name 123")
    assert counts() == {("unknown", "(invalid)"): (1, 0, 1)}


def test_many_names__are_bounded_by_max_operation_names(metrics_db, client, settings):
    settings.TOOLKIT["DASHBOARD"]["METRICS"]["max_operation_names"] = 3
    settings.TOOLKIT = {**settings.TOOLKIT}
    for index in range(6):
        post(client, f"query Q{index} {{ books(limit: 1) {{ id }} }}")
    assert counts() == {
        ("query", "Q0"): (1, 0, 0),
        ("query", "Q1"): (1, 0, 0),
        ("query", "Q2"): (1, 0, 0),
        ("query", "(other)"): (3, 0, 0),
    }


def test_buffered_database_writes__wait_for_the_flush_interval(metrics_db, client, settings):
    """With ``flush_seconds`` the request itself runs no metrics SQL; reading flushes first."""
    settings.TOOLKIT["DASHBOARD"]["METRICS"]["flush_seconds"] = 3600
    settings.TOOLKIT = {**settings.TOOLKIT}
    post(
        client, "query Warm { books(limit: 1) { id } }"
    )  # the recorder for these settings starts its interval
    with CaptureQueriesContext(connection) as captured:
        post(client, "query A { books(limit: 1) { id } }")
    assert [q["sql"] for q in captured.captured_queries if "dashboard_" in q["sql"]] == []
    assert MetricBucket.objects.count() == 0
    assert counts()[("query", "A")] == (1, 0, 0)
    assert MetricBucket.objects.filter(operation_name="A").count() == 3  # minute, hour, all time


def test_metrics_off__records_nothing(metrics_db, client, settings):
    settings.TOOLKIT["DASHBOARD"]["METRICS"]["enabled"] = False
    settings.TOOLKIT = {**settings.TOOLKIT}
    post(client, "query A { books(limit: 1) { id } }")
    assert counts() == {} and MetricBucket.objects.count() == 0


def test_a_broken_backend__never_breaks_the_request(metrics_redis, client, settings, caplog):
    """Redis unreachable: the operation is answered, one warning is logged."""
    settings.TOOLKIT["DASHBOARD"]["METRICS"]["redis_url"] = "redis://127.0.0.1:9/0"
    settings.TOOLKIT = {**settings.TOOLKIT}
    response = post(client, "query A { books(limit: 1) { id } }")
    assert response.status_code == 200 and "errors" not in response.json()
    assert any(
        "operation metrics could not be stored (redis backend)" in r.getMessage() for r in caplog.records
    )
    recording.reset()
