"""GraphQL metrics: per operation name and type over 1 h, 24 h or 7 d, charts, slowest operations."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dashboard import charts, metrics
from dashboard.conf import backend_name, dashboard_config, metrics_config
from dashboard.metrics.aggregates import RECENT, WINDOWS, Aggregate, SlowOperation
from dashboard.panels.base import BadParameter, Panel, Tile, level


@dataclass
class OperationRow:
    operation_type: str
    operation_name: str
    figures: Aggregate

    def as_dict(self) -> dict[str, Any]:
        return {
            "operation_type": self.operation_type,
            "operation_name": self.operation_name,
            **self.figures.as_dict(),
        }


@dataclass
class OperationsData:
    window: str
    window_label: str
    backend: str
    enabled: bool
    total: Aggregate
    operations: list[OperationRow] = field(default_factory=list)
    #: ``[(bucket start as a UTC datetime, every operation in it)]``
    series: list[tuple[datetime.datetime, Aggregate]] = field(default_factory=list)
    slowest: list[SlowOperation] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.total.count == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "window": self.window,
            "backend": self.backend,
            "enabled": self.enabled,
            "total": self.total.as_dict(),
            "operations": [row.as_dict() for row in self.operations],
            "series": [
                {"start": start.isoformat(), **aggregate.as_dict()} for start, aggregate in self.series
            ],
            "slowest": [s.as_dict() for s in self.slowest],
        }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


class OperationsPanel(Panel):
    slug = "operations"
    title = "GraphQL metrics"
    template = "dashboard/operations.html"

    def data(self, params: Mapping[str, str]) -> OperationsData:
        key = params.get("window") or "1h"
        if key not in WINDOWS:
            raise BadParameter(f"unknown window {key!r}: use one of {', '.join(WINDOWS)}")
        window = metrics.read_window(key)
        rows = [
            OperationRow(operation_type, name, aggregate)
            for (operation_type, name), aggregate in sorted(
                window.operations.items(), key=lambda item: (-item[1].count, item[0])
            )
        ]
        keep = int(metrics_config()["slowest_kept"])
        return OperationsData(
            window=key,
            window_label=WINDOWS[key].label,
            backend=backend_name(),
            enabled=bool(metrics_config()["enabled"]),
            total=window.total,
            operations=rows,
            series=[
                (datetime.datetime.fromtimestamp(start, tz=datetime.UTC), a) for start, a in window.series
            ],
            slowest=window.slowest[:keep],
        )

    def context(self, data: OperationsData) -> dict[str, Any]:
        fmt = "%H:%M" if data.window == "1h" else ("%H:00" if data.window == "24h" else "%a %H:00")
        labels = [start.strftime(fmt) for start, _ in data.series]
        return {
            "windows": {key: window.label for key, window in WINDOWS.items()},
            "total": {**data.total.as_dict(), "failures": data.total.failures},
            "rows": [{**row.as_dict(), "failures": row.figures.failures} for row in data.operations],
            "volume_chart": charts.bar_chart(
                labels,
                [
                    ("ok", [a.ok for _, a in data.series]),
                    ("errors", [a.errors for _, a in data.series]),
                    ("refused", [a.refused for _, a in data.series]),
                ],
                label=f"Operations per {'minute' if data.window == '1h' else 'hour'}",
            ),
            "latency_chart": charts.line_chart(
                labels, [_ms(a.percentile(0.95)) for _, a in data.series], label="p95 latency", unit=" ms"
            ),
        }

    def tiles(self) -> list[Tile]:
        url = self.url
        if not metrics_config()["enabled"]:
            return [
                Tile(
                    "requests",
                    "Request rate",
                    "metrics off",
                    "unknown",
                    url,
                    "TOOLKIT DASHBOARD METRICS enabled is False",
                )
            ]
        total = metrics.recent().total
        thresholds = dashboard_config()["THRESHOLDS"]
        minutes = RECENT.buckets
        rate = total.count / minutes
        error_rate = total.error_rate
        p95 = _ms(total.percentile(0.95))
        detail = RECENT.label
        if not total.count:
            return [
                Tile(
                    "requests",
                    "Request rate",
                    "0/min",
                    "unknown",
                    url,
                    f"no GraphQL operation in the {detail}",
                    0.0,
                ),
                Tile("errors", "Error rate", "\u2013", "unknown", url, detail),
                Tile("latency", "p95 latency", "\u2013", "unknown", url, detail),
            ]
        return [
            Tile(
                "requests",
                "Request rate",
                f"{rate:.1f}/min",
                "ok",
                url,
                f"{total.count} operations, {detail}",
                round(rate, 3),
            ),
            Tile(
                "errors",
                "Error rate",
                f"{error_rate * 100:.1f} %",
                level(error_rate, thresholds["error_rate"]),
                url,
                f"{total.errors} errors, {total.refused} refused, {detail}",
                round(error_rate, 4),
            ),
            Tile(
                "latency",
                "p95 latency",
                f"{p95:.0f} ms",
                level(p95, thresholds["p95_ms"]),
                url,
                f"p50 {_ms(total.percentile(0.5)):.0f} ms, {detail}",
                round(p95, 2),
            ),
        ]

    def text(self, data: OperationsData) -> str:
        lines = [
            f"GraphQL operations, {data.window_label} ({data.backend} backend): {data.total.count} operations"
        ]
        if data.empty:
            lines.append("No operation recorded in this window.")
            return "\n".join(lines) + "\n"
        lines.append(
            f"{'type':<9} {'name':<32} {'count':>7} {'errors':>6} {'refused':>7} {'p50':>8} {'p95':>8} {'p99':>8} {'sql':>6} {'cache':>6}"
        )
        for row in [OperationRow("all", "", data.total), *data.operations]:
            f = row.figures.as_dict()
            lines.append(
                f"{row.operation_type:<9} {row.operation_name[:32]:<32} {f['count']:>7} {f['errors']:>6} {f['refused']:>7} "
                + " ".join(f"{_show(f[k]):>8}" for k in ("p50_ms", "p95_ms", "p99_ms"))
                + f" {_show(f['mean_sql']):>6} {_show(f['cache_hit_rate']):>6}"
            )
        return "\n".join(lines) + "\n"


def _show(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"
