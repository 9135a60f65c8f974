"""The work behind ``media_rescan``, ``media_thumbnails`` and ``media_quarantine`` (the commands only
parse options and print): plain functions that tests and cron jobs can call too."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

from media_pipeline import jobs
from media_pipeline.conf import media_config
from media_pipeline.models import MediaFile
from media_pipeline.signals import ensure_registered, file_fields, is_tracked
from media_pipeline.storage import delete_quietly, quarantine_storage

Progress = Callable[[Iterable[Any], str, int], Iterable[Any]]


def _no_progress(items: Iterable[Any], label: str, total: int) -> Iterable[Any]:
    return items


def resolve_model(label: str) -> type[models.Model]:
    """``"demo.Book"`` → the model; ``LookupError``/``ValueError`` for an unknown one."""
    model = apps.get_model(label)
    if not file_fields(model):
        raise ValueError(f"{model._meta.label} has no File/Image field")
    return model


# -- media_rescan -----------------------------------------------------------------------------------------
@dataclass
class RescanResult:
    selected: list[MediaFile] = field(default_factory=list)
    #: ``(model label, pk, field, name)`` of files referenced by rows but not yet registered.
    unregistered: list[tuple[str, Any, str, str]] = field(default_factory=list)
    queued: int = 0


def rescan_queryset(*, everything: bool, model: type[models.Model] | None) -> QuerySet[MediaFile]:
    rows = MediaFile.objects.exclude(status=MediaFile.Status.INFECTED)
    if not everything:
        rows = rows.filter(status__in=[MediaFile.Status.PENDING, MediaFile.Status.SCAN_FAILED])
    if model is not None:
        rows = rows.filter(model_label=model._meta.label_lower)
    return rows.order_by("created_at", "pk")


def unregistered_files(
    models_: Iterable[type[models.Model]],
) -> list[tuple[models.Model, models.FileField, str]]:
    """Files that rows reference but the pipeline never saw (written by ``bulk_create``,
    ``QuerySet.update`` or before the pipeline existed)."""
    found = []
    for model in models_:
        for model_field in file_fields(model):
            rows = model._base_manager.exclude(**{model_field.name: ""}).exclude(
                **{f"{model_field.name}__isnull": True}
            )
            names = dict(rows.values_list(model_field.name, "pk"))
            known = set(MediaFile.objects.filter(file__in=list(names)).values_list("file", flat=True))
            missing = sorted(set(names) - known)
            if missing:
                for row in model._base_manager.filter(pk__in=[names[n] for n in missing]):
                    found.append((row, model_field, getattr(row, model_field.attname).name))
    return found


def rescan(
    *,
    everything: bool = False,
    model: type[models.Model] | None = None,
    dry_run: bool = False,
    inline: bool = False,
    progress: Progress = _no_progress,
) -> RescanResult:
    """Queue scans of pending and failed files (``everything``: every file not quarantined, forced).

    With ``everything`` or ``model``, files referenced by the tracked models' rows but never
    registered are registered first (and scanned with the rest)."""
    result = RescanResult()
    if everything or model is not None:
        candidates = [model] if model is not None else [m for m in apps.get_models() if is_tracked(m)]
        for row, model_field, name in unregistered_files(candidates):
            result.unregistered.append((row._meta.label, row.pk, model_field.name, name))
            if not dry_run:
                ensure_registered(row, model_field, name)
    rows = list(rescan_queryset(everything=everything, model=model))
    result.selected = rows
    if dry_run:
        return result
    for media in progress(rows, "scan", len(rows)):
        if inline:
            with contextlib.suppress(Exception):  # recorded on the row (pending / scan_failed)
                jobs.scan(str(media.pk), force=everything)
        else:
            jobs.enqueue_scan(media, on_commit=False, force=everything)
        result.queued += 1
    return result


def requeue_stuck_scans() -> int:
    """Queue the scans of files left ``pending`` or ``scan_failed`` for longer than
    ``REQUEUE_PENDING_AFTER`` (a cron job of the scheduler): their job was lost with a Redis that
    restarted without its data, or failed every retry. Returns how many were queued.

    A file whose job is merely slow gets a second job; scans are idempotent, so that costs one
    read of the file at most."""
    cutoff = timezone.now() - datetime.timedelta(seconds=media_config()["REQUEUE_PENDING_AFTER"])
    stuck = rescan_queryset(everything=False, model=None).filter(updated_at__lt=cutoff)
    queued = 0
    for media in stuck.iterator():
        jobs.enqueue_scan(media, on_commit=False)
        queued += 1
    return queued


# -- media_thumbnails ------------------------------------------------------------------------------------------
def images_needing_thumbnails(*, everything: bool) -> list[MediaFile]:
    rows = MediaFile.objects.filter(status=MediaFile.Status.CLEAN, content_type__startswith="image/").exclude(
        content_type="image/svg+xml"
    )
    if everything:
        return list(rows.order_by("created_at", "pk"))
    sizes = set(media_config()["THUMBNAIL_SIZES"])
    return [m for m in rows.order_by("created_at", "pk") if not sizes <= set(m.thumbnails or {})]


def regenerate_thumbnails(
    *,
    everything: bool = False,
    dry_run: bool = False,
    inline: bool = False,
    progress: Progress = _no_progress,
) -> list[MediaFile]:
    rows = images_needing_thumbnails(everything=everything)
    if not dry_run:
        for media in progress(rows, "thumbnails", len(rows)):
            if inline:
                jobs.thumbnail(str(media.pk), force=True)
            else:
                jobs.enqueue_thumbnail(media, on_commit=False, force=True)
    return rows


# -- media_quarantine ------------------------------------------------------------------------------------------
def quarantined(older_than_days: int | None = None) -> QuerySet[MediaFile]:
    rows = MediaFile.objects.filter(status=MediaFile.Status.INFECTED)
    if older_than_days is not None:
        cutoff = timezone.now() - datetime.timedelta(days=older_than_days)
        rows = rows.filter(
            Q(quarantined_at__lt=cutoff) | Q(quarantined_at__isnull=True, created_at__lt=cutoff)
        )
    return rows.order_by("quarantined_at", "created_at", "pk")


def purge_quarantine(*, older_than_days: int | None = None, dry_run: bool = False) -> list[MediaFile]:
    """Delete quarantined files and their records (all, or those quarantined before the cutoff)."""
    rows = list(quarantined(older_than_days))
    if not dry_run:
        storage = quarantine_storage()
        for media in rows:
            delete_quietly(storage, media.quarantine_name)
            MediaFile.objects.filter(pk=media.pk).delete()
    return rows
