"""Our own django-health-check checks: clamd, Redis and RQ, the schema snapshot, migrations.

Each is a dataclass (its ``repr`` names it in every output) whose ``run`` raises
``ServiceUnavailable`` or ``ServiceWarning`` with a message that is safe to show. A passing
check may leave a one-line ``detail`` (e.g. clamd's signature version) for
``run_health_checks`` to print.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable, ServiceWarning

from toolkit.conf import get_config
from toolkit.health import clamd


def detail_of(check: Any) -> str:
    return getattr(check, "detail", "") or ""


@dataclasses.dataclass
class Clamd(HealthCheck):
    """clamd answers PING; ``detail`` is its engine and signature version. With no ``CLAMD_URL``
    the check passes with the detail "not configured (builtin-test scanner)": uploads are then
    scanned by the EICAR-only test scanner, which ``settings.prod`` refuses (a system check)."""

    url: str = dataclasses.field(default_factory=lambda: get_config()["CLAMD_URL"])
    timeout: datetime.timedelta = dataclasses.field(default=datetime.timedelta(seconds=2), repr=False)

    def run(self) -> None:
        if not self.url:
            self.detail = "not configured (builtin-test scanner)"
            return
        try:
            version = clamd.ping(self.url, self.timeout.total_seconds())
        except clamd.ClamdError as exc:
            raise ServiceUnavailable(str(exc)) from exc
        self.detail = str(version)


def _queue_names(queues: list[str] | None, async_only: bool = False) -> list[str]:
    configured = getattr(settings, "RQ_QUEUES", {}) or {}
    names = list(queues) if queues is not None else sorted(configured)
    unknown = [n for n in names if n not in configured]
    if unknown:
        raise ServiceUnavailable(f"RQ_QUEUES has no queue(s) {', '.join(unknown)}")
    if async_only:
        names = [n for n in names if configured.get(n, {}).get("ASYNC", True)]
    return names


def _where(name: str) -> str:
    """host:port of a queue's Redis, without credentials."""
    from django_rq import get_connection

    kwargs = get_connection(name).connection_pool.connection_kwargs
    if "server" in kwargs:
        return "fakeredis (in process)"
    return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"


def _redis_error(name: str, exc: Exception) -> ServiceUnavailable:
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return ServiceUnavailable(f"cannot reach Redis at {_where(name)} (queue {name}): {reason}")


@dataclasses.dataclass
class Redis(HealthCheck):
    """The Redis server behind an RQ queue answers PING."""

    queue: str = "default"

    def run(self) -> None:
        from django_rq import get_connection
        from redis.exceptions import RedisError

        try:
            get_connection(self.queue).ping()
        except KeyError as exc:
            raise ServiceUnavailable(f"RQ_QUEUES has no queue {self.queue!r}") from exc
        except (RedisError, OSError) as exc:
            raise _redis_error(self.queue, exc) from exc
        self.detail = _where(self.queue)


@dataclasses.dataclass
class RQWorkers(HealthCheck):
    """Every queue that runs jobs in workers (not ``ASYNC: False``) has a live worker."""

    queues: list[str] | None = None  #: default: every queue in ``RQ_QUEUES``
    min_workers: int = 1

    def run(self) -> None:
        from django_rq import get_queue
        from redis.exceptions import RedisError
        from rq import Worker

        counts, short = {}, []
        for name in _queue_names(self.queues, async_only=True):
            try:
                # Worker.all skips workers whose heartbeat key expired (a killed process).
                counts[name] = len(Worker.all(queue=get_queue(name)))
            except (RedisError, OSError) as exc:
                raise _redis_error(name, exc) from exc
            if counts[name] < self.min_workers:
                short.append(name)
        if short:
            raise ServiceUnavailable(
                f"no live RQ worker for queue(s) {', '.join(short)} (run: manage.py rqworker {' '.join(short)})"
            )
        self.detail = ", ".join(f"{n}: {c}" for n, c in counts.items()) or "no queue runs in workers"


