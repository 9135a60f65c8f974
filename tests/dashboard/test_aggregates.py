"""Aggregates: duration buckets, percentiles, windows and name folding (no storage involved)."""

from __future__ import annotations

import pytest

from dashboard.metrics.aggregates import (
    BOUNDS,
    BUCKETS,
    RECENT,
    WINDOWS,
    Aggregate,
    SlowOperation,
    bucket_index,
    build_window,
    percentile,
)
from dashboard.metrics.recorder import Recorder, fold

NOW = 1_767_225_600.0 + 3 * 3600 + 25 * 60 + 17  # 2026-01-01 03:25:17 UTC


def histogram(**counts: int) -> list[int]:
    """``histogram(b7=3)``: 3 durations in bucket 7."""
    values = [0] * BUCKETS
    for key, count in counts.items():
        values[int(key[1:])] = count
    return values


@pytest.mark.parametrize(
    ("seconds", "index"),
    [
        (0.0, 0),
        (0.001, 0),
        (0.0011, 1),
        (0.05, 7),
        (0.0501, 8),
        (10.0, len(BOUNDS) - 1),
        (10.5, len(BOUNDS)),
        (600, len(BOUNDS)),
    ],
)
def test_bucket_index__takes_the_first_bound_at_or_above_the_duration(seconds, index):
    assert bucket_index(seconds) == index


def test_percentile__interpolates_inside_the_bucket_that_holds_it():
    """Ten durations in (25 ms, 50 ms]: the median is half-way, p90 nine tenths of the way."""
    counts = histogram(h7=10)
    assert BOUNDS[6:8] == (0.025, 0.05)
    assert percentile(counts, 0.5) == pytest.approx(0.0375)
    assert percentile(counts, 0.9) == pytest.approx(0.0475)
    assert percentile(counts, 1.0) == pytest.approx(0.05)


def test_percentile__walks_the_cumulative_counts():
    """90 fast (<= 1 ms) and 10 slow (250-500 ms): p50 is fast, p95 half-way through the slow bucket."""
    counts = histogram(h0=90, h11=10)
    assert percentile(counts, 0.5) == pytest.approx(0.001 * 50 / 90)
    assert percentile(counts, 0.95) == pytest.approx(0.25 + 0.25 * 5 / 10)
    assert percentile(counts, 0.99) == pytest.approx(0.25 + 0.25 * 9 / 10)


def test_percentile__of_nothing_is_none_and_of_the_overflow_bucket_its_lower_bound():
    assert percentile(histogram(), 0.95) is None
    assert percentile(histogram(h15=4), 0.5) == BOUNDS[-1]


def test_percentile__is_exact_to_the_bucket_for_real_observations():
    aggregate = Aggregate()
    for ms in range(1, 101):  # 1 ms ... 100 ms, uniformly
        aggregate.observe(ms / 1000, sql=2, status="ok", cache_hit=False)
    for q, true_value in ((0.5, 0.050), (0.95, 0.095), (0.99, 0.099)):
        found = aggregate.percentile(q)
        index = bucket_index(true_value)
        low, high = (BOUNDS[index - 1] if index else 0.0), BOUNDS[index]
        assert low <= found <= high, (q, found)
        assert abs(found - true_value) <= high - low


def test_observe__counts_outcomes_sql_cache_hits_and_duration():
    aggregate = Aggregate()
    aggregate.observe(0.010, sql=3, status="ok", cache_hit=False)
    aggregate.observe(0.020, sql=0, status="ok", cache_hit=True)
    aggregate.observe(0.030, sql=5, status="error", cache_hit=False)
    aggregate.observe(0.001, sql=0, status="refused", cache_hit=False)
    assert (aggregate.count, aggregate.errors, aggregate.refused, aggregate.ok) == (4, 1, 1, 2)
    assert (aggregate.sql, aggregate.cache_hits, aggregate.duration_us) == (8, 1, 61_000)
    assert aggregate.error_rate == 0.25 and aggregate.refused_rate == 0.25
    assert aggregate.mean_sql == 2.0 and aggregate.cache_hit_rate == 0.25
    assert aggregate.mean_seconds == pytest.approx(0.01525)
    assert sum(aggregate.histogram) == 4


def test_add_and_increments__round_trip_through_the_storage_form():
    first, second = Aggregate(), Aggregate()
    first.observe(0.004, sql=1, status="ok", cache_hit=False)
    second.observe(2.0, sql=7, status="error", cache_hit=True)
    restored = Aggregate()
    for key, value in {**first.as_increments()}.items():
        restored.add_increment(key, value)
    for key, value in second.as_increments().items():
        restored.add_increment(key, value)
    assert restored == Aggregate().add(first).add(second)
    assert "e" not in first.as_increments()  # zeros are not stored


def test_empty_aggregate__reports_none_not_zero():
    figures = Aggregate().as_dict()
    assert figures["count"] == 0
    assert [figures[k] for k in ("error_rate", "p50_ms", "p95_ms", "mean_sql", "cache_hit_rate")] == [
        None
    ] * 5


