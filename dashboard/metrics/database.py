"""SQL statement counts, errors and durations for ``/metrics``: django-prometheus' ``django_db_*``
series, without swapping the database ENGINE.

django-prometheus normally asks for its own database backends
(``django_prometheus.db.backends.postgresql``); here every connection gets the same counting as
an execute wrapper when it is created (``connection_created``), so ``DATABASES`` stays Django's
own and nothing else changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django_prometheus.db.metrics import (
    connections_total,
    errors_total,
    execute_many_total,
    execute_total,
    query_duration_seconds,
)


def instrument(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Receiver of ``django.db.backends.signals.connection_created``."""
    alias, vendor = connection.alias, connection.vendor
    connections_total.labels(alias, vendor).inc()
    if getattr(connection, "_dashboard_counted", False):
        return  # a reconnection of a wrapper that already counts
    connection._dashboard_counted = True

    def count(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        statements = len(params) if many and params is not None and hasattr(params, "__len__") else 1
        execute_total.labels(alias, vendor).inc(statements)
        if many:
            execute_many_total.labels(alias, vendor).inc(statements)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        except Exception as exc:
            errors_total.labels(alias, vendor, type(exc).__name__).inc()
            raise
        finally:
            query_duration_seconds.labels(alias, vendor).observe(time.perf_counter() - started)

    connection.execute_wrappers.insert(0, count)
