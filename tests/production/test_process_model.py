"""The process model: the Procfile's web (gunicorn with its config), worker and scheduler, started
together by honcho — as ``make run`` does when Redis is there — and gunicorn's JSON access log."""

from __future__ import annotations

import http.client
import importlib
import json
import os
import shlex
import subprocess
from pathlib import Path

import pytest
from rq import Worker, cron_scheduler_registry

from tests.production.conftest import PYTHON, ROOT, VENV_BIN, controlled_env, free_port, stop, wait_until

PROCFILE = ROOT / "Procfile"
QUEUES = ["default", "media", "cache_invalidation"]


def procfile() -> dict[str, list[str]]:
    entries = {}
    for line in PROCFILE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            entries[name.strip()] = shlex.split(command)
    return entries


def get(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def answers(port: int, path: str = "/health/live/") -> bool:
    try:
        return get(port, path)[0] == 200
    except OSError:
        return False


# -- the Procfile ---------------------------------------------------------------------------------------


def test_procfile__web_worker_and_scheduler():
    entries = procfile()
    assert entries == {
        "web": ["gunicorn", "--config", "python:settings.gunicorn", "settings.wsgi:application"],
        "worker": ["python", "manage.py", "rqworker", "--with-scheduler", *QUEUES],
        "scheduler": ["python", "manage.py", "rqcron", "toolkit.cron"],
    }


def test_procfile__honcho_accepts_it():
    result = subprocess.run(
        [str(VENV_BIN / "honcho"), "check", "--procfile", str(PROCFILE)],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Valid procfile detected (web, worker, scheduler)" in result.stderr + result.stdout


def test_run_script__uses_honcho_with_redis_and_runserver_without():
    script = (ROOT / "scripts" / "run.sh").read_text()
    assert "scripts/services.py --check redis" in script
    assert "exec honcho start --procfile Procfile" in script
    assert 'exec python manage.py runserver "$host:$port"' in script


def test_cron_config__health_checks_and_cleanups():
    from rq import cron

    module = importlib.import_module("toolkit.cron")
    cron._job_data_registry = []
    importlib.reload(module)
    registered = {data["func"].__name__: data for data in cron._job_data_registry}
    assert registered["run_health_checks"]["interval"] == 60
    assert registered["prune_audit_events"]["cron"] == "15 3 * * *"
    assert registered["requeue_stuck_scans"]["cron"] == "*/15 * * * *"
    assert {"clear_expired_sessions", "flush_expired_tokens"} <= set(registered)
    assert {data["queue_name"] for data in registered.values()} == {"default"}


# -- gunicorn's configuration --------------------------------------------------------------------------


@pytest.fixture
def gunicorn_config(monkeypatch):
    def load(**env: str):
        for name in (
            "PORT",
            "HOST",
            "WEB_CONCURRENCY",
            "GUNICORN_THREADS",
            "GUNICORN_TIMEOUT",
            "GUNICORN_RELOAD",
        ):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(importlib.import_module("settings.gunicorn"))

    yield load
    monkeypatch.undo()
    importlib.reload(importlib.import_module("settings.gunicorn"))


@pytest.mark.parametrize(("cpus", "workers"), [(1, 3), (2, 5), (3, 7), (16, 8)])
def test_gunicorn__workers_from_the_cpu_count(gunicorn_config, cpus, workers):
    assert gunicorn_config().default_workers(cpus) == workers


def test_gunicorn__defaults(gunicorn_config):
    config = gunicorn_config()
    assert config.bind == ["0.0.0.0:8000"]
    assert config.workers == config.default_workers(os.cpu_count())
    assert (config.worker_class, config.threads, config.timeout) == ("gthread", 4, 30)
    assert config.graceful_timeout == 30 and config.max_requests == 1000
    assert config.reload is False
    loggers = config.logconfig_dict["loggers"]
    assert set(loggers) == {"gunicorn.error", "gunicorn.access"}
    assert config.logconfig_dict["formatters"]["access"]["()"].endswith("AccessJsonFormatter")


def test_gunicorn__from_the_environment(gunicorn_config):
    config = gunicorn_config(PORT="9100", HOST="127.0.0.1", WEB_CONCURRENCY="2", GUNICORN_THREADS="8",
                             GUNICORN_TIMEOUT="45", GUNICORN_RELOAD="1")  # fmt: skip
    assert config.bind == ["127.0.0.1:9100"]
    assert (config.workers, config.threads, config.timeout, config.reload) == (2, 8, 45, True)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'process.sqlite3'}"


def test_gunicorn__serves_with_json_access_lines_and_request_ids(tmp_path, sqlite_url):
    port = free_port()
    out, err = (tmp_path / "out.log").open("w+"), (tmp_path / "err.log").open("w+")
    env = controlled_env(
        DJANGO_SETTINGS_MODULE="settings.test", DATABASE_URL=sqlite_url, PORT=str(port), HOST="127.0.0.1",
        WEB_CONCURRENCY="1", GUNICORN_THREADS="2",
    )  # fmt: skip
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--config", "python:settings.gunicorn", "settings.wsgi:application"],
        cwd=ROOT, env=env, stdout=out, stderr=err,
    )  # fmt: skip
    try:
        wait_until(lambda: answers(port) or process.poll() is not None, timeout=60, what="gunicorn")
        assert process.poll() is None, Path(err.name).read_text()
        status, headers, _ = get(
            port, "/health/live/", **{"X-Request-ID": "gunicorn-1", "Accept": "application/json"}
        )
        assert status == 200 and headers["X-Request-ID"] == "gunicorn-1"
        healthcheck = subprocess.run(
            [PYTHON, "scripts/healthcheck.py"], cwd=ROOT, env=controlled_env(PORT=str(port)), timeout=30
        )
        assert healthcheck.returncode == 0

        def access_line():
            out.flush()
            lines = [json.loads(x) for x in Path(out.name).read_text().splitlines() if x.startswith("{")]
            return next((x for x in lines if x.get("request_id") == "gunicorn-1"), None)

        line = wait_until(access_line, timeout=10, what="the access log line")
        assert line["logger"] == "gunicorn.access" and line["status"] == 200
        assert line["method"] == "GET" and line["path"] == "/health/live/" and line["duration_ms"] >= 0
    finally:
        stop(process)
        out.close()
        err.close()
    errors = [json.loads(x) for x in Path(err.name).read_text().splitlines() if x.startswith("{")]
    assert any(x["logger"] == "gunicorn.error" and "Booting worker" in x["message"] for x in errors)


