"""Fixtures of the dashboard tests: metrics switched on (database or real Redis backend), a
dashboard user, small health check lists, recorded schema versions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

import dashboard.metrics.recorder as recording

#: Checks that touch neither the database from another thread nor an outside service.
LIGHT_CHECKS = {
    "live": ["health_check.checks.Cache"],
    "ready": ["health_check.checks.Cache", "health_check.checks.Storage"],
}


def dashboard_settings(settings: Any, **metrics: Any) -> None:
    """Turn the metrics on (flushed on every operation unless said otherwise)."""
    toolkit = settings.TOOLKIT
    settings.TOOLKIT = {
        **toolkit,
        "HEALTH_CHECKS": LIGHT_CHECKS,
        "DASHBOARD": {
            **toolkit.get("DASHBOARD", {}),
            "METRICS": {"enabled": True, "flush_seconds": 0, **metrics},
        },
    }
    recording.reset()


@pytest.fixture
def metrics_db(settings: Any, db: None) -> Iterator[Any]:
    """Metrics in the database backend, written at every operation."""
    dashboard_settings(settings, backend="database")
    yield recording.current_recorder().backend
    recording.reset()


@pytest.fixture
def metrics_redis(settings: Any, redis_url: str, rq_redis: Any, db: None) -> Iterator[Any]:
    """Metrics in the test run's own Redis database (emptied around the test)."""
    dashboard_settings(settings, backend="redis", redis_url=redis_url)
    backend = recording.current_recorder().backend
    backend.clear()
    yield backend
    backend.clear()
    recording.reset()


@pytest.fixture(params=["database", "redis"])
def metrics_backend(request: Any) -> Any:
    """Each metrics backend in turn."""
    return request.getfixturevalue("metrics_db" if request.param == "database" else "metrics_redis")


@pytest.fixture
def light_checks(settings: Any) -> Any:
    settings.TOOLKIT = {**settings.TOOLKIT, "HEALTH_CHECKS": LIGHT_CHECKS}
    return settings


def make_user(username: str, *, staff: bool = True, permission: bool = True, superuser: bool = False) -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(
        username, f"{username}@example.com", "pw", is_staff=staff, is_superuser=superuser
    )
    if permission:
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="dashboard", codename="view_dashboard")
        )
    return user


@pytest.fixture
def dash_client(db: None, light_checks: Any) -> Client:
    """A client logged in as staff with only ``dashboard.view_dashboard``."""
    client = Client()
    client.force_login(make_user("watcher"))
    return client
