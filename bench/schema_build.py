"""Schema build time and memory for 200 generated models: ``python -m bench.schema_build``.

Prints the build time — the schema with every type's fields resolved, which is what serving the
first query needs — of the first build and the median of 3 rebuilds, the resident memory growth
of the first build, and separately the time to print the SDL.

Measured in a fresh process, in two steps: first the schema of one model, which loads the code
every build runs (the toolkit's modules, simplejwt, cryptography, ...: a fixed cost per process,
whatever the number of models), then the first build of all 200 models — the figures the
targets are about.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any


def resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings_synthetic"
    import django

    django.setup()
    from django.test import override_settings
    from graphql import print_schema

    from toolkit.schema import build_schema

    before = resident_mb()
    started = time.perf_counter()
    with override_settings(TOOLKIT={"APPS": ["synthetic.Entity0"]}):
        complete(build_schema())
    code_seconds = time.perf_counter() - started
    code_growth = resident_mb() - before

    before = resident_mb()
    started = time.perf_counter()
    schema = complete(build_schema())
    first = time.perf_counter() - started
    growth = resident_mb() - before
    started = time.perf_counter()
    sdl = print_schema(schema.graphql_schema)
    printing = time.perf_counter() - started
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        complete(build_schema())
        timings.append(time.perf_counter() - started)
    types = len(schema.graphql_schema.type_map)
    print(f"code loaded by a first build (one model): {code_growth:.1f} MB in {code_seconds:.2f} s")
    print(f"models: 200; types: {types}; SDL: {len(sdl) // 1024} KiB (printed in {printing:.2f} s)")
    print(f"first build: {first:.2f} s; median of 3 rebuilds: {statistics.median(timings):.2f} s")
    print(f"resident memory growth of the first build of 200 models: {growth:.1f} MB")


def complete(schema: Any) -> Any:
    """Resolve every lazily defined field map, as the first validation of a query would."""
    for graphql_type in schema.graphql_schema.type_map.values():
        getattr(graphql_type, "fields", None)
    return schema


if __name__ == "__main__":
    main()
