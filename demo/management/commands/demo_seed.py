"""Fill the demo catalogue with deterministic sample data."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from demo.seeding import SIZES, Seeder, flush_demo_data, has_demo_data

#: Sizes from which a progress bar is shown by default.
PROGRESS_FROM = ("medium", "large")


class Command(BaseCommand):
    help = "Seed the demo app with deterministic sample data (skips if data exists, unless --flush)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--size",
            choices=list(SIZES),
            default="small",
            help="How much data: "
            + ", ".join(f"{name}={size.books} books/{size.reviews} reviews" for name, size in SIZES.items())
            + " (default: small).",
        )
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default: 42).")
        parser.add_argument("--flush", action="store_true", help="Delete existing demo data first.")
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="Show a progress bar (default: for medium and large).",
        )

    def handle(
        self, *args: Any, size: str, seed: int, flush: bool, progress: bool | None, **options: Any
    ) -> None:
        if has_demo_data():
            if not flush:
                self.stdout.write("Demo data already present; nothing to do (use --flush to recreate).")
                return
            flush_demo_data()
        show = progress if progress is not None else size in PROGRESS_FROM

        def bar(items: Any, label: str, total: int) -> Any:
            return tqdm(items, desc=label, total=total, file=self.stderr, disable=not show, leave=False)

        # tqdm redraws with carriage returns: stop OutputWrapper appending a newline to each write.
        ending, self.stderr.ending = self.stderr.ending, ""
        try:
            counts = Seeder(SIZES[size], seed=seed, progress=bar).run()
        except Exception as exc:
            if options.get("traceback"):
                raise
            raise CommandError(f"Seeding failed: {exc}") from exc
        finally:
            self.stderr.ending = ending
        summary = ", ".join(f"{count} {name.lower()}s" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Seeded the demo ({size}, seed {seed}): {summary}."))
