"""Operation metrics overhead: ``python -m bench.metrics_overhead [--size small] [--repeat 41]``.

The nested-list operation (``bench/operations.py``: 100 books with publisher, authors, tags and
reviews) is posted to ``/graphql/`` through Django's test client — the whole view, where
``toolkit.signals.operation_executed`` is sent — with the dashboard's metrics off (the baseline)
and on, interleaved in one run so machine noise hits every case alike:

- ``database (buffered)``: the default without Redis, one write every ``flush_seconds`` (10 s);
- ``database (every operation)``: ``flush_seconds = 0``, a transaction per operation (the worst case);
- ``redis``: the default with ``REDIS_URL``, one Lua script call per operation (skipped when no
  Redis answers at ``BENCH_REDIS_URL``, default ``redis://127.0.0.1:6379/7``, which it empties).

Printed per case: median and p95 milliseconds and the overhead of the medians against the
baseline; the budget is 5 %. Runs on its own SQLite file (``BENCH_DATABASE_URL`` picks another).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DEFAULT_DATABASE = Path(tempfile.gettempdir()) / "toolkit-bench-metrics.sqlite3"
BUDGET = 0.05
#: The cases a project gets without choosing: the budget applies to them.
DEFAULTS = ("database (buffered, 10 s)", "redis (every operation)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small", help="demo_seed size (default: small; 100+ books)")
    parser.add_argument("--repeat", type=int, default=41, help="timed runs per case (default: 41)")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.dev")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # no log line per operation
    os.environ["RESULT_CACHE"] = "false"  # every run executes: the cache would hide the work
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{DEFAULT_DATABASE}")
    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from bench.operations import OPERATIONS
    from dashboard.metrics import recorder

    call_command("migrate", verbosity=0)
    from demo.models import Book

    if Book.objects.count() < 100:
        call_command("demo_seed", size=args.size, verbosity=0)
    operation = OPERATIONS[0]
    body = json.dumps({"query": operation.document})
    client = Client(HTTP_HOST="localhost")

    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        redis_url = ""

    def toolkit(**metrics: Any) -> dict[str, Any]:
        dashboard = {**settings.TOOLKIT.get("DASHBOARD", {}), "METRICS": metrics}
        return {
            **settings.TOOLKIT,
            "RESULT_CACHE": {"enabled": False, "timeout": 300},
            "DASHBOARD": dashboard,
        }

    cases: dict[str, dict[str, Any]] = {
        "metrics off (baseline)": toolkit(enabled=False),
        "database (buffered, 10 s)": toolkit(enabled=True, backend="database"),
        "database (every operation)": toolkit(enabled=True, backend="database", flush_seconds=0),
    }
    if redis_url:
        cases["redis (every operation)"] = toolkit(enabled=True, backend="redis", redis_url=redis_url)

    def post() -> float:
        start = time.perf_counter()
        response = client.post("/graphql/", body, content_type="application/json")
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200 or "errors" in response.json():
            raise SystemExit(f"error: {response.content[:300]!r}")
        return elapsed

    def clear() -> None:
        for overrides in cases.values():
            if overrides["DASHBOARD"]["METRICS"].get("enabled"):
                with override_settings(TOOLKIT=overrides):
                    recorder.current_recorder().backend.clear()
        recorder.reset()

    clear()
    timings: dict[str, list[float]] = {name: [] for name in cases}
    for overrides in cases.values():  # warm: schema, document cache, backend connections
        with override_settings(TOOLKIT=overrides):
            post()
    for _ in range(args.repeat):
        for name, overrides in cases.items():
            with override_settings(TOOLKIT=overrides):
                timings[name].append(post())
    for overrides in cases.values():
        with override_settings(TOOLKIT=overrides):
            recorder.flush()
    clear()

    baseline = statistics.median(timings["metrics off (baseline)"])
    print(f"database: {connection.vendor}; books: {Book.objects.count()}; runs per case: {args.repeat}")
    print(f"operation: {operation.name}, through /graphql/")
    print(f"{'case':<30} {'median ms':>10} {'p95 ms':>8} {'overhead':>9}")
    worst = float("-inf")
    for name, values in timings.items():
        median = statistics.median(values)
        p95 = sorted(values)[max(0, int(len(values) * 0.95) - 1)]
        overhead = median / baseline - 1
        if name in DEFAULTS:
            worst = max(worst, overhead)
        print(f"{name:<30} {median:>10.2f} {p95:>8.2f} {overhead * 100:>8.1f}%")
    if not redis_url:
        print("redis: skipped (no Redis at BENCH_REDIS_URL)")
    verdict = "within" if worst < BUDGET else "OVER"
    print(f"default backends: worst overhead {worst * 100:.1f}% ({verdict} the {BUDGET * 100:.0f}% budget)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
