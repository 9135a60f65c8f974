"""RQ jobs: the cron alternative to ``run_health_checks`` (see docs/operations.md)."""

from __future__ import annotations

from typing import Any

from toolkit.health.runner import record, run_checks


def run_health_checks(check_list: str = "ready") -> dict[str, Any]:
    """Run, record and alert like ``manage.py run_health_checks``; returns the report."""
    report = run_checks(check_list)
    record(report)
    return report.as_dict()
