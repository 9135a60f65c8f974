"""Read-only admin pages for the recorded schema versions, health check runs and audit events."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from toolkit.models import AuditEvent, HealthCheckRun, SchemaVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(SchemaVersion)
class SchemaVersionAdmin(ReadOnlyAdmin):
    list_display = (
        "number", "created_at", "created_by", "git_commit", "type_count", "field_count",
        "breaking_count", "dangerous_count", "safe_count", "comment",
    )  # fmt: skip
    search_fields = ("comment", "created_by", "git_commit", "sdl_hash")


@admin.register(HealthCheckRun)
class HealthCheckRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "check_list", "healthy", "duration")
    list_filter = ("healthy", "check_list")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit log: browsable and filterable, never edited or deleted here (see audit.prune)."""

    list_display = ("created_at", "event", "username", "user_id", "ip", "model", "object_ids", "ok")
    list_filter = ("event", "ok", "model", "created_at")
    search_fields = ("username", "user_id", "ip", "request_id", "model")
    date_hierarchy = "created_at"
    readonly_fields = (
        "created_at", "event", "user_id", "username", "ip", "request_id", "model", "object_ids", "ok",
        "details",
    )  # fmt: skip

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
