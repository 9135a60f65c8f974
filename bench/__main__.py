"""Run the benchmarks: ``python -m bench [--size medium] [--repeat 15]`` (``make bench``).

Each operation runs through the generated schema and through its hand-written baseline,
interleaved, on the same data; the JSON must be identical. Printed per operation: SQL queries,
median and p95 milliseconds of each, and the ratio of the medians (GraphQL / baseline).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import sys
import time
from typing import Any


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", help="demo_seed size (default: medium)")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per operation (default: 15)")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.dev")
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.operations import OPERATIONS
    from toolkit import get_schema

    call_command("migrate", verbosity=0)
    call_command("demo_seed", size=args.size, verbosity=0)
    schema = get_schema()

    def run_graphql(document: str) -> Any:
        result = schema.execute(document)
        if result.errors:
            raise SystemExit(f"error: {result.errors[0]}")
        return json.loads(json.dumps(result.data))

    print(f"database: {connection.vendor}; size: {args.size}; runs per operation: {args.repeat}")
    print(f"{'operation':<62} {'SQL':>9} {'median ms':>17} {'p95 ms':>15} {'ratio':>6}")
    for operation in OPERATIONS:
        with CaptureQueriesContext(connection) as graphql_queries:
            graphql_json = run_graphql(operation.document)
        with CaptureQueriesContext(connection) as baseline_queries:
            baseline_json = json.loads(json.dumps(operation.baseline()))
        if graphql_json != baseline_json:
            raise SystemExit(f"error: '{operation.name}': GraphQL and baseline JSON differ")
        timings: dict[str, list[float]] = {"graphql": [], "baseline": []}
        for _ in range(args.repeat):  # interleaved, so machine noise hits both alike
            for label, call in (
                ("graphql", functools.partial(run_graphql, operation.document)),
                ("baseline", operation.baseline),
            ):
                start = time.perf_counter()
                call()
                timings[label].append((time.perf_counter() - start) * 1000)
        median = {k: statistics.median(v) for k, v in timings.items()}
        p95 = {k: sorted(v)[max(0, int(len(v) * 0.95) - 1)] for k, v in timings.items()}
        print(
            f"{operation.name:<62} {len(graphql_queries):>4}/{len(baseline_queries):<4}"
            f" {median['graphql']:>8.1f}/{median['baseline']:<8.1f}"
            f" {p95['graphql']:>7.1f}/{p95['baseline']:<7.1f} {median['graphql'] / median['baseline']:>5.1f}x"
        )
    cached_vs_uncached(OPERATIONS[0].document, args.repeat)
    sys.stdout.flush()


def cached_vs_uncached(document: str, repeat: int) -> None:
    """The same read through /graphql/, with the result cache off and on (warm)."""
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    client = Client(HTTP_HOST="localhost")
    body = json.dumps({"query": document})

    def post() -> float:
        start = time.perf_counter()
        response = client.post("/graphql/", body, content_type="application/json")
        assert response.status_code == 200, response.content[:200]
        return (time.perf_counter() - start) * 1000

    medians = {}
    for label, enabled in (("uncached", False), ("cached", True)):
        with override_settings(
            TOOLKIT={**settings.TOOLKIT, "RESULT_CACHE": {"enabled": enabled, "timeout": 300}}
        ):
            post()  # warm: the schema, the document cache and (when on) the result cache
            medians[label] = statistics.median(post() for _ in range(repeat))
    print(
        f"\nidentical read through /graphql/ (the nested list): uncached {medians['uncached']:.1f} ms, "
        f"cached {medians['cached']:.1f} ms, {medians['uncached'] / medians['cached']:.1f}x faster"
    )


if __name__ == "__main__":
    main()
