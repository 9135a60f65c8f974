"""``manage.py db_restore FILE [--database-name NAME --create] [--clean] [--noinput]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from toolkit import dbops


class Command(BaseCommand):
    help = (
        "Restore a db_backup file with pg_restore, in one transaction. By default into the "
        "configured database (asks first); --database-name restores into another database on the "
        "same server (--create creates it). Exit codes: 0 restored, 1 pg_restore failed, "
        "2 not possible here (SQLite, no pg_restore, missing file or database), 3 not confirmed."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A file written by db_backup (pg_dump --format=custom).")
        parser.add_argument("--database", default="default", help="The database alias (default: default).")
        parser.add_argument("--database-name", help="Restore into this database instead (same server).")
        parser.add_argument("--create", action="store_true", help="Create --database-name first.")
        parser.add_argument(
            "--clean", action="store_true", help="Drop the dump's objects before restoring them."
        )
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")
        parser.add_argument("--timeout", type=float, default=dbops.DEFAULT_TIMEOUT, help="Seconds allowed.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["create"] and not options["database_name"]:
            raise CommandError("--create needs --database-name (the database to create).", returncode=2)
        try:
            where = dbops.target(options["database"], options["database_name"])
            if not options["database_name"] and options["interactive"]:
                self._confirm(where.name)
            where = dbops.restore(
                options["file"],
                alias=options["database"],
                database=options["database_name"],
                create=options["create"],
                clean=options["clean"],
                timeout=options["timeout"],
            )
        except dbops.DatabaseOperationError as exc:
            raise CommandError(str(exc), returncode=exc.returncode) from None
        self.stdout.write(self.style.SUCCESS(f"Restored {options['file']} into database {where.name!r}."))

    def _confirm(self, name: str) -> None:
        try:
            answer = input(f"This restores into the live database {name!r}. Type 'yes' to continue: ")
        except EOFError:
            answer = ""
        if answer.strip().lower() != "yes":
            raise CommandError("Restore cancelled (run with --noinput to skip the question).", returncode=3)
