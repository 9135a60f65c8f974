"""The dashboard's models: the admin entry (no table) and the database metrics backend's tables.

``Dashboard`` only carries the ``dashboard.view_dashboard`` permission and puts the dashboard
in the admin index (django-rq's pattern). The three metric tables are used when there is no
Redis (``TOOLKIT["DASHBOARD"]["METRICS"]["backend"]``): rolling per-minute and per-hour
aggregates plus all-time totals (for ``/metrics``), the admitted operation names and the slowest
operations per hour.
"""

from __future__ import annotations

from django.db import models

from dashboard.metrics.aggregates import BUCKETS


class Dashboard(models.Model):
    """The admin dashboard: staff with ``dashboard.view_dashboard`` see its pages."""

    class Meta:
        managed = False
        default_permissions = ("view",)
        verbose_name = "dashboard"
        verbose_name_plural = "dashboard"

    def __str__(self) -> str:
        return "dashboard"


class MetricBucket(models.Model):
    """Counts of one operation (type and name) in one minute, one hour, or since the start."""

    class Resolution(models.TextChoices):
        MINUTE = "m", "minute"
        HOUR = "h", "hour"
        TOTAL = "t", "all time"

    resolution = models.CharField(max_length=1, choices=Resolution.choices)
    #: The bucket's start (UTC); the Unix epoch for the all-time totals.
    start = models.DateTimeField()
    operation_type = models.CharField(max_length=20)
    operation_name = models.CharField(max_length=100)
    count = models.PositiveBigIntegerField(default=0)
    errors = models.PositiveBigIntegerField(default=0)
    refused = models.PositiveBigIntegerField(default=0)
    sql = models.PositiveBigIntegerField(default=0, help_text="SQL statements, summed.")
    cache_hits = models.PositiveBigIntegerField(default=0)
    duration_us = models.PositiveBigIntegerField(default=0, help_text="Durations in microseconds, summed.")
    # h0 ... h15: the duration histogram (dashboard.metrics.aggregates.BOUNDS), added below.

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["resolution", "start", "operation_type", "operation_name"],
                name="dashboard_bucket_key",
            )
        ]
        indexes = [models.Index(fields=["resolution", "start"], name="dashboard_bucket_time")]

    def __str__(self) -> str:
        return f"{self.operation_type} {self.operation_name} {self.resolution}@{self.start:%Y-%m-%d %H:%M}"


#: One column per duration bucket, so a flush can add to every counter in one UPDATE.
HISTOGRAM_FIELDS = [f"h{index}" for index in range(BUCKETS)]
for _name in HISTOGRAM_FIELDS:
    MetricBucket.add_to_class(_name, models.PositiveBigIntegerField(default=0))


class MetricName(models.Model):
    """An operation name counted under its own name (at most ``max_operation_names``)."""

    operation_type = models.CharField(max_length=20)
    operation_name = models.CharField(max_length=100)
    last_seen = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["operation_type", "operation_name"], name="dashboard_name_key")
        ]

    def __str__(self) -> str:
        return f"{self.operation_type} {self.operation_name}"


class SlowOperationSample(models.Model):
    """One of the slowest operations of an hour (``slowest_kept`` per hour)."""

    hour = models.DateTimeField(db_index=True)
    at = models.DateTimeField()
    operation_type = models.CharField(max_length=20)
    operation_name = models.CharField(max_length=100)
    seconds = models.FloatField()
    sql = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10)

    class Meta:
        ordering = ["-seconds"]

    def __str__(self) -> str:
        return f"{self.operation_type} {self.operation_name}: {self.seconds * 1000:.1f} ms"
