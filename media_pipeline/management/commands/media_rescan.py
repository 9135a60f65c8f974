"""``manage.py media_rescan``: scan pending files again, or every file, or one model's files."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from media_pipeline.maintenance import rescan, resolve_model


class Command(BaseCommand):
    help = (
        "Queue scans of pending and failed files (default), of every file not quarantined (--all), "
        "or of one model's files (--model demo.Book). Exit code 2 for an unknown model."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--pending", action="store_true", help="Pending and scan_failed files (default).")
        scope.add_argument("--all", action="store_true", dest="everything",
                           help="Every file that is not quarantined, scanned again even if clean; also "
                           "registers files the pipeline never saw (bulk writes).")  # fmt: skip
        parser.add_argument(
            "--model", help="Only files of this model (app_label.Model); registers unseen files."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be scanned; change nothing."
        )
        parser.add_argument("--inline", action="store_true", help="Scan here instead of queueing jobs.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, everything: bool, model: str | None, dry_run: bool, inline: bool,
               no_progress: bool, **options: Any) -> None:  # fmt: skip
        model_class = None
        if model:
            try:
                model_class = resolve_model(model)
            except (LookupError, ValueError) as exc:
                raise CommandError(f"--model {model}: {exc}", returncode=2) from exc

        def bar(items: Any, label: str, total: int) -> Any:
            return tqdm(items, desc=label, total=total, file=self.stderr, disable=no_progress, leave=False)

        ending, self.stderr.ending = self.stderr.ending, ""  # tqdm redraws with carriage returns
        try:
            result = rescan(
                everything=everything, model=model_class, dry_run=dry_run, inline=inline, progress=bar
            )
        finally:
            self.stderr.ending = ending
        for label, pk, field, name in result.unregistered:
            verb = "would register" if dry_run else "registered"
            self.stdout.write(f"{verb} {label} {pk} {field}: {name}")
        if dry_run:
            for media in result.selected:
                self.stdout.write(f"would scan {media.pk} {media.status:<11} {media.file.name}")
            self.stdout.write(f"Dry run: {len(result.selected)} file(s) would be scanned.")
            return
        where = "scanned here" if inline else "queued on 'media'"
        self.stdout.write(self.style.SUCCESS(f"{result.queued} scan(s) {where}."))
