"""``/metrics``: the operation totals for Prometheus, plus django-prometheus' HTTP/DB/cache metrics.

The GraphQL figures come from the shared backend (Redis or the database), not from counters in
one process, so every worker reports the same cluster-wide series:

- ``graphql_operations_total{operation_type, operation_name, status}`` (``ok``, ``error``,
  ``refused``), a counter;
- ``graphql_operation_duration_seconds{operation_type, operation_name}``, a histogram with the
  dashboard's buckets (``dashboard.metrics.aggregates.BOUNDS``);
- ``graphql_operation_sql_queries_total`` and ``graphql_operation_cache_hits_total``.

django-prometheus' middleware (``settings.MIDDLEWARE``) counts requests in each process; with
several processes set ``PROMETHEUS_MULTIPROC_DIR`` and they are merged (prometheus_client's
multiprocess mode).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric

from dashboard import metrics
from dashboard.metrics.aggregates import BOUNDS


class OperationsCollector:
    """A prometheus_client collector reading the all-time totals at scrape time."""

    def collect(self) -> Iterator[Metric]:
        totals = metrics.totals()
        labels = ["operation_type", "operation_name"]
        operations = CounterMetricFamily(
            "graphql_operations", "GraphQL operations handled, by outcome.", labels=[*labels, "status"]
        )
        durations = HistogramMetricFamily(
            "graphql_operation_duration", "Time spent on GraphQL operations.", labels=labels, unit="seconds"
        )
        sql = CounterMetricFamily(
            "graphql_operation_sql_queries", "SQL statements run by GraphQL operations.", labels=labels
        )
        cache_hits = CounterMetricFamily(
            "graphql_operation_cache_hits", "GraphQL results served from the result cache.", labels=labels
        )
        for (operation_type, name), aggregate in sorted(totals.items()):
            values = [operation_type, name]
            operations.add_metric([*values, "ok"], aggregate.ok)
            operations.add_metric([*values, "error"], aggregate.errors)
            operations.add_metric([*values, "refused"], aggregate.refused)
            cumulative, buckets = 0, []
            for bound, count in zip((*BOUNDS, float("inf")), aggregate.histogram, strict=True):
                cumulative += count
                buckets.append(("+Inf" if bound == float("inf") else repr(bound), cumulative))
            durations.add_metric(values, buckets, sum_value=aggregate.duration_us / 1_000_000)
            sql.add_metric(values, aggregate.sql)
            cache_hits.add_metric(values, aggregate.cache_hits)
        yield from (operations, durations, sql, cache_hits)


def exposition() -> bytes:
    """The text exposition: the process (or multiprocess) registry, then the GraphQL totals."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        base = CollectorRegistry()
        multiprocess.MultiProcessCollector(base)
    else:
        base = REGISTRY
    graphql = CollectorRegistry(auto_describe=False)
    graphql.register(OperationsCollector())
    return generate_latest(base) + generate_latest(graphql)
