"""Run a health check list in process, record a ``HealthCheckRun`` and alert on state changes.

``run_checks`` is the one data function; ``run_health_checks`` (table or JSON), the RQ job in
``toolkit.health.jobs`` and the tests all use its :class:`RunReport`.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connections, router
from django.utils import timezone

from toolkit.conf import get_config
from toolkit.health import config
from toolkit.health.checks import detail_of
from toolkit.health.notifiers import HealthAlert
from toolkit.models import HealthCheckRun

logger = logging.getLogger("toolkit.health")


@dataclass
class CheckOutcome:
    name: str
    healthy: bool
    message: str
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "check": self.name,
            "healthy": self.healthy,
            "message": self.message,
            "seconds": round(self.seconds, 6),
        }


@dataclass
class RunReport:
    check_list: str
    started_at: datetime.datetime
    duration: float
    outcomes: list[CheckOutcome]
    #: Set by :func:`record`: the state changed and notifiers were called.
    alerted: bool = False
    #: Notifiers that raised (their errors are logged).
    notifier_errors: list[str] = field(default_factory=list)
    #: Why the run could not be stored (the database is down), if so.
    not_recorded: str = ""

    @property
    def healthy(self) -> bool:
        return all(o.healthy for o in self.outcomes)

    def as_dict(self) -> dict[str, Any]:
        return {
            "check_list": self.check_list,
            "healthy": self.healthy,
            "started_at": self.started_at.isoformat(),
            "duration": round(self.duration, 6),
            "results": [o.as_dict() for o in self.outcomes],
            "alerted": self.alerted,
            "notifier_errors": self.notifier_errors,
            "not_recorded": self.not_recorded,
        }


async def _gather(checks: list[Any], executor: ThreadPoolExecutor) -> list[Any]:
    return await asyncio.gather(*(check.get_result(executor) for check in checks))


def run_checks(check_list: str = "ready") -> RunReport:
    """Run one list (``HealthConfigError`` if it cannot be loaded); never raises for a failing check."""
    checks = config.check_list(check_list)
    started_at, start = timezone.now(), time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, min(8, len(checks)))) as executor:
        results = asyncio.run(_gather(checks, executor)) if checks else []
    outcomes = [
        CheckOutcome(
            name=repr(r.check),
            healthy=r.error is None,
            message=str(r.error) if r.error is not None else detail_of(r.check),
            seconds=r.time_taken,
        )
        for r in results
    ]
    return RunReport(check_list, started_at, time.perf_counter() - start, outcomes)


class NotMigrated(Exception):
    """The ``HealthCheckRun`` table does not exist (exit code 2 of run_health_checks)."""


def table_state() -> str:
    """``"ok"``, ``"missing"`` (not migrated) or ``"unreachable"`` (the database is down)."""
    alias = router.db_for_write(HealthCheckRun)
    try:
        with connections[alias].cursor() as cursor:
            tables = connections[alias].introspection.table_names(cursor)
    except DatabaseError:
        return "unreachable"
    return "ok" if HealthCheckRun._meta.db_table in tables else "missing"


def record(report: RunReport) -> HealthCheckRun | None:
    """Store the run, prune old runs, and call the notifiers if the state changed.

    The state before the first run counts as healthy, so a first unhealthy run alerts."""
    state = table_state()
    if state == "missing":
        raise NotMigrated(
            f"the database is not migrated: table {HealthCheckRun._meta.db_table} is missing (run: manage.py migrate)"
        )
    if state == "unreachable":
        report.not_recorded = "the database is unreachable; this run was not recorded"
        return None
    try:
        previous = (
            HealthCheckRun.objects.filter(check_list=report.check_list).order_by("-started_at", "-id").first()
        )
        run = HealthCheckRun.objects.create(
            started_at=report.started_at,
            check_list=report.check_list,
            healthy=report.healthy,
            duration=report.duration,
            results=[o.as_dict() for o in report.outcomes],
        )
        cutoff = timezone.now() - datetime.timedelta(days=get_config()["HEALTH_RUN_RETENTION_DAYS"])
        HealthCheckRun.objects.filter(started_at__lt=cutoff).delete()
    except DatabaseError as exc:
        report.not_recorded = f"this run was not recorded: {str(exc).splitlines()[0]}"
        return None
    was_healthy = previous.healthy if previous else True
    if was_healthy != report.healthy:
        notify(HealthAlert(report))
    return run


def notify(alert: HealthAlert) -> None:
    alert.report.alerted = True
    for notifier in config.notifiers():
        try:
            notifier.notify(alert)
        except Exception as exc:  # one broken channel must not hide the alert from the others
            logger.exception("health notifier %s failed", type(notifier).__name__)
            alert.report.notifier_errors.append(f"{type(notifier).__name__}: {exc}")
