"""The toolkit's own tables: recorded schema versions, health check runs and the audit log."""

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


class AuditEvent(models.Model):
    """One audit or security event: a mutation, a login, a refused request (``toolkit.security.audit``).

    Written after the operation's transactions end, so events of failed and dry-run mutations are
    kept; secrets and tokens are redacted before they get here. Pruned after
    ``TOOLKIT["AUDIT_RETENTION_DAYS"]`` by ``toolkit.security.audit.prune()``."""

    created_at = models.DateTimeField(default=timezone.now)
    #: ``mutation``, ``login_ok``, ``login_failed``, ``token_refreshed``, ``refresh_failed``,
    #: ``token_revoked``, ``token_rejected``, ``permission_denied``, ``limit_exceeded``, ``rate_limited``
    event = models.CharField(max_length=64)
    #: The caller's primary key as text ("" for anonymous); not a foreign key, so rows outlive users.
    user_id = models.CharField(max_length=64, blank=True)
    username = models.CharField(max_length=150, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    #: ``app_label.ModelName`` for mutations.
    model = models.CharField(max_length=100, blank=True)
    object_ids = models.JSONField(default=list, blank=True)
    #: The outcome (None when the event has none, e.g. ``token_refreshed``).
    ok = models.BooleanField(null=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = ["created_at", "id"]
        indexes = [
            models.Index(fields=["created_at"], name="toolkit_audit_time"),
            models.Index(fields=["event", "created_at"], name="toolkit_audit_event_time"),
            models.Index(fields=["user_id", "created_at"], name="toolkit_audit_user_time"),
            models.Index(fields=["model", "created_at"], name="toolkit_audit_model_time"),
        ]

    def __str__(self) -> str:
        who = self.username or self.user_id or "anonymous"
        return f"{self.event} by {who} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class FeatureFlag(models.Model):
    """A feature switched at runtime (``toolkit.flags``): the row wins over the settings' default.

    ``scope`` narrows a per-model flag to one model (``"demo.Book"``); empty means every model."""

    name = models.CharField(max_length=64, help_text="A flag of toolkit.flags.FLAGS.")
    scope = models.CharField(
        max_length=100,
        blank=True,
        default="",
        help_text='"app_label.Model" for a per-model flag; empty for all.',
    )
    enabled = models.BooleanField(default=True)
    note = models.TextField(blank=True, help_text="Why it is switched this way (shown in the admin).")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["name", "scope"]
        constraints = [models.UniqueConstraint(fields=["name", "scope"], name="toolkit_feature_flag_unique")]

    def __str__(self) -> str:
        where = f" ({self.scope})" if self.scope else ""
        return f"{self.name}{where}: {'on' if self.enabled else 'off'}"
