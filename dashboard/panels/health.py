"""Health: the ready checks run now, and the history ``run_health_checks`` recorded.

Uptime per check is the share of recorded runs in which it passed (runs come from cron at a
fixed interval, so this is the share of time too); the timeline shows the last 24 hours, one
segment per run, lasting until the next run.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError
from django.utils import timezone

from dashboard import charts
from dashboard.panels.base import Panel, Tile

CHECK_LIST = "ready"
DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(days=7)


@dataclass
class CheckResult:
    check: str
    healthy: bool
    message: str
    ms: float


@dataclass
class StateChange:
    at: datetime.datetime
    check: str
    healthy: bool
    message: str


@dataclass
class Uptime:
    check: str
    day: float | None
    week: float | None
    runs_day: int
    runs_week: int
    last_failure: datetime.datetime | None = None
    last_message: str = ""


@dataclass
class HealthData:
    check_list: str
    #: The checks run now (empty when the list could not be loaded: ``error`` says why).
    current: list[CheckResult]
    error: str = ""
    runs_week: int = 0
    last_run: datetime.datetime | None = None
    changes: list[StateChange] = field(default_factory=list)
    uptime: list[Uptime] = field(default_factory=list)
    #: Per check: ``[(start, end, healthy, message)]`` over the last 24 h (for the timeline).
    timeline: dict[str, list[tuple[datetime.datetime, datetime.datetime, bool, str]]] = field(
        default_factory=dict
    )
    #: Why the history could not be read (not migrated, database down), if so.
    history_error: str = ""

    @property
    def healthy(self) -> bool:
        return not self.error and all(c.healthy for c in self.current)

    @property
    def failing(self) -> list[CheckResult]:
        return [c for c in self.current if not c.healthy]


def run_now() -> tuple[list[CheckResult], str]:
    """Run the ready list in process (``("", message)`` when it is misconfigured)."""
    from toolkit.health.config import HealthConfigError
    from toolkit.health.runner import run_checks

    try:
        report = run_checks(CHECK_LIST)
    except HealthConfigError as exc:
        return [], str(exc)
    return [
        CheckResult(o.name, o.healthy, o.message, round(o.seconds * 1000, 2)) for o in report.outcomes
    ], ""


def history(now: datetime.datetime) -> dict[str, Any]:
    """State changes, uptime and the 24 h timeline from the recorded runs of the last 7 days."""
    from toolkit.models import HealthCheckRun

    runs = list(
        HealthCheckRun.objects.filter(check_list=CHECK_LIST, started_at__gte=now - WEEK)
        .order_by("started_at", "id")
        .values_list("started_at", "healthy", "results")
    )
    previous: dict[str, bool] = {}
    changes: list[StateChange] = []
    stats: dict[str, Uptime] = {}
    timeline: dict[str, list[tuple[datetime.datetime, datetime.datetime, bool, str]]] = {}
    for index, (started_at, _healthy, results) in enumerate(runs):
        ends = runs[index + 1][0] if index + 1 < len(runs) else now
        for result in results or []:
            name, ok, message = (
                str(result.get("check", "?")),
                bool(result.get("healthy")),
                str(result.get("message", "")),
            )
            before = previous.get(name)
            if (before is None and not ok) or (before is not None and before != ok):
                changes.append(StateChange(started_at, name, ok, message))
            previous[name] = ok
            entry = stats.setdefault(name, Uptime(name, None, None, 0, 0))
            entry.runs_week += 1
            entry.week = (entry.week or 0) + (1 if ok else 0)
            if started_at >= now - DAY:
                entry.runs_day += 1
                entry.day = (entry.day or 0) + (1 if ok else 0)
                timeline.setdefault(name, []).append((started_at, ends, ok, message))
            if not ok:
                entry.last_failure, entry.last_message = started_at, message
    for entry in stats.values():
        entry.week = entry.week / entry.runs_week if entry.runs_week else None
        entry.day = entry.day / entry.runs_day if entry.runs_day else None
    return {
        "runs_week": len(runs),
        "last_run": runs[-1][0] if runs else None,
        "changes": list(reversed(changes))[:50],
        "uptime": sorted(stats.values(), key=lambda u: u.check),
        "timeline": timeline,
    }


class HealthPanel(Panel):
    slug = "health"
    title = "Health"
    template = "dashboard/health.html"

    def data(self, params: Mapping[str, str]) -> HealthData:
        current, error = run_now()
        data = HealthData(check_list=CHECK_LIST, current=current, error=error)
        try:
            found = history(timezone.now())
        except DatabaseError as exc:
            data.history_error = f"the health history cannot be read: {str(exc).splitlines()[0]}"
            return data
        for key, value in found.items():
            setattr(data, key, value)
        return data

    def context(self, data: HealthData) -> dict[str, Any]:
        now = timezone.now()
        since = now - DAY
        rows = []
        for check, segments in sorted(data.timeline.items()):
            rows.append(
                (
                    check,
                    [
                        (
                            max((start - since) / DAY, 0),
                            min((end - since) / DAY, 1),
                            "ok" if ok else "error",
                            f"{start:%Y-%m-%d %H:%M} UTC: {'pass' if ok else 'FAIL'} {message}".strip(),
                        )
                        for start, end, ok, message in segments
                    ],
                )
            )
        return {
            "timeline_chart": charts.timeline(rows, label="Check results over the last 24 hours")
            if rows
            else ""
        }

    def tiles(self) -> list[Tile]:
        current, error = run_now()
        url = self.url
        if error:
            return [Tile("health", "Health", "misconfigured", "error", url, error)]
        failing = [c for c in current if not c.healthy]
        if not current:
            return [Tile("health", "Health", "no checks", "unknown", url, f"the {CHECK_LIST} list is empty")]
        if failing:
            names = ", ".join(c.check for c in failing)
            return [
                Tile(
                    "health",
                    "Health",
                    f"{len(failing)} of {len(current)} failing",
                    "error",
                    url,
                    names,
                    len(failing),
                )
            ]
        return [Tile("health", "Health", "all pass", "ok", url, f"{len(current)} {CHECK_LIST} checks", 0)]

    def text(self, data: HealthData) -> str:
        if data.error:
            return f"Health checks misconfigured: {data.error}\n"
        lines = [f"{CHECK_LIST} checks: {'healthy' if data.healthy else 'UNHEALTHY'}"]
        lines += [
            f"  {'ok ' if c.healthy else 'FAIL'} {c.check:<40} {c.ms:>8.1f} ms  {c.message}"
            for c in data.current
        ]
        if data.uptime:
            lines.append("uptime (24 h / 7 d, share of recorded runs):")
            lines += [f"  {u.check:<40} {_pct(u.day):>7} {_pct(u.week):>7}" for u in data.uptime]
        else:
            lines.append("No recorded runs in the last 7 days (run: manage.py run_health_checks).")
        return "\n".join(lines) + "\n"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"