@dataclasses.dataclass
class RQQueues(HealthCheck):
    """Each queue's backlog and failed-job count are under their thresholds."""

    queues: list[str] | None = None  #: default: every queue in ``RQ_QUEUES``
    max_queued: int = 1000
    max_failed: int = 10

    def run(self) -> None:
        from django_rq import get_queue
        from redis.exceptions import RedisError

        over, parts = [], []
        for name in _queue_names(self.queues):
            try:
                queue = get_queue(name)
                queued, failed = queue.count, queue.failed_job_registry.count
            except (RedisError, OSError) as exc:
                raise _redis_error(name, exc) from exc
            parts.append(f"{name}: {queued} queued, {failed} failed")
            if queued > self.max_queued:
                over.append(f"{name} has {queued} queued jobs (max {self.max_queued})")
            if failed > self.max_failed:
                over.append(f"{name} has {failed} failed jobs (max {self.max_failed})")
        if over:
            raise ServiceWarning("; ".join(over))
        self.detail = "; ".join(parts)


@dataclasses.dataclass
class Migrations(HealthCheck):
    """Every migration on disk is applied to the database."""

    alias: str = "default"

    def run(self) -> None:
        connection = connections[self.alias]
        try:
            with connection.temporary_connection():
                executor = MigrationExecutor(connection)
                plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError as exc:
            raise ServiceUnavailable(f"cannot read the migration state: {str(exc).splitlines()[0]}") from exc
        if plan:
            first = plan[0][0]
            raise ServiceUnavailable(
                f"{len(plan)} unapplied migration(s), first {first.app_label}.{first.name} (run: manage.py migrate)"
            )


_sdl_memo: dict[int, tuple[Any, str]] = {}


def _live_sdl() -> str:
    """The sorted SDL of the live schema, printed once per schema object."""
    from toolkit.lifecycle.sdl import sorted_sdl
    from toolkit.schema import get_schema

    schema = get_schema()
    cached = _sdl_memo.get(id(schema))
    if cached is None or cached[0] is not schema:
        _sdl_memo.clear()
        cached = _sdl_memo[id(schema)] = (schema, sorted_sdl(schema.graphql_schema))
    return cached[1]


@dataclasses.dataclass
class SchemaSnapshot(HealthCheck):
    """The schema builds and matches the latest snapshot: the committed file (``source="file"``,
    ``TOOLKIT["SCHEMA_SNAPSHOT_FILE"]``) or the newest ``SchemaVersion`` (``source="database"``)."""

    source: str = "file"
    alias: str = dataclasses.field(default="default", repr=False)

    def run(self) -> None:
        from toolkit.exceptions import ConfigurationError
        from toolkit.lifecycle.sdl import sdl_hash
        from toolkit.lifecycle.sources import snapshot_path

        try:
            live = _live_sdl()
        except ConfigurationError as exc:
            raise ServiceUnavailable(f"the schema does not build: {exc}") from exc
        if self.source == "database":
            from toolkit.models import SchemaVersion

            try:
                with connections[self.alias].temporary_connection():
                    latest = SchemaVersion.objects.using(self.alias).order_by("-number").first()
            except DatabaseError as exc:
                raise ServiceUnavailable(
                    f"cannot read the schema versions: {str(exc).splitlines()[0]}"
                ) from exc
            if latest is None:
                raise ServiceUnavailable("no schema version is recorded (run: manage.py graphql snapshot)")
            if latest.sdl_hash != sdl_hash(live):
                raise ServiceWarning(f"the live schema differs from schema version {latest.number}")
            self.detail = f"matches schema version {latest.number}"
            return
        path = snapshot_path()
        try:
            committed = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ServiceUnavailable(f"cannot read the schema snapshot {path.name}: {exc.strerror}") from exc
        if committed != live:
            raise ServiceWarning(f"the live schema differs from {path.name} (run: manage.py graphql check)")
        self.detail = f"matches {path.name}"
