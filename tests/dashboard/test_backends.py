"""Both metrics backends (the database and a real Redis): writing, windows, the name limit,
the slowest operations, all-time totals and retention."""

from __future__ import annotations

import pytest

from dashboard.metrics.aggregates import WINDOWS, Aggregate, SlowOperation, build_window

pytestmark = pytest.mark.django_db

NOW = 1_767_225_600.0 + 5 * 3600 + 30 * 60 + 10  # 2026-01-01 05:30:10 UTC
MINUTE = int(NOW // 60 * 60)
HOUR = int(NOW // 3600 * 3600)


def agg(*durations: float, status: str = "ok", sql: int = 2, cache_hit: bool = False) -> Aggregate:
    aggregate = Aggregate()
    for seconds in durations:
        aggregate.observe(seconds, sql, status, cache_hit)
    return aggregate


def read(backend, window: str, now: float = NOW):
    rows, slowest = backend.read(WINDOWS[window], now)
    return build_window(WINDOWS[window], now, rows, slowest)


def test_write_then_read__minute_and_hour_windows_see_the_same_figures(metrics_backend):
    backend = metrics_backend
    backend.write(
        [
            (MINUTE, "query", "Books", agg(0.01, 0.02, 0.03)),
            (MINUTE - 120, "query", "Books", agg(0.2, status="error", sql=7)),
            (MINUTE, "mutation", "(anonymous)", agg(0.005, cache_hit=True)),
        ],
        [],
        NOW,
    )
    hour = read(backend, "1h")
    books = hour.operations[("query", "Books")]
    assert (books.count, books.errors, books.sql) == (4, 1, 13)
    assert hour.operations[("mutation", "(anonymous)")].cache_hits == 1
    assert [a.count for _, a in hour.series][-3:] == [1, 0, 4]
    day = read(backend, "24h")
    assert day.operations[("query", "Books")] == books
    assert day.series[-1][1].count == 5 and day.total.count == 5
    assert read(backend, "7d").total.count == 5


def test_write__adds_to_existing_buckets(metrics_backend):
    backend = metrics_backend
    for _ in range(3):
        backend.write([(MINUTE, "query", "Books", agg(0.01, 0.04))], [], NOW)
    figures = read(backend, "1h").operations[("query", "Books")]
    assert figures.count == 6 and figures.duration_us == 150_000
    assert figures.histogram == agg(*[0.01, 0.04] * 3).histogram


def test_old_buckets__fall_out_of_the_window(metrics_backend):
    backend = metrics_backend
    backend.write([(MINUTE - 3600, "query", "Old", agg(0.01))], [], NOW)
    assert ("query", "Old") not in read(backend, "1h").operations  # 60 minutes ago: outside the hour
    assert read(backend, "24h").operations[("query", "Old")].count == 1
    assert read(backend, "1h", now=NOW + 3 * 3600).total.count == 0


def test_name_limit__is_shared_and_folds_new_names_into_other(metrics_backend, settings):
    backend = metrics_backend
    settings.TOOLKIT["DASHBOARD"]["METRICS"]["max_operation_names"] = 2
    settings.TOOLKIT = {**settings.TOOLKIT}  # a new object: the configuration is read again
    admitted = backend.write([(MINUTE, "query", "A", agg(0.01)), (MINUTE, "query", "B", agg(0.01))], [], NOW)
    assert admitted == {("query", "A"), ("query", "B")}
    backend.write(
        [
            (MINUTE, "query", "C", agg(0.01)),
            (MINUTE, "query", "A", agg(0.01)),
            (MINUTE, "query", "(anonymous)", agg(0.01)),
        ],
        [SlowOperation(NOW, "query", "D", 3.0, 9, "ok")],
        NOW,
    )
    counts = {key: a.count for key, a in read(backend, "1h").operations.items()}
    assert counts == {
        ("query", "A"): 2,
        ("query", "B"): 1,
        ("query", "(other)"): 1,
        ("query", "(anonymous)"): 1,
    }
    assert [(s.operation_name, s.sql) for s in read(backend, "1h").slowest] == [("(other)", 9)]
    assert sorted(backend.names()) == [("query", "A"), ("query", "B")]


def test_slowest__keeps_the_slowest_per_hour(metrics_backend, settings):
    backend = metrics_backend
    settings.TOOLKIT["DASHBOARD"]["METRICS"]["slowest_kept"] = 2
    settings.TOOLKIT = {**settings.TOOLKIT}
    slow = [
        SlowOperation(NOW - i, "query", "Books", seconds, i, "ok")
        for i, seconds in enumerate((0.3, 1.2, 0.1))
    ]
    backend.write([(MINUTE, "query", "Books", agg(0.3, 1.2, 0.1))], slow, NOW)
    backend.write([], [SlowOperation(NOW, "mutation", "Save", 0.8, 4, "error")], NOW)
    found = read(backend, "1h").slowest
    assert [(s.operation_name, s.seconds, s.sql, s.status) for s in found] == [
        ("Books", 1.2, 1, "ok"),
        ("Save", 0.8, 4, "error"),
    ]


def test_totals__are_all_time_per_operation(metrics_backend):
    backend = metrics_backend
    backend.write([(MINUTE - 5 * 86400, "query", "Books", agg(0.01, status="error"))], [], NOW - 5 * 86400)
    backend.write([(MINUTE, "query", "Books", agg(0.02, 0.03))], [], NOW)
    totals = backend.totals()
    assert totals[("query", "Books")].count == 3 and totals[("query", "Books")].errors == 1
    assert read(backend, "24h").total.count == 2


def test_retention__forgets_names_unseen_for_the_retention_and_makes_room(metrics_backend, settings):
    backend = metrics_backend
    settings.TOOLKIT["DASHBOARD"]["METRICS"].update(max_operation_names=1, retention_days=2)
    settings.TOOLKIT = {**settings.TOOLKIT}
    old = NOW - 3 * 86400
    backend.write([(int(old // 60 * 60), "query", "Gone", agg(0.01))], [], old)
    backend.write([(MINUTE, "query", "New", agg(0.01))], [], NOW)
    assert backend.names() == [("query", "New")]
    assert set(backend.totals()) == {("query", "New")}


@pytest.mark.parametrize("window", ["1h", "24h", "7d"])
def test_an_empty_backend__reads_as_zero(metrics_backend, window):
    data = read(metrics_backend, window)
    assert data.total.count == 0 and data.operations == {} and data.slowest == []
    assert len(data.series) == WINDOWS[window].buckets
