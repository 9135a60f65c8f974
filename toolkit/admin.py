"""Read-only admin pages for the recorded schema versions and health check runs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from toolkit.models import HealthCheckRun, SchemaVersion


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
