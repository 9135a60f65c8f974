"""The toolkit's own tables: recorded schema versions and health check runs."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class SchemaVersion(models.Model):
    """One recorded shape of the live schema, written by ``manage.py graphql snapshot``.

    A row is added whenever the schema differs from the latest row, so ``latest`` is always the
    newest shape; the change counts are against the row before it."""

    number = models.PositiveIntegerField(unique=True, help_text="1, 2, 3, ... in recording order.")
    sdl_hash = models.CharField(max_length=64, db_index=True, help_text="SHA-256 of the sorted SDL.")
    sdl = models.TextField(help_text="The schema, sorted (lexicographic_sort_schema + print_schema).")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=150, blank=True)
    comment = models.TextField(blank=True)
    git_commit = models.CharField(max_length=40, blank=True)
    type_count = models.PositiveIntegerField(default=0)
    field_count = models.PositiveIntegerField(default=0)
    breaking_count = models.PositiveIntegerField(default=0)
    dangerous_count = models.PositiveIntegerField(default=0)
    safe_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-number"]
        get_latest_by = "number"

    def __str__(self) -> str:
        return f"schema version {self.number} ({self.sdl_hash[:12]})"


class HealthCheckRun(models.Model):
    """One run of a health check list by ``manage.py run_health_checks`` (pruned after
    ``TOOLKIT["HEALTH_RUN_RETENTION_DAYS"]``)."""

    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    check_list = models.CharField(max_length=20, default="ready")
    healthy = models.BooleanField()
    duration = models.FloatField(help_text="Seconds for the whole run.")
    #: ``[{"check": repr, "healthy": bool, "message": str, "seconds": float}, ...]``
    results = models.JSONField(default=list)

    class Meta:
        ordering = ["-started_at", "-id"]
        get_latest_by = ["started_at", "id"]

    def __str__(self) -> str:
        state = "healthy" if self.healthy else "unhealthy"
        return f"{self.check_list} checks at {self.started_at:%Y-%m-%d %H:%M:%S}: {state}"
