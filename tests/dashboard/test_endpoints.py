"""The machine endpoints: ``status.json`` (uptime robots, the overview's refresh) and ``/metrics``."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.dashboard.conftest import make_user

pytestmark = pytest.mark.django_db

STATUS = "/admin/dashboard/dashboard/status.json"
TOKEN = "s3cret-status-token-0123456789abcdef"
METRICS_TOKEN = "m3trics-token-0123456789abcdef-xyz"


@pytest.fixture
def tokens(settings, metrics_db):
    settings.TOOLKIT["DASHBOARD"].update(STATUS_TOKEN=TOKEN, METRICS_TOKEN=METRICS_TOKEN)
    settings.TOOLKIT = {**settings.TOOLKIT}
    return settings


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.mark.parametrize("url", [STATUS, "/metrics", "/metrics/"])
def test_without_credentials__401_with_a_bearer_challenge(client, tokens, url):
    response = client.get(url)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("url", "token"),
    [(STATUS, METRICS_TOKEN), ("/metrics", TOKEN), (STATUS, TOKEN[:-1]), (STATUS, TOKEN + "x"), (STATUS, "")],
)
def test_a_wrong_token__401_invalid_token(client, tokens, url, token):
    response = client.get(url, **bearer(token))
    assert response.status_code == 401 and response["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_tokens_unset__no_bearer_token_is_accepted(client, metrics_db):
    assert client.get(STATUS, **bearer("")).status_code == 401
    assert client.get("/metrics", **bearer("anything")).status_code == 401


def test_a_logged_in_user_without_the_permission__403(client, tokens):
    client.force_login(make_user("helper", permission=False))
    assert client.get(STATUS).status_code == 403
    assert client.get("/metrics").status_code == 403
    client.force_login(make_user("plain", staff=False))
    assert client.get(STATUS).status_code == 403


def test_status__with_the_token_is_the_overview(client, tokens):
    response = client.get(STATUS, **bearer(TOKEN))
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert body["panel"] == "overview" and body["status"] == body["data"]["state"]
    assert [t["key"] for t in body["data"]["tiles"]] == [
        "health", "requests", "errors", "latency", "queues", "failed_jobs", "media", "security", "schema",
    ]  # fmt: skip
    assert body["data"]["refresh_seconds"] == 30


def test_status__is_503_when_something_is_wrong(client, tokens, settings):
    settings.TOOLKIT = {
        **settings.TOOLKIT,
        "HEALTH_CHECKS": {"live": [], "ready": ["tests.dashboard.checks.AlwaysDown"]},
    }
    response = client.get(STATUS, **bearer(TOKEN))
    assert response.status_code == 503 and response.json()["status"] == "error"
    health = response.json()["data"]["tiles"][0]
    assert (health["value"], health["state"], health["detail"]) == ("1 of 1 failing", "error", "AlwaysDown()")


def test_status__one_panel_with_its_parameters(client, tokens):
    Client().post(
        "/graphql/",
        json.dumps({"query": "query A { books(limit: 1) { id } }"}),
        content_type="application/json",
    )
    body = client.get(STATUS + "?panel=operations&window=24h", **bearer(TOKEN)).json()
    assert body["panel"] == "operations" and body["data"]["window"] == "24h"
    assert [(o["operation_name"], o["count"]) for o in body["data"]["operations"]] == [("A", 1)]
    assert len(body["data"]["series"]) == 24 and "status" not in body


@pytest.mark.parametrize(
    ("query", "status", "error"),
    [
        ("?panel=nope", 404, "unknown panel 'nope'"),
        ("?panel=operations&window=2d", 400, "unknown window '2d': use one of 1h, 24h, 7d"),
        ("?panel=security&event=drop", 400, "unknown event 'drop'"),
    ],
)
def test_status__bad_parameters(client, tokens, query, status, error):
    response = client.get(STATUS + query, **bearer(TOKEN))
    assert response.status_code == status and response.json()["error"].startswith(error)


def test_status__only_reads(client, tokens):
    assert client.post(STATUS, **bearer(TOKEN)).status_code == 405


def test_status__a_staff_session_works_too(dash_client, metrics_db):
    assert dash_client.get(STATUS).status_code in (200, 503)


def test_metrics__prometheus_text_with_the_operation_totals(client, tokens):
    graphql = Client()
    for query in (
        "query A { books(limit: 1) { id } }",
        "query A { books(limit: 1) { id } }",
        "query B { books { nope } }",
    ):
        graphql.post("/graphql/", json.dumps({"query": query}), content_type="application/json")
    response = client.get("/metrics", **bearer(METRICS_TOKEN))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert 'graphql_operations_total{operation_name="A",operation_type="query",status="ok"} 2.0' in lines
    assert 'graphql_operations_total{operation_name="B",operation_type="query",status="refused"} 1.0' in lines
    assert 'graphql_operation_duration_seconds_count{operation_name="A",operation_type="query"} 2.0' in lines
    assert (
        'graphql_operation_duration_seconds_bucket{le="+Inf",operation_name="A",operation_type="query"} 2.0'
        in lines
    )
    assert "# TYPE graphql_operation_duration_seconds histogram" in lines
    assert any(line.startswith("django_http_requests_total_by_view_transport_method_total") for line in lines)


def test_metrics__a_staff_session_with_the_permission_works(dash_client, metrics_db):
    response = dash_client.get("/metrics")
    assert response.status_code == 200 and b"# TYPE graphql_operations_total counter" in response.content


def test_metrics__count_sql_statements_without_changing_the_database_engine(client, tokens, settings):
    from django.db import connection

    assert settings.DATABASES["default"]["ENGINE"].startswith("django.db.backends.")
    label = f'alias="default",vendor="{connection.vendor}"'

    def executed() -> float:
        lines = client.get("/metrics", **bearer(METRICS_TOKEN)).content.decode().splitlines()
        return float(
            next(line.split()[-1] for line in lines if line.startswith(f"django_db_execute_total{{{label}}}"))
        )

    before = executed()
    with connection.cursor() as cursor:
        for _ in range(3):
            cursor.execute("SELECT 1")
    assert executed() >= before + 3


def test_counting_cache__keeps_falsy_values_and_counts_hits_and_misses():
    from django_prometheus.cache.metrics import django_cache_hits_total, django_cache_misses_total

    from dashboard.metrics.cache import LocMemCache

    cache = LocMemCache("dashboard-test", {})
    hits, misses = (
        c.labels(backend="locmem")._value.get() for c in (django_cache_hits_total, django_cache_misses_total)
    )
    cache.set("zero", 0)
    cache.set("none", None)
    assert cache.get("zero", "default") == 0 and cache.get("none", "default") is None
    assert cache.get("absent", "default") == "default"
    assert django_cache_hits_total.labels(backend="locmem")._value.get() == hits + 2
    assert django_cache_misses_total.labels(backend="locmem")._value.get() == misses + 1
