"""RQ jobs carry the request that enqueued them, and a worker killed mid-job leaves the job retried,
not lost — with real ``manage.py rqworker`` processes on a real Redis."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import django_rq
import pytest
import rq
from django.test import Client
from rq.registry import FailedJobRegistry, StartedJobRegistry

from tests.production import jobs
from tests.production.conftest import ROOT, manage_env, stop, wait_until
from toolkit import workers
from toolkit.observability import context

QUEUE_NAMES = ("default", "media", "cache_invalidation")


def start_worker(connection, log_path) -> subprocess.Popen:
    log = open(log_path, "ab")  # noqa: SIM115  (closed when the process is stopped)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", *QUEUE_NAMES],
        cwd=ROOT, env=manage_env(connection), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    process.log = log  # type: ignore[attr-defined]
    return process


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


# -- the request id travels with the job -----------------------------------------------------------------


def test_a_job__remembers_the_request_that_enqueued_it(rq_redis):
    with context.bound(request_id="enq-1", operation_name="CreateBook"):
        job = django_rq.get_queue("default").enqueue(jobs.log_line, "x")
    assert type(job) is workers.Job
    assert job.meta == {"request_id": "enq-1", "operation_name": "CreateBook"}
    assert rq.job.Job.fetch(job.id, connection=rq_redis).meta["request_id"] == "enq-1"


def test_a_job_enqueued_outside_a_request__has_no_request_id(rq_redis):
    assert "request_id" not in django_rq.get_queue("default").enqueue(jobs.log_line, "x").meta


def test_a_job__is_retried_by_default_and_keeps_an_explicit_retry(rq_redis, settings):
    queue = django_rq.get_queue("default")
    assert queue.enqueue(jobs.log_line, "x").retries_left == 3
    assert queue.enqueue(jobs.log_line, "x", retry=rq.Retry(max=1)).retries_left == 1
    settings.RQ = {**settings.RQ, "DEFAULT_RETRY": {"max": 0}}
    assert queue.enqueue(jobs.log_line, "x").retries_left is None


def test_the_worker__logs_with_the_jobs_request_id(rq_redis, json_logs):
    queue = django_rq.get_queue("default")
    with context.bound(request_id="wrk-1"):
        job = queue.enqueue(jobs.log_line, "from the job")
    workers.SimpleWorker([queue], connection=rq_redis, job_class=queue.job_class).work(burst=True)
    [line] = json_logs.of("tests.production.jobs")
    assert line["message"] == "job says from the job"
    assert (line["request_id"], line["job_id"], line["job_func"]) == (
        "wrk-1",
        job.id,
        "tests.production.jobs.log_line",
    )


def test_a_mutation_over_http__propagates_its_request_id_into_the_invalidation_job(
    rq_redis, redis_url, settings, db, django_capture_on_commit_callbacks
):
    from django.contrib.auth import get_user_model

    settings.REDIS_URL = redis_url  # invalidations go to the cache_invalidation queue
    admin = get_user_model().objects.create_superuser("wrk-admin", "wrk@example.com", "pw-worker-123456")
    client = Client()
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/graphql/",
            {"query": 'mutation { createTag(input: {name: "rid-job", slug: "rid-job"}) { ok } }'},
            content_type="application/json",
            HTTP_X_REQUEST_ID="http-job-1",
        )
    assert response.json()["data"]["createTag"]["ok"] is True
    [job] = django_rq.get_queue("cache_invalidation").get_jobs()
    assert job.func_name == "toolkit.caching.bump"
    assert job.meta["request_id"] == "http-job-1"


# -- a worker killed mid-job -----------------------------------------------------------------------------


def test_a_worker_killed_mid_job__leaves_the_job_retried_not_lost(rq_redis, tmp_path):
    key = f"kill-{uuid.uuid4().hex}"
    queue = django_rq.get_queue("default")
    job = queue.enqueue(jobs.wait_for_release, key)
    first = start_worker(rq_redis, tmp_path / "first.log")
    try:
        wait_until(lambda: rq_redis.get(f"{key}:attempts") == b"1", timeout=60, what="the job to start")
        horse = int(rq_redis.lindex(f"{key}:pids", 0))
        # The whole worker dies at once (OOM killer, node lost, kill -9): the worker and its work horse.
        os.kill(first.pid, signal.SIGKILL)
        os.kill(horse, signal.SIGKILL)
        first.wait(timeout=30)
        wait_until(lambda: not alive(horse), timeout=30, what="the work horse to die")
    finally:
        stop(first)
        first.log.close()
    job.refresh()
    assert job.get_status() == "started"  # abandoned: nobody works on it any more
    assert job.id in StartedJobRegistry("default", connection=rq_redis).get_job_ids(cleanup=False)

    second = start_worker(rq_redis, tmp_path / "second.log")
    try:
        wait_until(lambda: rq_redis.get(f"{key}:attempts") == b"2", timeout=60, what="the job to be retried")
        rq_redis.set(f"{key}:release", 1)
        wait_until(
            lambda: job.get_status(refresh=True) == "finished", timeout=60, what="the retried job to finish"
        )
    finally:
        stop(second)
        second.log.close()
    job.refresh()
    assert job.return_value() == 2  # the second attempt did the work
    assert job.retries_left == 2
    assert rq_redis.lrange(f"{key}:done", 0, -1) == [b"2"]
    assert job.id not in FailedJobRegistry("default", connection=rq_redis)
    assert "abandoned by dead worker" in (tmp_path / "second.log").read_text()


def test_a_killed_work_horse__is_retried_by_its_own_worker(rq_redis, tmp_path):
    """Only the process running the job dies (e.g. the OOM killer): the worker retries the job."""
    key = f"horse-{uuid.uuid4().hex}"
    job = django_rq.get_queue("default").enqueue(jobs.wait_for_release, key)
    worker = start_worker(rq_redis, tmp_path / "worker.log")
    try:
        wait_until(lambda: rq_redis.get(f"{key}:attempts") == b"1", timeout=60, what="the job to start")
        os.kill(int(rq_redis.lindex(f"{key}:pids", 0)), signal.SIGKILL)
        wait_until(lambda: rq_redis.get(f"{key}:attempts") == b"2", timeout=60, what="the job to be retried")
        rq_redis.set(f"{key}:release", 1)
        wait_until(lambda: job.get_status(refresh=True) == "finished", timeout=60, what="the job to finish")
    finally:
        stop(worker)
        worker.log.close()
    assert rq_redis.lrange(f"{key}:done", 0, -1) == [b"2"]
    assert job.id not in FailedJobRegistry("default", connection=rq_redis)


# -- telling dead workers from live ones -----------------------------------------------------------------


def register(connection, name, **fields):
    connection.hset(rq.Worker.redis_worker_namespace_prefix + name, mapping=fields)


def test_worker_is_dead__by_expired_key_death_mark_or_gone_process(rq_redis):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        host = socket.gethostname()
        register(rq_redis, "live", hostname=host, pid=sleeper.pid)
        register(rq_redis, "elsewhere", hostname="another-host", pid=1)
        register(rq_redis, "died", hostname=host, pid=sleeper.pid, death="2025-01-01T00:00:00Z")
        register(rq_redis, "reused-pid", hostname=host, pid=os.getpid())
        assert workers.worker_is_dead(rq_redis, "live") is False
        assert workers.worker_is_dead(rq_redis, "elsewhere") is False  # only its heartbeat can tell
        assert workers.worker_is_dead(rq_redis, "died") is True
        assert workers.worker_is_dead(rq_redis, "reused-pid") is True  # a restarted container's PID 1
        assert workers.worker_is_dead(rq_redis, "never-registered") is True
        assert workers.worker_is_dead(rq_redis, "live", exclude_worker="live") is False
    finally:
        stop(sleeper, signal.SIGKILL)
    assert workers.worker_is_dead(rq_redis, "live") is True  # its process is gone now


def test_recover__leaves_jobs_of_live_workers_alone(rq_redis):
    queue = django_rq.get_queue("default")
    assert workers.recover_abandoned_jobs([queue]) == []
    job = queue.enqueue(jobs.log_line, "x")
    assert workers.recover_abandoned_jobs([queue]) == []
    assert job.get_status() == "queued"


@pytest.mark.parametrize("retries", [None, 0])
def test_default_retry__can_be_switched_off(settings, retries):
    settings.RQ = {**settings.RQ, "DEFAULT_RETRY": {"max": retries}}
    assert workers.default_retry() is None
