"""``/health/live/`` and ``/health/ready/`` against the real database, Redis, clamd and worker."""

from __future__ import annotations

import pytest

from tests.services import free_port, queues_config

pytestmark = pytest.mark.django_db

READY_CHECKS = {
    "Database(alias='default')", "Cache(alias='default')", "Storage(alias='default')",
    "Redis(queue='default')", "RQWorkers(queues=None, min_workers=1)",
    "RQQueues(queues=None, max_queued=1000, max_failed=10)", "SchemaSnapshot(source='file')",
    "Migrations(alias='default')",
}  # fmt: skip


def test_live__process_and_database(client):
    response = client.get("/health/live/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json() == {"Database(alias='default')": "OK"}


def test_ready__everything_healthy_in_every_format(client, ready_settings, rq_worker):
    response = client.get("/health/ready/?format=json")
    body = response.json()
    assert response.status_code == 200, body
    assert set(body) == READY_CHECKS | {f"Clamd(url='{ready_settings.TOOLKIT['CLAMD_URL']}')"}
    assert set(body.values()) == {"OK"}
    text = client.get("/health/ready/", HTTP_ACCEPT="text/plain").content.decode()
    assert "Redis(queue='default'): OK" in text
    metrics = client.get("/health/ready/?format=openmetrics").content.decode()
    assert "django_health_check_overall_status 1" in metrics
    assert 'django_health_check_status{check="Clamd"' in metrics
    html = client.get("/health/ready/", HTTP_ACCEPT="text/html")
    assert html.status_code == 200 and b"Migrations" in html.content


def test_ready__a_wrong_redis_port_is_unhealthy(client, ready_settings):
    port = free_port()
    ready_settings.RQ_QUEUES = queues_config(f"redis://127.0.0.1:{port}/0")
    response = client.get("/health/ready/?format=json")
    body = response.json()
    assert response.status_code == 500
    assert body["Redis(queue='default')"] == (
        f"Unavailable: cannot reach Redis at 127.0.0.1:{port}/0 (queue default): "
        f"Error 111 connecting to 127.0.0.1:{port}. Connection refused."
    )
    assert body["Database(alias='default')"] == "OK"
    # the liveness probe does not depend on Redis
    assert client.get("/health/live/?format=json").status_code == 200


def test_ready__an_unreachable_clamd_is_the_one_unhealthy_check(client, ready_settings, rq_worker):
    url = f"tcp://127.0.0.1:{free_port()}"
    ready_settings.TOOLKIT = {**ready_settings.TOOLKIT, "CLAMD_URL": url}
    body = client.get("/health/ready/?format=json").json()
    assert body[f"Clamd(url='{url}')"] == f"Unavailable: cannot reach clamd at {url}: Connection refused"
    assert [name for name, status in body.items() if status != "OK"] == [f"Clamd(url='{url}')"]


def test_ready__lists_are_read_per_request(client, settings):
    settings.TOOLKIT = {
        **settings.TOOLKIT,
        "HEALTH_CHECKS": {"live": [], "ready": ["health_check.checks.Cache"]},
    }
    assert client.get("/health/ready/?format=json").json() == {"Cache(alias='default')": "OK"}


def test_ready__a_check_that_cannot_be_loaded_is_a_500_without_details(client, settings, caplog):
    settings.TOOLKIT = {
        **settings.TOOLKIT,
        "HEALTH_CHECKS": {"live": [], "ready": [["health_check.checks.Cache", {"x": 1}]]},
    }
    response = client.get("/health/ready/?format=json")
    assert response.status_code == 500
    assert response.content == b"misconfigured: see the server log and manage.py check\n"
    assert "the ready health checks are misconfigured" in caplog.text
