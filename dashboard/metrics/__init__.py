"""GraphQL operation metrics: collected from ``toolkit.signals.operation_executed``.

``aggregates`` (buckets, windows, percentiles), ``recorder`` (the signal receiver, name
folding, the in-process buffer), ``redis_backend`` and ``db_backend`` (storage) and
``prometheus`` (``/metrics``). The functions below are what the panels use.
"""

from __future__ import annotations

import time

from dashboard.metrics.aggregates import (
    RECENT,
    WINDOWS,
    Aggregate,
    OperationKey,
    Window,
    WindowData,
    build_window,
)
from dashboard.metrics.recorder import current_recorder, flush


def backend():
    """The backend of the current settings (``RedisBackend`` or ``DatabaseBackend``)."""
    return current_recorder().backend


def read_window(window: Window | str, now: float | None = None) -> WindowData:
    """Everything recorded in ``window`` (``"1h"``, ``"24h"``, ``"7d"`` or a :class:`Window`),
    after writing this process's buffer."""
    if isinstance(window, str):
        window = WINDOWS[window]
    now = time.time() if now is None else now
    flush()
    rows, slowest = backend().read(window, now)
    return build_window(window, now, rows, slowest)


def recent(now: float | None = None) -> WindowData:
    """The last five minutes (the overview's figures)."""
    return read_window(RECENT, now)


def totals() -> dict[OperationKey, Aggregate]:
    """All-time totals per operation (``/metrics``)."""
    flush()
    return backend().totals()


__all__ = [
    "RECENT",
    "WINDOWS",
    "Aggregate",
    "Window",
    "WindowData",
    "backend",
    "read_window",
    "recent",
    "totals",
]
