"""``manage.py db_backup [--output PATH] [--database ALIAS]``: a pg_dump (custom format)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from toolkit import dbops


class Command(BaseCommand):
    help = (
        "Back up the PostgreSQL database with pg_dump (custom format). Exit codes: 0 written, "
        "1 pg_dump failed, 2 not possible here (SQLite, no pg_dump, bad path)."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", "-o", help="File (or existing directory) to write; default ./<db>-<UTC time>.dump."
        )
        parser.add_argument("--database", default="default", help="The database alias (default: default).")
        parser.add_argument("--timeout", type=float, default=dbops.DEFAULT_TIMEOUT, help="Seconds allowed.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = dbops.backup(options["output"], alias=options["database"], timeout=options["timeout"])
        except dbops.DatabaseOperationError as exc:
            raise CommandError(str(exc), returncode=exc.returncode) from None
        size = path.stat().st_size
        self.stdout.write(self.style.SUCCESS(f"Backed up {options['database']!r} to {path} ({size} bytes)."))
