"""``manage.py media_quarantine list`` / ``purge [--older-than DAYS]``: the infected files."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat

from media_pipeline.maintenance import purge_quarantine, quarantined


class Command(BaseCommand):
    help = "List quarantined (infected) files, or delete them with their records (purge)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "purge"])
        parser.add_argument("--older-than", type=int, metavar="DAYS",
                            help="Only files quarantined more than DAYS days ago.")  # fmt: skip
        parser.add_argument(
            "--dry-run", action="store_true", help="purge: list what would go; delete nothing."
        )

    def handle(self, *args: Any, action: str, older_than: int | None, dry_run: bool, **options: Any) -> None:
        if older_than is not None and older_than < 0:
            raise CommandError("--older-than must be 0 or more days", returncode=2)
        if action == "list":
            rows = list(quarantined(older_than))
            for media in rows:
                when = media.quarantined_at.strftime("%Y-%m-%d %H:%M") if media.quarantined_at else "-"
                self.stdout.write(
                    f"{media.pk}  {when}  {media.signature} ({media.scanner})  "
                    f"{filesizeformat(media.size)}  {media.original_name}  -> {media.quarantine_name or '-'}"
                )
            self.stdout.write(f"{len(rows)} quarantined file(s).")
            return
        rows = purge_quarantine(older_than_days=older_than, dry_run=dry_run)
        for media in rows:
            self.stdout.write(
                f"{'would delete' if dry_run else 'deleted'} {media.pk} {media.quarantine_name}"
            )
        if dry_run:
            self.stdout.write(f"Dry run: {len(rows)} quarantined file(s) would be deleted.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Deleted {len(rows)} quarantined file(s)."))
