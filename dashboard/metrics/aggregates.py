"""Rolling aggregates of GraphQL operations: fixed duration buckets, windows and percentiles.

Everything here is plain arithmetic on :class:`Aggregate` objects, shared by both storage
backends, the pages, the JSON status and ``/metrics``.

Durations go into the fixed buckets :data:`BOUNDS` (upper bounds in seconds, like a Prometheus
histogram; the last bucket is ``+Inf``). A percentile is read from the bucket counts by linear
interpolation inside the bucket that holds it (what Prometheus' ``histogram_quantile`` does), so
its error is at most that bucket's width: ±1.25 ms below 10 ms, ±12.5 ms around 50 ms, ±125 ms
around 500 ms. A percentile in the ``+Inf`` bucket is reported as the last bound (10 s).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

#: Upper bounds of the duration buckets, in seconds (16 buckets with the implicit +Inf).
BOUNDS: tuple[float, ...] = (
    0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
)  # fmt: skip
BUCKETS = len(BOUNDS) + 1

#: The counters of an aggregate besides the histogram: their short names in storage.
COUNTERS = {"count": "c", "errors": "e", "refused": "r", "sql": "q", "cache_hits": "k", "duration_us": "d"}

#: Operation names that stand for many: anonymous operations, documents that could not be
#: parsed (or name no operation of the document), and names past ``max_operation_names``.
ANONYMOUS = "(anonymous)"
INVALID = "(invalid)"
OTHER = "(other)"
FOLDED = (ANONYMOUS, INVALID, OTHER)
#: The operation type of a document that could not be parsed.
UNKNOWN_TYPE = "unknown"


def bucket_index(seconds: float) -> int:
    """The bucket of a duration: the first whose bound is >= it (Prometheus' ``le``)."""
    return bisect_left(BOUNDS, seconds)


@dataclass
class Aggregate:
    """Counts for a set of operations (one name in one minute, or a whole window)."""

    count: int = 0
    #: Operations whose result had errors (``status == "error"``).
    errors: int = 0
    #: Operations refused before execution: parse/validation errors, limits, rate limits.
    refused: int = 0
    #: SQL statements, summed.
    sql: int = 0
    cache_hits: int = 0
    #: Total duration in microseconds (an integer, so backends can add it atomically).
    duration_us: int = 0
    histogram: list[int] = field(default_factory=lambda: [0] * BUCKETS)

    def observe(self, seconds: float, sql: int, status: str, cache_hit: bool) -> None:
        self.count += 1
        if status == "error":
            self.errors += 1
        elif status == "refused":
            self.refused += 1
        self.sql += sql
        self.cache_hits += 1 if cache_hit else 0
        self.duration_us += int(seconds * 1_000_000)
        self.histogram[bucket_index(seconds)] += 1

    def add(self, other: Aggregate) -> Aggregate:
        self.count += other.count
        self.errors += other.errors
        self.refused += other.refused
        self.sql += other.sql
        self.cache_hits += other.cache_hits
        self.duration_us += other.duration_us
        self.histogram = [a + b for a, b in zip(self.histogram, other.histogram, strict=True)]
        return self

    # -- storage form: {"c": 3, "e": 1, ..., "h4": 2} with only the non-zero values -------------
    def as_increments(self) -> dict[str, int]:
        values = {short: getattr(self, name) for name, short in COUNTERS.items()}
        values.update({f"h{i}": n for i, n in enumerate(self.histogram)})
        return {k: v for k, v in values.items() if v}

    def add_increment(self, key: str, value: int) -> None:
        if key.startswith("h"):
            index = int(key[1:])
            if 0 <= index < BUCKETS:
                self.histogram[index] += value
            return
        name = _SHORT.get(key)
        if name is not None:
            setattr(self, name, getattr(self, name) + value)

    # -- figures ----------------------------------------------------------------------------------
    @property
    def failures(self) -> int:
        return self.errors + self.refused

    @property
    def ok(self) -> int:
        return self.count - self.errors - self.refused

    @property
    def error_rate(self) -> float | None:
        """Operations whose result had errors, per operation (``None`` without operations).
        Refusals (bad documents, limits, rate limits: the client's doing) are counted apart."""
        return self.errors / self.count if self.count else None

    @property
    def refused_rate(self) -> float | None:
        return self.refused / self.count if self.count else None

    @property
    def mean_sql(self) -> float | None:
        return self.sql / self.count if self.count else None

    @property
    def cache_hit_rate(self) -> float | None:
        return self.cache_hits / self.count if self.count else None

    @property
    def mean_seconds(self) -> float | None:
        return self.duration_us / 1_000_000 / self.count if self.count else None

    def percentile(self, q: float) -> float | None:
        return percentile(self.histogram, q)

    def as_dict(self) -> dict[str, Any]:
        def ms(seconds: float | None) -> float | None:
            return None if seconds is None else round(seconds * 1000, 2)

        return {
            "count": self.count,
            "errors": self.errors,
            "refused": self.refused,
            "error_rate": _round(self.error_rate),
            "refused_rate": _round(self.refused_rate),
            "p50_ms": ms(self.percentile(0.5)),
            "p95_ms": ms(self.percentile(0.95)),
            "p99_ms": ms(self.percentile(0.99)),
            "mean_ms": ms(self.mean_seconds),
            "mean_sql": _round(self.mean_sql, 2),
            "cache_hit_rate": _round(self.cache_hit_rate),
        }


_SHORT = {short: name for name, short in COUNTERS.items()}


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def percentile(histogram: list[int], q: float) -> float | None:
    """The ``q`` quantile (0 < q <= 1) of the durations counted in ``histogram``, in seconds,
    interpolated linearly inside its bucket; ``None`` when nothing was counted."""
    total = sum(histogram)
    if not total:
        return None
    rank = q * total
    cumulative = 0
    for index, count in enumerate(histogram):
        if count and cumulative + count >= rank:
            lower = BOUNDS[index - 1] if index > 0 else 0.0
            if index >= len(BOUNDS):
                return lower  # the +Inf bucket: only its lower bound is known
            upper = BOUNDS[index]
            return lower + (upper - lower) * (rank - cumulative) / count
        cumulative += count
    return BOUNDS[-1]  # pragma: no cover - rank <= total always lands in a bucket


# -- windows ---------------------------------------------------------------------------------------
MINUTE, HOUR = 60, 3600
#: How long minute buckets are kept (the 1 h window and the overview's last minutes need them).
MINUTE_RETENTION_SECONDS = 2 * HOUR


@dataclass(frozen=True)
class Window:
    """A span read from buckets of one resolution, ending with the current (partial) bucket."""

    key: str
    label: str
    #: ``"m"`` (minute buckets) or ``"h"`` (hour buckets).
    resolution: str
    buckets: int

    @property
    def step(self) -> int:
        return MINUTE if self.resolution == "m" else HOUR

    def starts(self, now: float) -> list[int]:
        """Epoch seconds of each bucket's start, oldest first; the last one holds ``now``."""
        current = int(now // self.step) * self.step
        return [current - i * self.step for i in range(self.buckets - 1, -1, -1)]

    def since(self, now: float) -> int:
        return self.starts(now)[0]


#: The windows of the GraphQL metrics page. 24 h and 7 d are read from hour buckets, so they
#: start at the top of an hour: 23 to 24 hours (6 days 23 hours to 7 days) of data.
WINDOWS: dict[str, Window] = {
    "1h": Window("1h", "last hour", "m", 60),
    "24h": Window("24h", "last 24 hours", "h", 24),
    "7d": Window("7d", "last 7 days", "h", 168),
}
#: The overview's "now": the last five minute buckets (the current one is partial).
RECENT = Window("5m", "last 5 minutes", "m", 5)


@dataclass
class SlowOperation:
    """One slow operation kept for the "slowest recent operations" table."""

    at: float
    operation_type: str
    operation_name: str
    seconds: float
    sql: int
    status: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "operation_type": self.operation_type,
            "operation_name": self.operation_name,
            "ms": round(self.seconds * 1000, 2),
            "sql": self.sql,
            "status": self.status,
        }


OperationKey = tuple[str, str]


@dataclass
class WindowData:
    """What one window holds: per operation, per bucket (all operations) and the slowest."""

    window: Window
    now: float
    operations: dict[OperationKey, Aggregate] = field(default_factory=dict)
    #: ``[(bucket start, aggregate of every operation)]``, one per bucket, oldest first.
    series: list[tuple[int, Aggregate]] = field(default_factory=list)
    slowest: list[SlowOperation] = field(default_factory=list)

    @property
    def total(self) -> Aggregate:
        total = Aggregate()
        for aggregate in self.operations.values():
            total.add(aggregate)
        return total


def build_window(
    window: Window, now: float, rows: list[tuple[int, str, str, Aggregate]], slowest: list[SlowOperation]
) -> WindowData:
    """Group ``(bucket start, type, name, aggregate)`` rows read from a backend."""
    starts = window.starts(now)
    by_start = {start: Aggregate() for start in starts}
    data = WindowData(window=window, now=now)
    for start, operation_type, name, aggregate in rows:
        if start not in by_start:
            continue  # outside the window (a backend may return a little more)
        by_start[start].add(aggregate)
        data.operations.setdefault((operation_type, name), Aggregate()).add(aggregate)
    data.series = [(start, by_start[start]) for start in starts]
    since = starts[0]
    data.slowest = sorted((s for s in slowest if s.at >= since), key=lambda s: -s.seconds)
    return data
