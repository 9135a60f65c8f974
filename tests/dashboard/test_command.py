"""``manage.py dashboard_status`` and the dashboard's system checks."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from dashboard.checks import check_dashboard

pytestmark = pytest.mark.django_db


def status(*args: str) -> str:
    out = StringIO()
    call_command("dashboard_status", *args, stdout=out)
    return out.getvalue()


def test_text__one_line_per_overview_tile(metrics_db, light_checks):
    lines = status().splitlines()
    assert lines[0].startswith("Overall: ")
    assert [line.split()[1] for line in lines[1:]] == [
        "Health",
        "Request",
        "Error",
        "p95",
        "Queue",
        "Failed",
        "Quarantined",
        "Security",
        "Schema",
    ]


def test_json__is_what_the_status_endpoint_returns(metrics_db, light_checks, settings):
    Client().post(
        "/graphql/",
        json.dumps({"query": "query A { books(limit: 1) { id } }"}),
        content_type="application/json",
    )
    payload = json.loads(status("--json"))
    assert payload["panel"] == "overview" and payload["status"] == payload["data"]["state"]
    requests = next(t for t in payload["data"]["tiles"] if t["key"] == "requests")
    assert requests["number"] == 0.2 and requests["detail"] == "1 operations, last 5 minutes"


def test_one_panel__as_text_and_json(metrics_db, light_checks):
    Client().post(
        "/graphql/",
        json.dumps({"query": "query A { books(limit: 1) { id } }"}),
        content_type="application/json",
    )
    text = status("--panel", "operations", "--window", "24h")
    assert text.startswith("GraphQL operations, last 24 hours (database backend): 1 operations")
    assert any(line.split()[:3] == ["query", "A", "1"] for line in text.splitlines())
    payload = json.loads(status("--panel", "operations", "--json"))
    assert payload["data"]["window"] == "1h" and payload["data"]["total"]["count"] == 1


def test_schema_panel__text_when_nothing_is_recorded(light_checks):
    assert (
        status("--panel", "schema") == "No schema version recorded yet (run: manage.py graphql snapshot).\n"
    )


def test_an_error_state__exits_1_after_printing(metrics_db, settings):
    settings.TOOLKIT = {
        **settings.TOOLKIT,
        "HEALTH_CHECKS": {"live": [], "ready": ["tests.dashboard.checks.AlwaysDown"]},
    }
    out = StringIO()
    with pytest.raises(CommandError, match="overall state: error") as raised:
        call_command("dashboard_status", stdout=out)
    assert raised.value.returncode == 1 and out.getvalue().startswith("Overall: ERROR")
    call_command("dashboard_status", "--fail-on", "never", stdout=StringIO())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--panel", "nope"],
            "unknown panel 'nope' (known: overview, health, operations, queues, security, schema)",
        ),
        (["--panel", "operations", "--window", "3w"], "unknown window '3w'"),
    ],
)
def test_bad_arguments__exit_2(metrics_db, light_checks, args, message):
    with pytest.raises(CommandError, match=re.escape(message)) as raised:
        call_command("dashboard_status", *args, stdout=StringIO())
    assert raised.value.returncode == 2


# -- system checks -----------------------------------------------------------------------------------
def ids(settings, **dashboard) -> list[str]:
    settings.TOOLKIT = {**settings.TOOLKIT, "DASHBOARD": dashboard}
    return [m.id for m in check_dashboard()]


def test_checks__the_project_configuration_passes(settings):
    assert check_dashboard() == []


@pytest.mark.parametrize(
    ("dashboard", "expected"),
    [
        ({"COLOURS": 1}, ["dashboard.E001"]),
        ({"PANELS": []}, ["dashboard.E002"]),
        ({"PANELS": ["dashboard.panels.nothing.Here"]}, ["dashboard.E002"]),
        ({"PANELS": ["dashboard.conf.dashboard_config"]}, ["dashboard.E002"]),
        (
            {"PANELS": ["dashboard.panels.health.HealthPanel", "dashboard.panels.health.HealthPanel"]},
            ["dashboard.E002"],
        ),
        ({"METRICS": {"backend": "mongo"}}, ["dashboard.E003"]),
        ({"METRICS": {"backend": "redis"}}, ["dashboard.E003"]),
        ({"METRICS": {"max_operation_names": 0, "flush_seconds": -1, "typo": 1}}, ["dashboard.E003"] * 3),
        ({"THRESHOLDS": {"p95_ms": [900, 100], "nope": [1, 2]}}, ["dashboard.E004", "dashboard.E004"]),
        ({"REFRESH_SECONDS": -5}, ["dashboard.E005"]),
        ({"STATUS_TOKEN": "short"}, ["dashboard.W001"]),
    ],
)
def test_checks__each_mistake_has_its_id(settings, dashboard, expected):
    settings.REDIS_URL = None
    assert sorted(ids(settings, **dashboard)) == sorted(expected)


def test_checks__dashboard_must_be_a_dict(settings):
    settings.TOOLKIT = {**settings.TOOLKIT, "DASHBOARD": ["x"]}
    assert [m.id for m in check_dashboard()] == ["dashboard.E001"]
