"""``manage.py run_health_checks``: run a health check list in process, for cron.

Records a ``HealthCheckRun``, prunes old ones, alerts through ``TOOLKIT["HEALTH_NOTIFIERS"]``
when the state changes, and exits 0 healthy / 1 unhealthy / 2 misconfigured.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from toolkit.health import config
from toolkit.health.runner import NotMigrated, RunReport, record, run_checks

EXIT_UNHEALTHY = 1
EXIT_MISCONFIGURED = 2


class Command(BaseCommand):
    help = "Run the health checks (the 'ready' list by default), record the run and alert on a state change."
    requires_system_checks: list[str] = []  # a bad configuration is exit code 2, reported by us

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list", dest="check_list", choices=config.CHECK_LISTS, default="ready")
        parser.add_argument("--json", action="store_true", help="Print the run as JSON.")
        parser.add_argument("--quiet", action="store_true", help="Print nothing unless unhealthy.")

    def handle(self, *args: Any, **options: Any) -> None:
        from toolkit.registry import build_registry

        errors = [p for p in build_registry().problems if not p.warning]
        if errors:
            raise CommandError(
                f"misconfigured: {errors[0].id}: {errors[0].msg} (see manage.py check)",
                returncode=EXIT_MISCONFIGURED,
            )
        # django-health-check logs each expected failure with a traceback; the table says it all.
        library_logger = logging.getLogger("health_check")
        level = library_logger.level
        if options["verbosity"] < 2:
            library_logger.setLevel(logging.ERROR)
        try:
            report = run_checks(options["check_list"])
            record(report)
        except (config.HealthConfigError, NotMigrated) as exc:
            raise CommandError(f"misconfigured: {exc}", returncode=EXIT_MISCONFIGURED) from exc
        finally:
            library_logger.setLevel(level)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        elif not (options["quiet"] and report.healthy):
            self.stdout.write(self.table(report))
        for problem in [*report.notifier_errors, *([report.not_recorded] if report.not_recorded else [])]:
            self.stderr.write(self.style.WARNING(f"warning: {problem}"))
        if not report.healthy:
            failing = [o.name for o in report.outcomes if not o.healthy]
            raise CommandError(
                f"{report.check_list} checks unhealthy: {', '.join(failing)}", returncode=EXIT_UNHEALTHY
            )

    def table(self, report: RunReport) -> str:
        width = max([len(o.name) for o in report.outcomes] + [5])
        lines = [f"{'check':<{width}}  status  {'time':>8}  message"]
        for o in report.outcomes:
            status = self.style.SUCCESS("OK    ") if o.healthy else self.style.ERROR("FAIL  ")
            lines.append(f"{o.name:<{width}}  {status}  {o.seconds * 1000:>6.0f}ms  {o.message}")
        state = self.style.SUCCESS("healthy") if report.healthy else self.style.ERROR("unhealthy")
        alerted = " (state changed: alert sent)" if report.alerted else ""
        lines.append(
            f"{report.check_list}: {state}, {len(report.outcomes)} checks in {report.duration:.2f}s{alerted}"
        )
        return "\n".join(lines)
