"""The project's RQ classes (``settings.RQ["QUEUE_CLASS"]``, ``["JOB_CLASS"]``, ``["WORKER_CLASS"]``).

:class:`Queue` and :class:`Job` carry the request that enqueued a job: the request id (and
operation name) of the log context are stored in ``job.meta`` when ``enqueue`` is called. A job enqueued without an explicit
``Retry`` gets ``settings.RQ["DEFAULT_RETRY"]`` (3 immediate retries by default), so a job whose
worker dies is retried rather than failed.

:class:`Worker` restores that context around each job (every log line and Sentry event of the
job carries the request id, job id and function), and recovers jobs abandoned by dead workers
at start-up and at each maintenance pass: an execution whose worker is gone (its Redis key has
expired) or, on this host, whose process no longer exists, is expired at once and handed to rq's
own ``StartedJobRegistry.cleanup`` — which retries the job when it has retries left (and fails
it otherwise). Without this, rq notices a dead worker's job only once the execution's heartbeat
expires (a minute or more) *and* a worker's ten-minute maintenance pass comes around.

A worker also outlives a Redis outage that begins while it runs a job: rq's own loop quits on any
Redis error outside its dequeue (the job cannot be reported, nor its status read), so
:class:`Worker` waits for Redis to answer again (:data:`REDIS_WAIT_SECONDS` between tries, logged
once) and carries on; the job's outcome is lost with a Redis that lost its data (the media
pipeline's scheduler queues stuck scans again). A worker asked to stop while waiting stops.

Delivery is at least once: a job may run again after its worker died half-way, so jobs must be
idempotent (the media pipeline's are; a cache invalidation is).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

import redis
import rq
from django.conf import settings
from django_rq.queues import DjangoRQ
from rq.executions import Execution
from rq.registry import StartedJobRegistry
from rq.utils import as_text

from toolkit.observability import context

logger = logging.getLogger("toolkit.workers")

#: Seconds between two tries to reach Redis again after it went away during a job.
REDIS_WAIT_SECONDS = 1.0

#: ``job.meta`` keys copied from the log context of the code that enqueues a job.
PROPAGATED = ("request_id", "operation_name")


def default_retry() -> rq.Retry | None:
    """``settings.RQ["DEFAULT_RETRY"]`` (``{"max": 3, "intervals": []}``) as an ``rq.Retry``."""
    configured = (getattr(settings, "RQ", None) or {}).get("DEFAULT_RETRY", {"max": 3, "intervals": []})
    if not configured or not configured.get("max"):
        return None
    return rq.Retry(max=int(configured["max"]), interval=list(configured.get("intervals") or [0]))


def propagated_meta() -> dict[str, Any]:
    """The ``job.meta`` entries taken from the current log context."""
    values = context.snapshot()
    return {key: values[key] for key in PROPAGATED if values.get(key) is not None}


class Queue(DjangoRQ):
    """django-rq's queue, capturing the log context when a job is enqueued — django-rq defers an
    enqueue made inside a transaction to the commit, when the request may be over."""

    def enqueue_call(self, *args: Any, **kwargs: Any) -> Any:
        captured = propagated_meta()
        if captured:
            kwargs["meta"] = {**captured, **(kwargs.get("meta") or {})}
        return super().enqueue_call(*args, **kwargs)


class Job(rq.job.Job):
    """An RQ job that remembers the request that enqueued it, and is retried by default."""

    @classmethod
    def create(cls, *args: Any, **kwargs: Any) -> Job:
        job = super().create(*args, **kwargs)
        for key, value in propagated_meta().items():
            job.meta.setdefault(key, value)
        if job.retries_left is None and kwargs.get("retry") is None:
            retry = default_retry()
            if retry is not None:
                job.retries_left = retry.max
                job.retry_intervals = retry.intervals
        return job


class JobContextMixin:
    """The job's log context around each job, and the recovery of abandoned jobs."""

    def perform_job(self, job: rq.job.Job, queue: rq.Queue, *args: Any, **kwargs: Any) -> bool:
        meta = job.meta or {}
        with context.bound(
            request_id=meta.get("request_id"),
            operation_name=meta.get("operation_name"),
            job_id=job.id,
            job_func=job.func_name,
        ):
            return super().perform_job(job, queue, *args, **kwargs)  # type: ignore[misc]

    def execute_job(self, job: rq.job.Job, queue: rq.Queue) -> None:
        try:
            super().execute_job(job, queue)  # type: ignore[misc]
        except redis.exceptions.ConnectionError:
            logger.warning(
                "Redis went away while job %s ran; its outcome could not be recorded. "
                "Waiting for Redis to come back.",
                job.id,
            )
            self.wait_for_redis()

    def wait_for_redis(self) -> None:
        """Block until Redis answers a PING (or a stop is requested), then re-register."""
        while not getattr(self, "_stop_requested", False):
            try:
                self.connection.ping()  # type: ignore[attr-defined]
            except redis.exceptions.ConnectionError:
                time.sleep(REDIS_WAIT_SECONDS)
                continue
            if not self.connection.exists(self.key):  # type: ignore[attr-defined]  # Redis lost its data
                self.register_birth()  # type: ignore[attr-defined]
            logger.warning("Redis is back; the worker carries on.")
            return

    def run_maintenance_tasks(self) -> None:
        try:
            recover_abandoned_jobs(self.queues, exclude_worker=self.name)  # type: ignore[attr-defined]
        except Exception:  # recovery is best effort: rq's own cleanup still runs
            logger.warning("recovering abandoned jobs failed", exc_info=True)
        super().run_maintenance_tasks()  # type: ignore[misc]


