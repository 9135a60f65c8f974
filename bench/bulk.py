"""Bulk mutation benchmark: ``python -m bench.bulk [--rows 200] [--repeat 7]``.

Creates ``--rows`` Tags and Books four ways, each run inside a transaction that is rolled back:

- ``bulkCreate…`` through the generated schema, fast path (validation in Python, batched unique
  checks, ``bulk_create``);
- the same mutation forced onto the per-row path by a ``post_save`` receiver (``full_clean()``
  and ``save()`` per row, as ``createTag`` does);
- Django's ``bulk_create`` (no validation): the baseline of the ratios;
- Django's ``full_clean()`` + ``save()`` per row, for reference.

Printed per case: SQL queries, median milliseconds and the ratio to ``bulk_create``. Runs on its
own SQLite file (``BENCH_DATABASE_URL`` picks another database), as a user holding the ``add``
permissions, through ``toolkit.get_schema().execute(...)`` with the toolkit's execution context.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

DEFAULT_DATABASE = Path(tempfile.gettempdir()) / "toolkit-bench-bulk.sqlite3"


@dataclass(frozen=True)
class Case:
    name: str
    run: Callable[[], int]  # returns the number of rows it wrote
    per_row_receiver: Any = None  # a model: a post_save receiver is connected for it during the run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200, help="rows per bulk create (default: 200)")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per case (default: 7)")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.dev")
    os.environ["DEBUG"] = "false"
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{DEFAULT_DATABASE}")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import signals
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    import toolkit
    from demo.models import Book, Publisher, Tag
    from toolkit.conf import get_config
    from toolkit.mutations.execution import MutationExecutionContext

    call_command("migrate", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="bench-bulk")
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="demo", codename__in=["add_tag", "add_book"])
    )
    user = get_user_model().objects.get(pk=user.pk)  # fresh permission cache
    publisher, _ = Publisher.objects.get_or_create(slug="bench-bulk", defaults={"name": "Bench Bulk Press"})
    request = RequestFactory().post("/graphql/")
    request.user = user
    schema = toolkit.get_schema()
    rows = args.rows

    def tag_values(i: int) -> dict[str, Any]:
        return {"name": f"bench-tag-{i}", "slug": f"bench-tag-{i}"}

    def book_values(i: int) -> dict[str, Any]:
        return {
            "title": f"Bench Book {i}",
            "slug": f"bench-book-{i}",
            "isbn": f"990{i:010d}",
            "price": Decimal("12.50"),
        }

    def graphql(root: str, input_type: str, inputs: list[dict[str, Any]]) -> Callable[[], int]:
        document = (
            f"mutation($inputs: [{input_type}!]!) {{ {root}(inputs: $inputs)"
            " { ok results { index ok errors { field code } } } }"
        )

        def run() -> int:
            result = schema.execute(
                document,
                variable_values={"inputs": inputs},
                context_value=request,
                execution_context_class=MutationExecutionContext,
            )
            if result.errors or not result.data[root]["ok"]:
                raise SystemExit(f"error: {root}: {result.errors or result.data[root]['results'][:3]}")
            return len(result.data[root]["results"])

        return run

    def bulk_create(model: Any, values: Callable[[int], dict[str, Any]], **extra: Any) -> Callable[[], int]:
        def run() -> int:
            created = model.objects.bulk_create(
                [model(**values(i), **extra) for i in range(rows)], batch_size=get_config()["BULK_BATCH_SIZE"]
            )
            return len(created)

        return run

    def save_each(model: Any, values: Callable[[int], dict[str, Any]], **extra: Any) -> Callable[[], int]:
        def run() -> int:
            for i in range(rows):
                instance = model(**values(i), **extra)
                instance.full_clean()
                instance.save()
            return rows

        return run

    tag_inputs = [tag_values(i) for i in range(rows)]
    book_inputs = [
        {**book_values(i), "price": str(book_values(i)["price"]), "publisher": {"connect": publisher.pk}}
        for i in range(rows)
    ]
    groups = {
        f"{rows} Tags": [
            Case("bulkCreateTags, fast path", graphql("bulkCreateTags", "TagCreateInput", tag_inputs)),
            Case(
                "bulkCreateTags, per-row path (post_save receiver)",
                graphql("bulkCreateTags", "TagCreateInput", tag_inputs),
                per_row_receiver=Tag,
            ),
            Case("Django bulk_create", bulk_create(Tag, tag_values)),
            Case("Django full_clean() + save() per row", save_each(Tag, tag_values)),
        ],
        f"{rows} Books (publisher connect; one CheckConstraint)": [
            Case("bulkCreateBooks, fast path", graphql("bulkCreateBooks", "BookCreateInput", book_inputs)),
            Case(
                "bulkCreateBooks, per-row path (post_save receiver)",
                graphql("bulkCreateBooks", "BookCreateInput", book_inputs),
                per_row_receiver=Book,
            ),
            Case("Django bulk_create", bulk_create(Book, book_values, publisher=publisher)),
            Case("Django full_clean() + save() per row", save_each(Book, book_values, publisher=publisher)),
        ],
    }

    def receiver(**kwargs: Any) -> None:
        pass

    def measure(case: Case) -> tuple[int, float]:
        """(SQL queries of one run, median ms over the timed runs); every run is rolled back."""
        if case.per_row_receiver is not None:
            signals.post_save.connect(receiver, sender=case.per_row_receiver, dispatch_uid="bench-bulk")
        try:
            with transaction.atomic():  # a first run warms up and counts the queries
                with CaptureQueriesContext(connection) as captured:
                    written = case.run()
                if written != rows:
                    raise SystemExit(f"error: '{case.name}' wrote {written} rows, not {rows}")
                transaction.set_rollback(True)
            timings = []
            for _ in range(args.repeat):
                with transaction.atomic():
                    start = time.perf_counter()
                    case.run()
                    timings.append((time.perf_counter() - start) * 1000)
                    transaction.set_rollback(True)
            return len(captured), statistics.median(timings)
        finally:
            signals.post_save.disconnect(sender=case.per_row_receiver, dispatch_uid="bench-bulk")

    print(f"database: {connection.vendor}; rows per run: {rows}; timed runs per case: {args.repeat}")
    for title, cases in groups.items():
        results = {case.name: measure(case) for case in cases}
        baseline = results["Django bulk_create"][1]
        print(f"\n{title}")
        print(f"{'case':<52} {'SQL':>6} {'median ms':>10} {'ratio':>7}")
        for name, (queries, median) in results.items():
            print(f"{name:<52} {queries:>6} {median:>10.1f} {median / baseline:>6.1f}x")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
