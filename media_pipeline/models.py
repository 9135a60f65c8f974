"""``MediaFile``: one stored upload and where it is in the pipeline.

Every file the pipeline stores — through a model's File/Image field or the generic
``uploadFiles`` mutation — has one row. The row, not Redis, is the source of truth: a restarted
Redis or a lost job never loses an upload, and ``media_rescan`` finds what still needs a scan.

State machine (``status``)::

    pending ──scan: clean──▶ clean ──▶ thumbnails (images)
       │  ╰──scan: infected──▶ infected (file moved to the quarantine storage, never served)
       ├──scanner unreachable──▶ pending (the job retries with backoff; never clean by default)
       ╰──scan error──▶ scan_failed ──retry with backoff──▶ clean / infected / scan_failed

A file is served (its URL exposed) only while ``status == "clean"``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class MediaFile(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending scan"
        CLEAN = "clean", "Clean"
        INFECTED = "infected", "Infected (quarantined)"
        SCAN_FAILED = "scan_failed", "Scan failed (will retry)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    #: The storage name in the media storage (the model field's storage, else the default one).
    #: It is kept when the file is quarantined, so the field's value still finds its row.
    file = models.FileField(max_length=255, db_index=True)
    #: The name in the quarantine storage once infected (the media storage no longer has it).
    quarantine_name = models.CharField(max_length=255, blank=True)
    #: The client's filename after sanitising (no path, no control characters, bounded length).
    original_name = models.CharField(max_length=255)
    #: The MIME type detected from the content's magic bytes (never the client's claim).
    content_type = models.CharField(max_length=100)
    size = models.BigIntegerField(help_text="Size in bytes")
    sha256 = models.CharField(max_length=64, db_index=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    #: Which scanner gave the verdict: ``"clamd"`` or ``"builtin-test"`` (EICAR only; refused in prod).
    scanner = models.CharField(max_length=50, blank=True)
    #: The signature that matched, for an infected file.
    signature = models.CharField(max_length=255, blank=True)
    scan_attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    scanned_at = models.DateTimeField(null=True, blank=True)
    quarantined_at = models.DateTimeField(null=True, blank=True)
    #: ``{"small": {"name": "...webp", "width": 160, "height": 120}, ...}`` once generated.
    thumbnails = models.JSONField(default=dict, blank=True)

    #: What the file is attached to: ``"demo.book"``, the object's pk and the field name; all
    #: empty for a file uploaded through ``uploadFiles`` and not attached to a model.
    model_label = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    field_name = models.CharField(max_length=100, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["model_label", "object_id", "field_name"])]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"

    @property
    def is_servable(self) -> bool:
        return self.status == self.Status.CLEAN

    def thumbnail_items(self) -> list[tuple[str, dict]]:
        """``[(size, {"name", "width", "height"}), ...]`` in the order of ``THUMBNAIL_SIZES`` (the
        JSON column does not keep an order on every database), other sizes last by name."""
        from media_pipeline.conf import media_config

        configured = list(media_config()["THUMBNAIL_SIZES"])
        thumbnails = self.thumbnails or {}
        rank = {size: index for index, size in enumerate(configured)}
        return sorted(thumbnails.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0]))
