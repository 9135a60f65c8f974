"""``manage.py media_thumbnails``: make missing thumbnails, or regenerate all of them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from media_pipeline.maintenance import regenerate_thumbnails


class Command(BaseCommand):
    help = "Queue thumbnail jobs for clean images missing a configured size (default) or for all (--all)."

    def add_arguments(self, parser: CommandParser) -> None:
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument(
            "--missing", action="store_true", help="Images missing a configured size (default)."
        )
        scope.add_argument("--all", action="store_true", dest="everything", help="Every clean image.")
        parser.add_argument("--dry-run", action="store_true", help="List the images; change nothing.")
        parser.add_argument("--inline", action="store_true", help="Make them here instead of queueing jobs.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, everything: bool, dry_run: bool, inline: bool, no_progress: bool,
               **options: Any) -> None:  # fmt: skip
        def bar(items: Any, label: str, total: int) -> Any:
            return tqdm(items, desc=label, total=total, file=self.stderr, disable=no_progress, leave=False)

        ending, self.stderr.ending = self.stderr.ending, ""
        try:
            rows = regenerate_thumbnails(everything=everything, dry_run=dry_run, inline=inline, progress=bar)
        finally:
            self.stderr.ending = ending
        if dry_run:
            for media in rows:
                have = ", ".join(sorted(media.thumbnails or {})) or "none"
                self.stdout.write(f"would make {media.pk} {media.file.name} (has: {have})")
            self.stdout.write(f"Dry run: {len(rows)} image(s) would get thumbnails.")
            return
        where = "made here" if inline else "queued on 'media'"
        self.stdout.write(self.style.SUCCESS(f"Thumbnails of {len(rows)} image(s) {where}."))
