"""``manage.py run_health_checks``: exit codes, the recorded runs, pruning and alerts."""

from __future__ import annotations

import datetime
import json
import logging
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests.services import ROOT, free_port
from toolkit.models import HealthCheckRun

pytestmark = pytest.mark.django_db

HEALTHY = ["health_check.checks.Database", "health_check.checks.Cache"]


def unhealthy() -> list[Any]:
    return [*HEALTHY, ["toolkit.health.checks.Clamd", {"url": f"tcp://127.0.0.1:{free_port()}"}]]


def configure(settings: Any, ready: list[Any], notifiers: list[Any] | None = None, **keys: Any) -> None:
    settings.TOOLKIT = {
        **settings.TOOLKIT,
        "HEALTH_CHECKS": {"live": ["health_check.checks.Database"], "ready": ready},
        "HEALTH_NOTIFIERS": notifiers
        if notifiers is not None
        else ["toolkit.health.notifiers.LoggingNotifier"],
        **keys,
    }


def run(*args: str) -> tuple[str, str, CommandError | None]:
    out, err = StringIO(), StringIO()
    try:
        call_command("run_health_checks", *args, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


def test_run__the_project_ready_list_is_healthy_with_every_service(ready_settings, rq_worker):
    out, _, error = run()
    assert error is None, out
    assert out.splitlines()[-1].startswith("ready: healthy, 9 checks in ")
    run_row = HealthCheckRun.objects.get()
    assert run_row.healthy and run_row.check_list == "ready" and run_row.duration > 0
    assert len(run_row.results) == 9 and all(r["healthy"] and r["seconds"] >= 0 for r in run_row.results)
    clamd = next(r for r in run_row.results if r["check"].startswith("Clamd"))
    assert clamd["message"].startswith("ClamAV ")


def test_run__unhealthy_is_exit_1_and_recorded(settings):
    configure(settings, unhealthy())
    out, _, error = run()
    assert error is not None and error.returncode == 1
    assert str(error).startswith("ready checks unhealthy: Clamd(url='tcp://127.0.0.1:")
    assert "FAIL" in out and "Unavailable: cannot reach clamd" in out
    row = HealthCheckRun.objects.get()
    assert row.healthy is False
    assert [r["healthy"] for r in row.results] == [True, True, False]


def test_run__live_list_json_and_quiet(settings):
    configure(settings, unhealthy())
    out, _, error = run("--list", "live", "--json")
    payload = json.loads(out)
    assert error is None and payload["healthy"] is True and payload["check_list"] == "live"
    assert payload["results"][0]["check"] == "Database(alias='default')"
    assert run("--list", "live", "--quiet")[0] == ""
    out, _, error = run("--quiet")
    assert error is not None and "FAIL" in out  # quiet still prints a failure


def test_run__unknown_check_is_misconfigured_exit_2(settings):
    configure(settings, [*HEALTHY, "toolkit.health.checks.Nope"])
    _, _, error = run()
    assert error is not None and error.returncode == 2
    assert str(error).startswith(
        "misconfigured: toolkit.E021: TOOLKIT[\"HEALTH_CHECKS\"] entry 'toolkit.health.checks.Nope'"
    )
    assert not HealthCheckRun.objects.exists()


def test_run__bad_check_arguments_are_misconfigured_exit_2(settings):
    configure(settings, [["health_check.checks.Cache", {"nope": 1}]])
    _, _, error = run()
    assert error is not None and error.returncode == 2
    assert (
        "misconfigured: TOOLKIT[\"HEALTH_CHECKS\"]: cannot load ['health_check.checks.Cache', {'nope': 1}]"
        in str(error)
    )


def test_run__not_migrated_database_is_exit_2(settings, monkeypatch):
    configure(settings, HEALTHY)
    monkeypatch.setattr(HealthCheckRun._meta, "db_table", "toolkit_not_created_yet")
    _, _, error = run()
    assert error is not None and error.returncode == 2
    assert str(error) == (
        "misconfigured: the database is not migrated: table toolkit_not_created_yet is missing "
        "(run: manage.py migrate)"
    )


def test_run__prunes_runs_older_than_the_retention(settings):
    configure(settings, HEALTHY, HEALTH_RUN_RETENTION_DAYS=7)
    old = HealthCheckRun.objects.create(
        started_at=timezone.now() - datetime.timedelta(days=8), healthy=True, duration=0.1
    )
    recent = HealthCheckRun.objects.create(
        started_at=timezone.now() - datetime.timedelta(days=6), healthy=True, duration=0.1
    )
    run()
    assert not HealthCheckRun.objects.filter(pk=old.pk).exists()
    assert HealthCheckRun.objects.filter(pk=recent.pk).exists() and HealthCheckRun.objects.count() == 2


def test_run__alerts_only_when_the_state_changes(settings, caplog):
    caplog.set_level(logging.WARNING, logger="toolkit.health")
    configure(settings, unhealthy())
    out, _, _ = run()
    assert "state changed: alert sent" in out
    assert [(r.levelno, r.getMessage()[:33]) for r in caplog.records if r.name == "toolkit.health"] == [
        (logging.ERROR, "[health] ready checks UNHEALTHY: ")
    ]
    caplog.clear()
    run()  # still unhealthy: no new alert
    assert not [r for r in caplog.records if r.name == "toolkit.health"]
    configure(settings, HEALTHY)
    out, _, error = run()
    assert error is None and "alert sent" in out
    assert [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "toolkit.health"] == [
        (logging.WARNING, "[health] ready checks healthy again")
    ]


def test_run__first_healthy_run_sends_no_alert(settings, caplog):
    configure(settings, HEALTHY)
    out, _, _ = run()
    assert "alert" not in out and not [r for r in caplog.records if r.name == "toolkit.health"]


def test_email_notifier__to_recipients_or_admins(settings):
    settings.ADMINS = [("Ops", "ops@example.com")]
    configure(settings, unhealthy(), ["toolkit.health.notifiers.EmailNotifier",
              ["toolkit.health.notifiers.EmailNotifier", {"recipients": ["oncall@example.com"]}]])  # fmt: skip
    run()
    assert [m.to for m in mail.outbox] == [["ops@example.com"], ["oncall@example.com"]]
    assert "UNHEALTHY" in mail.outbox[1].subject and "FAIL  Clamd" in mail.outbox[1].body


class _Hook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append({"body": json.loads(body), "token": self.headers.get("X-Token")})
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_webhook_notifier__posts_the_alert_as_json(settings):
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Hook.received = []
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook"
        configure(
            settings,
            unhealthy(),
            [["toolkit.health.notifiers.WebhookNotifier", {"url": url, "headers": {"X-Token": "t"}}]],
        )
        run()
    finally:
        server.shutdown()
        server.server_close()
    [hook] = _Hook.received
    assert hook["token"] == "t" and hook["body"]["healthy"] is False
    assert hook["body"]["subject"].startswith("[health] ready checks UNHEALTHY")
    assert len(hook["body"]["results"]) == 3


def test_a_failing_notifier_is_a_warning_and_keeps_the_exit_code(settings):
    url = f"http://127.0.0.1:{free_port()}/hook"
    configure(settings, unhealthy(), [["toolkit.health.notifiers.WebhookNotifier", {"url": url, "timeout": 2}],
              "toolkit.health.notifiers.LoggingNotifier"])  # fmt: skip
    _, err, error = run()
    assert error is not None and error.returncode == 1
    assert "warning: WebhookNotifier: <urlopen error [Errno 111] Connection refused>" in err


def test_rq_job__the_cron_alternative_runs_and_records(settings):
    from toolkit.health.jobs import run_health_checks

    configure(settings, HEALTHY)
    assert run_health_checks()["healthy"] is True
    assert HealthCheckRun.objects.count() == 1


def test_rq_cron_config__registers_the_job():
    from django_rq.cron import DjangoCronScheduler

    scheduler = DjangoCronScheduler()
    scheduler.load_config_from_file("toolkit.health.cron")
    [job] = scheduler.get_jobs()
    assert job.func_name == "toolkit.health.jobs.run_health_checks" and job.interval == 60


def test_command_line__not_migrated_database_is_one_line_and_exit_2(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "settings.test",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "run_health_checks", "--list", "live"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "CommandError: misconfigured: the database is not migrated: table toolkit_healthcheckrun is missing "
        "(run: manage.py migrate)"
    ]
