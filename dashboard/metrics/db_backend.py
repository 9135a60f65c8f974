"""The database metrics backend (used when there is no Redis): three small tables.

A flush is one transaction: the admitted names are read, new ones admitted up to the limit,
then each bucket row gets one ``UPDATE ... SET count = count + n, ...`` (an ``INSERT`` the
first time), so concurrent processes add up correctly. Old rows are pruned once an hour.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from dashboard.conf import metrics_config
from dashboard.metrics.aggregates import (
    COUNTERS,
    HOUR,
    MINUTE_RETENTION_SECONDS,
    OTHER,
    Aggregate,
    OperationKey,
    SlowOperation,
    Window,
)
from dashboard.metrics.recorder import is_fixed

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
COLUMNS = list(COUNTERS)  # count, errors, refused, sql, cache_hits, duration_us


def to_datetime(epoch: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC)


def to_epoch(value: datetime.datetime) -> int:
    return int(value.timestamp())


def _values(aggregate: Aggregate) -> dict[str, int]:
    values = {name: getattr(aggregate, name) for name in COLUMNS}
    values.update({f"h{i}": n for i, n in enumerate(aggregate.histogram)})
    return {k: v for k, v in values.items() if v}


def _aggregate(row: Any) -> Aggregate:
    aggregate = Aggregate(**{name: getattr(row, name) for name in COLUMNS})
    aggregate.histogram = [getattr(row, f"h{i}") for i in range(len(aggregate.histogram))]
    return aggregate


class DatabaseBackend:
    name = "database"

    def __init__(self) -> None:
        self.last_prune = 0.0

    # -- writing ----------------------------------------------------------------------------------
    def write(
        self, rows: list[tuple[int, str, str, Aggregate]], slow: list[SlowOperation], now: float
    ) -> set[OperationKey]:
        config = metrics_config()
        with transaction.atomic():
            if now - self.last_prune > HOUR:  # first, so names past the retention make room
                self.last_prune = now
                self.prune(now, int(config["retention_days"]))
            names = self._admit(
                {(t, n) for _, t, n, _ in rows} | {(s.operation_type, s.operation_name) for s in slow},
                now,
                int(config["max_operation_names"]),
            )
            merged: dict[tuple[str, int, str, str], Aggregate] = {}
            for minute, operation_type, name, aggregate in rows:
                operation_type, name = names.get((operation_type, name), (operation_type, name))
                hour = minute // HOUR * HOUR
                for key in (("m", minute), ("h", hour), ("t", 0)):
                    merged.setdefault((*key, operation_type, name), Aggregate()).add(aggregate)
            for (resolution, start, operation_type, name), aggregate in merged.items():
                self._add(resolution, to_datetime(start), operation_type, name, aggregate)
            self._keep_slowest(slow, names, int(config["slowest_kept"]))
        return {key for key, final in names.items() if final == key and not is_fixed(key)}

    def _admit(self, keys: set[OperationKey], now: float, limit: int) -> dict[OperationKey, OperationKey]:
        """Map each key to the key it is counted under; admit new names while there is room."""
        from dashboard.models import MetricName

        wanted = {k for k in keys if not is_fixed(k)}
        known = set(MetricName.objects.values_list("operation_type", "operation_name"))
        room = max(0, limit - len(known))
        fresh = sorted(wanted - known)[:room]
        if fresh:
            MetricName.objects.bulk_create(
                [
                    MetricName(operation_type=t, operation_name=n, last_seen=to_datetime(now))
                    for t, n in fresh
                ],
                ignore_conflicts=True,
            )
        admitted = (wanted & known) | set(fresh)
        if wanted & known:
            condition = Q()
            for t, n in wanted & known:
                condition |= Q(operation_type=t, operation_name=n)
            MetricName.objects.filter(condition).update(last_seen=to_datetime(now))
        return {k: k if (is_fixed(k) or k in admitted) else (k[0], OTHER) for k in keys}

    def _add(
        self, resolution: str, start: datetime.datetime, operation_type: str, name: str, aggregate: Aggregate
    ) -> None:
        from dashboard.models import MetricBucket

        values = _values(aggregate)
        rows = MetricBucket.objects.filter(
            resolution=resolution, start=start, operation_type=operation_type, operation_name=name
        )
        if rows.update(**{k: F(k) + v for k, v in values.items()}):
            return
        try:
            with transaction.atomic():
                MetricBucket.objects.create(
                    resolution=resolution,
                    start=start,
                    operation_type=operation_type,
                    operation_name=name,
                    **values,
                )
        except IntegrityError:  # another process inserted it meanwhile
            rows.update(**{k: F(k) + v for k, v in values.items()})

    def _keep_slowest(
        self, slow: list[SlowOperation], names: dict[OperationKey, OperationKey], keep: int
    ) -> None:
        from dashboard.models import SlowOperationSample

        if not slow or not keep:
            return
        samples = []
        for operation in slow:
            operation_type, name = names.get(
                (operation.operation_type, operation.operation_name),
                (operation.operation_type, operation.operation_name),
            )
            samples.append(
                SlowOperationSample(
                    hour=to_datetime(int(operation.at // HOUR * HOUR)),
                    at=to_datetime(operation.at),
                    operation_type=operation_type,
                    operation_name=name,
                    seconds=operation.seconds,
                    sql=operation.sql,
                    status=operation.status,
                )
            )
        SlowOperationSample.objects.bulk_create(samples)
        for hour in {s.hour for s in samples}:
            kept = list(
                SlowOperationSample.objects.filter(hour=hour)
                .order_by("-seconds", "-id")
                .values_list("id", flat=True)[:keep]
            )
            SlowOperationSample.objects.filter(hour=hour).exclude(id__in=kept).delete()

    def prune(self, now: float, retention_days: int) -> None:
        """Drop minute buckets past two hours, hour buckets, samples and names past the retention,
        and the all-time totals of names that are no longer admitted."""
        from dashboard.models import MetricBucket, MetricName, SlowOperationSample

        cutoff = to_datetime(now - retention_days * 86400)
        MetricBucket.objects.filter(
            resolution="m", start__lt=to_datetime(now - MINUTE_RETENTION_SECONDS)
        ).delete()
        MetricBucket.objects.filter(resolution="h", start__lt=cutoff).delete()
        SlowOperationSample.objects.filter(hour__lt=cutoff).delete()
        stale = list(
            MetricName.objects.filter(last_seen__lt=cutoff).values_list("operation_type", "operation_name")
        )
        for operation_type, name in stale:
            MetricBucket.objects.filter(
                resolution="t", operation_type=operation_type, operation_name=name
            ).delete()
        MetricName.objects.filter(last_seen__lt=cutoff).delete()

    # -- reading ----------------------------------------------------------------------------------
    def read(
        self, window: Window, now: float
    ) -> tuple[list[tuple[int, str, str, Aggregate]], list[SlowOperation]]:
        from dashboard.models import MetricBucket, SlowOperationSample

        since = to_datetime(window.since(now))
        rows = [
            (to_epoch(row.start), row.operation_type, row.operation_name, _aggregate(row))
            for row in MetricBucket.objects.filter(resolution=window.resolution, start__gte=since)
        ]
        slowest = [
            SlowOperation(s.at.timestamp(), s.operation_type, s.operation_name, s.seconds, s.sql, s.status)
            for s in SlowOperationSample.objects.filter(at__gte=since).order_by("-seconds", "-id")[:50]
        ]
        return rows, slowest

    def totals(self) -> dict[OperationKey, Aggregate]:
        from dashboard.models import MetricBucket

        return {
            (row.operation_type, row.operation_name): _aggregate(row)
            for row in MetricBucket.objects.filter(resolution="t")
        }

    def names(self) -> list[OperationKey]:
        from dashboard.models import MetricName

        return list(
            MetricName.objects.order_by("operation_type", "operation_name").values_list(
                "operation_type", "operation_name"
            )
        )

    def clear(self) -> None:
        from dashboard.models import MetricBucket, MetricName, SlowOperationSample

        for model in (MetricBucket, MetricName, SlowOperationSample):
            model.objects.all().delete()
