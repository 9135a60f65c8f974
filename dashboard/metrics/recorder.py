"""Recording operations: the ``operation_executed`` receiver, name folding and the buffer.

Each operation is added to an in-process buffer of per-minute aggregates (a few microseconds);
the buffer goes to the backend every ``flush_seconds`` (0 with Redis: one round trip per
operation; 10 with the database: one short transaction per process every ten seconds), and
before the dashboard reads. Metrics are best effort: a backend that fails loses that batch
and logs one warning a minute, never an error to the client.

Cardinality stays bounded: anonymous operations are counted as ``(anonymous)``, documents that
could not be parsed (or name an operation they do not have) as ``(invalid)``, and once
``max_operation_names`` distinct names were seen within the retention, new names are counted
as ``(other)`` (per operation type). The backend decides that atomically for all processes.
"""

from __future__ import annotations

import heapq
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings

from dashboard.conf import backend_name, flush_seconds, metrics_config
from dashboard.metrics.aggregates import (
    ANONYMOUS,
    FOLDED,
    INVALID,
    OTHER,
    UNKNOWN_TYPE,
    Aggregate,
    OperationKey,
    SlowOperation,
)

logger = logging.getLogger("dashboard.metrics")

OPERATION_TYPES = frozenset({"query", "mutation", "subscription"})
NAME_RE = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}\Z")
#: ``(minute start, operation type, operation name)``
BufferKey = tuple[int, str, str]


def fold(operation_type: str | None, operation_name: str | None) -> OperationKey:
    """The key an operation is counted under before the name limit applies."""
    if operation_type not in OPERATION_TYPES:
        return (UNKNOWN_TYPE, INVALID)
    if operation_name is None:
        return (operation_type, ANONYMOUS)
    if not isinstance(operation_name, str) or not NAME_RE.match(operation_name):
        return (operation_type, INVALID)
    return (operation_type, operation_name)


def is_fixed(key: OperationKey) -> bool:
    """Folded names are always counted under their own name (they do not use up the limit)."""
    return key[1] in FOLDED


class Recorder:
    """The per-process buffer in front of a backend (thread-safe)."""

    def __init__(self, backend: Any, *, max_names: int, flush_every: float, slowest_kept: int) -> None:
        self.backend = backend
        self.max_names = max_names
        self.flush_every = flush_every
        self.slowest_kept = slowest_kept
        self.lock = threading.Lock()
        self.buffer: dict[BufferKey, Aggregate] = {}
        #: Per hour start: a min-heap of ``(seconds, sequence, SlowOperation)``, at most ``slowest_kept``.
        self.slow: dict[int, list[tuple[float, int, SlowOperation]]] = {}
        self.sequence = 0
        #: Names the backend admitted (never folded locally); bounds the buffer between flushes.
        self.admitted: set[OperationKey] = set()
        self.last_flush = time.time()
        self._last_warning = 0.0

    def record(
        self,
        operation_type: str | None,
        operation_name: str | None,
        seconds: float,
        sql: int,
        status: str,
        cache_hit: bool,
        now: float | None = None,
    ) -> None:
        now = time.time() if now is None else now
        key = fold(operation_type, operation_name)
        minute = int(now // 60) * 60
        with self.lock:
            if not is_fixed(key) and key not in self.admitted and (minute, *key) not in self.buffer:
                pending = {k[1:] for k in self.buffer if not is_fixed(k[1:])} - self.admitted
                if len(pending) + len(self.admitted) >= self.max_names:
                    key = (key[0], OTHER)
            aggregate = self.buffer.get((minute, *key))
            if aggregate is None:
                aggregate = self.buffer[(minute, *key)] = Aggregate()
            aggregate.observe(seconds, sql, status, cache_hit)
            if self.slowest_kept:
                self._keep_if_slow(SlowOperation(now, key[0], key[1], seconds, sql, status))
            due = self.flush_every <= 0 or not 0 <= now - self.last_flush < self.flush_every
        if due:
            self.flush(now)

    def _keep_if_slow(self, operation: SlowOperation) -> None:
        heap = self.slow.setdefault(int(operation.at // 3600) * 3600, [])
        self.sequence += 1
        entry = (operation.seconds, self.sequence, operation)
        if len(heap) < self.slowest_kept:
            heapq.heappush(heap, entry)
        elif operation.seconds > heap[0][0]:
            heapq.heapreplace(heap, entry)

    def flush(self, now: float | None = None) -> None:
        """Send the buffer to the backend (a failure drops it and logs a warning)."""
        now = time.time() if now is None else now
        with self.lock:
            buffer, slow = self.buffer, self.slow
            self.buffer, self.slow = {}, {}
            self.last_flush = now
        if not buffer and not slow:
            return
        rows = [(minute, t, n, aggregate) for (minute, t, n), aggregate in buffer.items()]
        slowest = [entry[2] for heap in slow.values() for entry in heap]
        try:
            admitted = self.backend.write(rows, slowest, now)
        except Exception as exc:
            if now - self._last_warning > 60:
                self._last_warning = now
                logger.warning(
                    "operation metrics could not be stored (%s backend): %s", self.backend.name, exc
                )
            return
        with self.lock:
            self.admitted = set(admitted)


# -- the process's recorder, rebuilt when the settings change ------------------------------------
_recorder: tuple[tuple[Any, ...], Recorder] | None = None
_recorder_lock = threading.Lock()


def _backend_factory(name: str) -> Callable[[], Any]:
    if name == "redis":
        from dashboard.metrics.redis_backend import RedisBackend

        return RedisBackend
    from dashboard.metrics.db_backend import DatabaseBackend

    return DatabaseBackend


def current_recorder() -> Recorder:
    """This process's recorder for the current settings (flushing the previous one if they changed)."""
    global _recorder
    config = metrics_config()  # the same object until the settings change
    redis_setting = getattr(settings, "REDIS_URL", None)
    current = _recorder
    if current is not None and current[0][0] is config and current[0][1] == redis_setting:
        return current[1]
    with _recorder_lock:
        if _recorder is not None and _recorder[0][0] is config and _recorder[0][1] == redis_setting:
            return _recorder[1]
        if _recorder is not None:
            _recorder[1].flush()
        instance = Recorder(
            _backend_factory(backend_name())(),
            max_names=int(config["max_operation_names"]),
            flush_every=flush_seconds(),
            slowest_kept=int(config["slowest_kept"]),
        )
        _recorder = ((config, redis_setting), instance)
        return instance


def reset() -> None:
    """Forget the process's recorder and its buffer (tests)."""
    global _recorder
    with _recorder_lock:
        _recorder = None


def on_operation_executed(
    sender: Any,
    *,
    operation_name: str | None = None,
    operation_type: str | None = None,
    duration: float = 0.0,
    sql_count: int = 0,
    status: str = "ok",
    cache_hit: bool = False,
    **kwargs: Any,
) -> None:
    """Receiver of :data:`toolkit.signals.operation_executed`."""
    if not metrics_config()["enabled"]:
        return
    current_recorder().record(operation_type, operation_name, duration, sql_count, status, cache_hit)


def flush() -> None:
    """Write this process's buffer now (the dashboard calls it before reading)."""
    if _recorder is not None:
        _recorder[1].flush()