def test_healthcheck_script__fails_when_nothing_answers():
    result = subprocess.run(
        [PYTHON, "scripts/healthcheck.py"], cwd=ROOT, env=controlled_env(PORT=str(free_port())),
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 1 and result.stderr.startswith("unhealthy:")


def test_honcho__starts_web_worker_and_scheduler_together(rq_redis, tmp_path, sqlite_url):
    """What ``make run`` runs when Redis is reachable: every Procfile process, one command."""
    port = free_port()
    kwargs = rq_redis.connection_pool.connection_kwargs
    env = controlled_env(
        DJANGO_SETTINGS_MODULE="settings.test", DATABASE_URL=sqlite_url, HOST="127.0.0.1",
        REDIS_URL=f"redis://{kwargs['host']}:{kwargs['port']}/{kwargs['db']}",
        WEB_CONCURRENCY="1", GUNICORN_THREADS="2",
    )  # fmt: skip
    log = (tmp_path / "honcho.log").open("w")
    process = subprocess.Popen(
        [str(VENV_BIN / "honcho"), "start", "--procfile", "Procfile", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        what = "web, worker and scheduler"
        wait_until(
            lambda: (
                process.poll() is not None
                or (
                    answers(port)
                    and Worker.all(connection=rq_redis)
                    and cron_scheduler_registry.get_keys(rq_redis)
                )
            ),
            timeout=90,
            what=what,
        )
        assert process.poll() is None, (tmp_path / "honcho.log").read_text()
        [worker] = Worker.all(connection=rq_redis)
        assert sorted(worker.queue_names()) == sorted(QUEUES)
        assert type(worker).__name__ == "Worker"
    finally:
        # honcho forwards SIGTERM to every process it started and waits for them.
        stop(process, timeout=60)
        log.close()
    assert process.returncode is not None
    text = (tmp_path / "honcho.log").read_text()
    for name in ("web.1", "worker.1", "scheduler.1"):
        assert f"{name}" in text, text
    wait_until(lambda: not Worker.all(connection=rq_redis), timeout=30, what="the worker to deregister")
