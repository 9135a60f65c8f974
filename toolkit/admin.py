"""Admin pages: the recorded schema versions, health check runs and audit events (read-only), and
the feature flags (editable: a change applies to every process on its next request)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from toolkit import flags
from toolkit.models import AuditEvent, FeatureFlag, HealthCheckRun, SchemaVersion


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


class FeatureFlagForm(forms.ModelForm):
    name = forms.ChoiceField(
        choices=[(name, f"{name}: {flag.description}") for name, flag in flags.FLAGS.items()]
    )

    class Meta:
        model = FeatureFlag
        fields = ("name", "scope", "enabled", "note")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        name, scope = cleaned.get("name"), (cleaned.get("scope") or "").strip()
        cleaned["scope"] = scope
        if name and scope and not flags.FLAGS[name].scoped:
            self.add_error("scope", f"The {name!r} flag is not set per model: leave the scope empty.")
        if scope:
            from django.apps import apps

            try:
                apps.get_model(scope)
            except (LookupError, ValueError):
                self.add_error("scope", f"{scope!r} is not a model (use app_label.Model).")
        return cleaned


@admin.register(FeatureFlag)
class FeatureFlagAdmin(admin.ModelAdmin):
    """Switch features at runtime; the settings' default applies to a flag without a row."""

    form = FeatureFlagForm
    list_display = ("name", "scope", "enabled", "default", "updated_at", "updated_by", "note")
    list_editable = ("enabled",)
    list_filter = ("name", "enabled")
    readonly_fields = ("updated_at", "updated_by")

    @admin.display(description="default without this row", boolean=True)
    def default(self, obj: FeatureFlag) -> bool | None:
        try:
            return flags.default(obj.name, obj.scope)
        except ValueError:
            return None

    def save_model(self, request: Any, obj: FeatureFlag, form: Any, change: bool) -> None:
        obj.updated_by = request.user.get_username()[:150]
        super().save_model(request, obj, form, change)