class Worker(JobContextMixin, rq.Worker):
    """``rq.Worker`` (a fork per job) with the job's log context and abandoned-job recovery."""


class SimpleWorker(JobContextMixin, rq.SimpleWorker):
    """The same, running jobs in the worker's own process (debugging: ``--worker-class``)."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # somebody else's process: alive
        return True
    return True


def worker_is_dead(connection: Any, worker_name: str, *, exclude_worker: str | None = None) -> bool:
    """The worker named ``worker_name`` no longer runs: its key has expired or says it died, or it
    ran on this host under a process id that is gone (or that is now this very process)."""
    if not worker_name or worker_name == exclude_worker:
        return False
    key = rq.Worker.redis_worker_namespace_prefix + worker_name
    hostname, pid, death = connection.hmget(key, "hostname", "pid", "death")
    if hostname is None and pid is None:
        return True  # expired: no heartbeat for longer than its TTL
    if death is not None:
        return True
    if as_text(hostname) == socket.gethostname() and pid is not None:
        pid = int(pid)
        return pid == os.getpid() or not _pid_alive(pid)
    return False


def recover_abandoned_jobs(queues: list[rq.Queue], *, exclude_worker: str | None = None) -> list[str]:
    """Retry (or fail) the jobs whose worker is dead; returns their ids."""
    recovered: list[str] = []
    for queue in queues:
        connection = queue.connection
        registry = StartedJobRegistry(
            queue.name, connection=connection, job_class=queue.job_class, serializer=queue.serializer
        )
        expired = []
        for entry in connection.zrange(registry.key, 0, -1):
            entry = as_text(entry)
            job_id, execution_id = entry.split(":", 1) if ":" in entry else (entry, "")
            try:
                worker_name = Execution.fetch(execution_id, job_id, connection).worker_name
            except ValueError:  # the execution's hash expired with its heartbeat
                worker_name = ""
                dead = True
            else:
                dead = worker_is_dead(connection, worker_name, exclude_worker=exclude_worker)
            if dead:
                expired.append(entry)
                recovered.append(job_id)
                logger.warning(
                    "job %s on queue %s was abandoned by dead worker %s: retrying it",
                    job_id,
                    queue.name,
                    worker_name or "(unknown)",
                    extra={"job_id": job_id, "queue": queue.name},
                )
        if expired:
            connection.zadd(registry.key, dict.fromkeys(expired, 0), xx=True)
            registry.cleanup()
    return recovered
