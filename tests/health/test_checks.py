"""Our health checks against the real services: clamd, Redis, RQ workers and queues, the
schema snapshot and migrations, each healthy and each failure reported as unhealthy."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from health_check.exceptions import ServiceUnavailable, ServiceWarning

from tests.services import (
    CLAMD_URL,
    burst_worker,
    free_port,
    queues_config,
    services,
)
from toolkit.health.checks import Clamd, Migrations, Redis, RQQueues, RQWorkers, SchemaSnapshot
from toolkit.lifecycle.sdl import sorted_sdl
from toolkit.schema import get_schema


def result_of(check):
    """Run a check the way django-health-check does (in a thread, with its timeout)."""
    return asyncio.run(check.get_result())


# -- clamd ------------------------------------------------------------------------------------


def test_clamd__answers_ping_and_reports_its_version(real_services):
    check = Clamd(url=CLAMD_URL)
    check.run()
    assert check.detail.startswith("ClamAV ") and "unofficial signatures only" in check.detail


def test_clamd__a_stopped_daemon_is_unavailable(real_services, tmp_path):
    """Start a second clamd, see it healthy, stop it by its PID, see it unavailable."""
    port = free_port()
    env = {"CLAMD_PORT": str(port), "CLAMD_RUN_DIR": str(tmp_path / "clamd")}
    started = services("clamd", **env)
    assert started.returncode == 0, started.stderr
    try:
        assert result_of(Clamd(url=f"tcp://127.0.0.1:{port}")).error is None
    finally:
        assert services("--stop", "clamd", **env).returncode == 0
    error = result_of(Clamd(url=f"tcp://127.0.0.1:{port}")).error
    assert isinstance(error, ServiceUnavailable)
    assert str(error) == f"Unavailable: cannot reach clamd at tcp://127.0.0.1:{port}: Connection refused"


def test_clamd__unix_socket_and_bad_address(real_services, tmp_path):
    missing = tmp_path / "clamd.sock"
    with pytest.raises(ServiceUnavailable, match="cannot reach clamd at unix://"):
        Clamd(url=f"unix://{missing}").run()
    with pytest.raises(ServiceUnavailable, match="unsupported clamd address 'http://x'"):
        Clamd(url="http://x").run()


def test_clamd__uses_toolkit_clamd_url_by_default(settings):
    settings.TOOLKIT = {**settings.TOOLKIT, "CLAMD_URL": "tcp://127.0.0.1:1"}
    assert repr(Clamd()) == "Clamd(url='tcp://127.0.0.1:1')"


# -- Redis and RQ -----------------------------------------------------------------------------


def test_redis__answers_ping(rq_redis, redis_url):
    check = Redis(queue="media")
    check.run()
    assert check.detail == redis_url.removeprefix("redis://")


def test_redis__a_wrong_port_is_unavailable(real_services, settings):
    port = free_port()
    settings.RQ_QUEUES = queues_config(f"redis://127.0.0.1:{port}/0")
    error = result_of(Redis()).error
    assert isinstance(error, ServiceUnavailable)
    assert f"cannot reach Redis at 127.0.0.1:{port}/0 (queue default)" in str(error)
    for check in (RQWorkers(), RQQueues()):
        assert "cannot reach Redis" in str(result_of(check).error)


def test_redis__unknown_queue_is_unavailable(rq_redis):
    with pytest.raises(ServiceUnavailable, match="RQ_QUEUES has no queue 'nope'"):
        Redis(queue="nope").run()
    with pytest.raises(ServiceUnavailable, match="RQ_QUEUES has no queue"):
        RQWorkers(queues=["nope"]).run()


def test_rq_workers__no_worker_is_unavailable(rq_redis):
    with pytest.raises(ServiceUnavailable) as info:
        RQWorkers().run()
    assert str(info.value) == (
        "Unavailable: no live RQ worker for queue(s) cache_invalidation, default, media "
        "(run: manage.py rqworker cache_invalidation default media)"
    )


def test_rq_workers__a_real_worker_is_alive_until_it_stops(rq_redis, rq_worker):
    check = RQWorkers()
    check.run()
    assert check.detail == "cache_invalidation: 1, default: 1, media: 1"
    rq_worker.terminate()
    rq_worker.wait(timeout=15)
    with pytest.raises(ServiceUnavailable, match="no live RQ worker"):
        RQWorkers().run()


def test_rq_workers__synchronous_queues_need_no_worker(rq_redis, settings):
    settings.RQ_QUEUES = {name: {**config, "ASYNC": False} for name, config in settings.RQ_QUEUES.items()}
    check = RQWorkers()
    check.run()
    assert check.detail == "no queue runs in workers"


def test_rq_queues__backlog_over_the_threshold_is_a_warning(rq_redis):
    import django_rq

    queue = django_rq.get_queue("media")
    for _ in range(3):
        queue.enqueue("tests.health.jobs.succeed")
    RQQueues(max_queued=3).run()
    with pytest.raises(ServiceWarning, match=r"media has 3 queued jobs \(max 2\)"):
        RQQueues(max_queued=2).run()


def test_rq_queues__failed_jobs_from_a_real_burst_worker(rq_redis):
    import django_rq

    queue = django_rq.get_queue("default")
    queue.enqueue("tests.health.jobs.fail")
    done = queue.enqueue("tests.health.jobs.succeed")
    result = burst_worker(rq_redis, "default")
    assert result.returncode == 0, result.stderr
    assert done.get_status(refresh=True) == "finished" and done.return_value() == "done"
    check = RQQueues(max_failed=1)
    check.run()
    assert "default: 0 queued, 1 failed" in check.detail
    with pytest.raises(ServiceWarning, match=r"default has 1 failed jobs \(max 0\)"):
        RQQueues(max_failed=0).run()


# -- migrations and the schema snapshot -------------------------------------------------------


@pytest.mark.django_db
def test_migrations__all_applied():
    Migrations().run()


@pytest.mark.django_db
def test_migrations__an_unapplied_migration_is_unavailable():
    latest = MigrationRecorder(connection).migration_qs.filter(app="toolkit").order_by("-name").first().name
    MigrationRecorder(connection).record_unapplied("toolkit", latest)  # rolled back after the test
    with pytest.raises(ServiceUnavailable, match=rf"1 unapplied migration\(s\), first toolkit.{latest}"):
        Migrations().run()


def snapshot_settings(settings, tmp_path: Path, text: str | None) -> Path:
    path = tmp_path / "schema.graphql"
    if text is not None:
        path.write_text(text)
    settings.TOOLKIT = {**settings.TOOLKIT, "SCHEMA_SNAPSHOT_FILE": str(path)}
    return path


def test_schema_snapshot__matches_the_committed_file(settings, tmp_path):
    snapshot_settings(settings, tmp_path, sorted_sdl(get_schema().graphql_schema))
    check = SchemaSnapshot()
    check.run()
    assert check.detail == "matches schema.graphql"


def test_schema_snapshot__a_stale_file_is_a_warning(settings, tmp_path):
    snapshot_settings(settings, tmp_path, "type Query { old: Int }\n")
    with pytest.raises(
        ServiceWarning, match=r"the live schema differs from schema.graphql \(run: manage.py graphql check\)"
    ):
        SchemaSnapshot().run()


def test_schema_snapshot__a_missing_file_is_unavailable(settings, tmp_path):
    snapshot_settings(settings, tmp_path, None)
    with pytest.raises(ServiceUnavailable, match=r"cannot read the schema snapshot schema\.graphql"):
        SchemaSnapshot().run()


def test_schema_snapshot__a_schema_that_does_not_build_is_unavailable(settings):
    settings.TOOLKIT = {**settings.TOOLKIT, "APPS": ["nope"]}
    with pytest.raises(ServiceUnavailable, match="the schema does not build: Invalid toolkit configuration"):
        SchemaSnapshot().run()


@pytest.mark.django_db
def test_schema_snapshot__against_the_latest_recorded_version(settings, tmp_path):
    from tests.lifecycle.conftest import graphql, without

    snapshot_settings(settings, tmp_path, None)
    with pytest.raises(ServiceUnavailable, match="no schema version is recorded"):
        SchemaSnapshot(source="database").run()
    graphql("snapshot")
    check = SchemaSnapshot(source="database")
    check.run()
    assert check.detail == "matches schema version 1"
    without(settings, "demo.Book", "word_count")
    with pytest.raises(ServiceWarning, match="the live schema differs from schema version 1"):
        SchemaSnapshot(source="database").run()
