"""``MediaFile`` in the Django admin: read-only, with "re-scan" and "regenerate thumbnails"."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from media_pipeline.jobs import enqueue_scan, enqueue_thumbnail, is_image
from media_pipeline.models import MediaFile


@admin.register(MediaFile)
class MediaFileAdmin(admin.ModelAdmin):
    list_display = ("original_name", "status", "content_type", "size", "scanner", "signature", "model_label",
                    "object_id", "field_name", "created_at")  # fmt: skip
    list_filter = ("status", "scanner", "content_type", "model_label")
    search_fields = ("original_name", "file", "sha256", "signature", "object_id")
    date_hierarchy = "created_at"
    actions = ("rescan", "regenerate_thumbnails")
    ordering = ("-created_at",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Re-scan the selected files", permissions=["view"])
    def rescan(self, request: HttpRequest, queryset: QuerySet[MediaFile]) -> None:
        count = skipped = 0
        for media in queryset:
            if media.status == MediaFile.Status.INFECTED:
                skipped += 1
                continue
            enqueue_scan(media, force=True)
            count += 1
        self.message_user(request, f"Queued {count} scan(s).", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"Skipped {skipped} quarantined file(s).", messages.WARNING)

    @admin.action(description="Regenerate thumbnails of the selected images", permissions=["view"])
    def regenerate_thumbnails(self, request: HttpRequest, queryset: QuerySet[MediaFile]) -> None:
        selected = [m for m in queryset if m.status == MediaFile.Status.CLEAN and is_image(m)]
        for media in selected:
            enqueue_thumbnail(media, force=True)
        self.message_user(request, f"Queued thumbnails for {len(selected)} clean image(s).", messages.SUCCESS)