# -- windows ----------------------------------------------------------------------------------------
def test_windows__end_with_the_current_bucket_and_have_the_documented_length():
    hour = WINDOWS["1h"].starts(NOW)
    assert len(hour) == 60 and hour[-1] == NOW // 60 * 60 and hour[0] == hour[-1] - 59 * 60
    day = WINDOWS["24h"].starts(NOW)
    assert len(day) == 24 and day[-1] == NOW // 3600 * 3600 and day[1] - day[0] == 3600
    assert len(WINDOWS["7d"].starts(NOW)) == 168
    assert RECENT.starts(NOW) == [NOW // 60 * 60 - 60 * i for i in (4, 3, 2, 1, 0)]


def test_build_window__drops_rows_outside_and_totals_per_bucket_and_operation():
    window = WINDOWS["1h"]
    starts = window.starts(NOW)

    def agg(count: int) -> Aggregate:
        aggregate = Aggregate()
        for _ in range(count):
            aggregate.observe(0.01, 1, "ok", False)
        return aggregate

    rows = [
        (starts[-1], "query", "A", agg(2)),
        (starts[-1], "query", "B", agg(1)),
        (starts[0], "query", "A", agg(3)),
        (starts[0] - 60, "query", "A", agg(100)),  # a minute too old
    ]
    slow = [
        SlowOperation(NOW - 10, "query", "A", 0.9, 4, "ok"),
        SlowOperation(starts[0] - 1, "query", "A", 5.0, 1, "ok"),
    ]
    data = build_window(window, NOW, rows, slow)
    assert data.operations[("query", "A")].count == 5 and data.operations[("query", "B")].count == 1
    assert data.total.count == 6
    assert [a.count for _, a in data.series][:1] == [3] and data.series[-1][1].count == 3
    assert len(data.series) == 60 and sum(a.count for _, a in data.series) == 6
    assert [s.seconds for s in data.slowest] == [0.9]


# -- folding ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("operation_type", "name", "key"),
    [
        ("query", "TopBooks", ("query", "TopBooks")),
        ("mutation", None, ("mutation", "(anonymous)")),
        (None, "Whatever", ("unknown", "(invalid)")),
        ("query", "has space", ("query", "(invalid)")),
        ("query", "x" * 101, ("query", "(invalid)")),
        ("bogus", "A", ("unknown", "(invalid)")),
    ],
)
def test_fold__names_that_cannot_be_kept(operation_type, name, key):
    assert fold(operation_type, name) == key


class MemoryBackend:
    """Admits every name up to a limit, like the real ones (for the recorder's own logic)."""

    name = "memory"

    def __init__(self, limit: int) -> None:
        self.limit, self.names, self.rows, self.slow = limit, [], [], []

    def write(self, rows, slow, now):
        self.rows += rows
        self.slow += slow
        for _, t, n, _ in rows:
            if (
                n not in ("(anonymous)", "(invalid)", "(other)")
                and (t, n) not in self.names
                and len(self.names) < self.limit
            ):
                self.names.append((t, n))
        return set(self.names)


def test_recorder__folds_names_past_the_limit_between_flushes():
    """Only ``max_operation_names`` distinct names wait in the buffer; the rest wait as ``(other)``."""
    backend = MemoryBackend(limit=3)
    recorder = Recorder(backend, max_names=3, flush_every=3600, slowest_kept=5)
    for index in range(6):
        recorder.record("query", f"Q{index}", 0.01, 1, "ok", False, now=NOW)
    recorder.record("query", None, 0.01, 1, "ok", False, now=NOW)
    recorder.flush(now=NOW)
    counted = {(t, n): a.count for _, t, n, a in backend.rows}
    assert counted == {
        ("query", "Q0"): 1,
        ("query", "Q1"): 1,
        ("query", "Q2"): 1,
        ("query", "(other)"): 3,
        ("query", "(anonymous)"): 1,
    }


def test_recorder__keeps_only_the_slowest_per_hour_and_flushes_when_due():
    backend = MemoryBackend(limit=10)
    recorder = Recorder(backend, max_names=10, flush_every=60, slowest_kept=2)
    recorder.last_flush = NOW
    for seconds in (0.1, 0.5, 0.2, 0.9):
        recorder.record("query", "A", seconds, 1, "ok", False, now=NOW)
    assert backend.rows == []  # not due yet
    recorder.record("query", "A", 0.3, 1, "ok", False, now=NOW + 61)
    assert sum(a.count for *_, a in backend.rows) == 5
    assert sorted(s.seconds for s in backend.slow) == [0.5, 0.9]


def test_recorder__a_failing_backend_loses_the_batch_without_raising(caplog):
    class Broken(MemoryBackend):
        def write(self, rows, slow, now):
            raise ConnectionError("down")

    recorder = Recorder(Broken(1), max_names=5, flush_every=0, slowest_kept=0)
    recorder.record("query", "A", 0.01, 1, "ok", False, now=NOW)
    recorder.record("query", "A", 0.01, 1, "ok", False, now=NOW + 1)
    assert recorder.buffer == {}
    assert [r.getMessage() for r in caplog.records].count(
        "operation metrics could not be stored (memory backend): down"
    ) == 1
