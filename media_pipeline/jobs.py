"""RQ jobs (django-rq): ``scan`` and ``thumbnail`` on the ``media`` queue, ``invalidate`` on
``cache_invalidation``. Enqueued when the transaction commits.

Every job is idempotent: it re-reads the ``MediaFile`` row (the source of truth) and does
nothing that is already done (a clean or infected file is not scanned again unless forced,
thumbnails are not made twice unless forced, a bumped cache version is harmless). Each has a
timeout (``JOB_TIMEOUT``) and retries with backoff (``SCAN_RETRY_INTERVALS`` for scans,
``JOB_RETRY_INTERVALS`` for the others); a job that fails every attempt stays in django-rq's
failed registry (``/admin/django_rq/``). Retries with a delay are enqueued by a worker's
scheduler: run workers with ``--with-scheduler``.

Without ``REDIS_URL`` the queues run jobs synchronously in the process (fakeredis), so the
whole pipeline works with nothing to set up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import django_rq
from django.apps import apps
from django.db import router, transaction
from PIL import Image
from rq import Retry

from media_pipeline.conf import media_config
from media_pipeline.errors import ScanError, ScannerUnavailable
from media_pipeline.models import MediaFile
from media_pipeline.scanning import get_scanner
from media_pipeline.storage import read_chunks, storage_for

logger = logging.getLogger("media_pipeline")

MEDIA_QUEUE = "media"
INVALIDATION_QUEUE = "cache_invalidation"


class StorageReadError(ScanError):
    """The file could not be read from its storage (not a scanner problem)."""


# -- the jobs ---------------------------------------------------------------------------------------
def scan(media_id: str, force: bool = False) -> str:
    """Scan a stored file; returns the resulting status (``"missing"`` for a released file).

    A clean or infected file is not scanned again unless ``force`` (``media_rescan --all``); an
    infected file is never re-scanned (it is in quarantine). Raises when the scanner is
    unreachable (the file stays pending) or fails (``scan_failed``), so RQ retries the job."""
    from media_pipeline import states

    media = MediaFile.objects.filter(pk=media_id).first()
    if media is None:
        return "missing"
    if media.status == MediaFile.Status.INFECTED or (media.status == MediaFile.Status.CLEAN and not force):
        return media.status
    scanner = get_scanner()
    try:
        verdict = scanner.scan(_guarded(read_chunks(storage_for(media), media.file.name)))
    except ScannerUnavailable as exc:
        states.record_unavailable(media, str(exc))
        raise
    except ScanError as exc:
        states.record_failure(media, str(exc))
        raise
    if verdict.infected:
        row = states.quarantine(media, verdict)
    else:
        row = states.mark_clean(media, verdict)
        if row is not None and row.status == MediaFile.Status.CLEAN and is_image(row):
            enqueue_thumbnail(row)
    if row is None:
        return "missing"
    enqueue_invalidate(row)
    return row.status


def _guarded(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Storage errors become ``StorageReadError`` (an ``OSError`` would read as "clamd down")."""
    try:
        yield from chunks
    except Exception as exc:
        raise StorageReadError(f"cannot read the file from its storage: {exc}") from exc


def thumbnail(media_id: str, force: bool = False) -> dict:
    """Make the configured thumbnails of a clean image; returns ``MediaFile.thumbnails``.

    Runs only after a clean scan (anything else returns ``{}``); does nothing when every
    configured size exists, unless ``force``. An image Pillow refuses (a bomb, a broken file) is
    recorded in ``last_error`` and not retried."""
    from media_pipeline import thumbnails
    from media_pipeline.errors import UploadRejected
    from media_pipeline.purge import purge_media
    from media_pipeline.storage import delete_quietly

    media = MediaFile.objects.filter(pk=media_id).first()
    if media is None or media.status != MediaFile.Status.CLEAN or not is_image(media):
        return {}
    sizes = set(media_config()["THUMBNAIL_SIZES"])
    if not force and sizes <= set(media.thumbnails or {}):
        return media.thumbnails
    storage = storage_for(media)
    refused = (UploadRejected, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError,
               ValueError, SyntaxError)  # fmt: skip
    try:
        made = thumbnails.generate(media, storage)
    except refused as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        MediaFile.objects.filter(pk=media.pk).update(last_error=f"thumbnails: {exc}"[:2000])
        logger.warning("media: no thumbnails for %s: %s", media.file.name, exc)
        return {}
    with transaction.atomic(using=router.db_for_write(MediaFile)):
        row = MediaFile.objects.select_for_update().filter(pk=media.pk).first()
        if row is None or row.status != MediaFile.Status.CLEAN:
            for entry in made.values():  # released or quarantined meanwhile
                delete_quietly(storage, entry["name"])
            return {}
        old = row.thumbnails or {}
        row.thumbnails = made
        row.save(update_fields=["thumbnails", "updated_at"])
    kept = {entry["name"] for entry in made.values()}
    for entry in old.values():
        if entry.get("name") and entry["name"] not in kept:
            delete_quietly(storage, entry["name"])
    if old:
        purge_media("", [e["name"] for e in old.values() if e.get("name")])
    enqueue_invalidate(row)
    return made


def invalidate(model_label: str, object_id: str) -> None:
    """Drop cached GraphQL results that read the changed file's model (and ``MediaFile``).

    The result cache is versioned per model (``toolkit.caching``), so ``object_id`` only names
    the row in logs; bumping twice is harmless."""
    from toolkit import caching

    labels = {MediaFile._meta.label}
    if model_label:
        try:
            labels |= caching.labels_for(apps.get_model(model_label))
        except (LookupError, ValueError):
            logger.warning("media: invalidate for unknown model %r", model_label)
    caching.bump(sorted(labels))
    logger.debug("media: cache invalidated for %s %s", model_label or "-", object_id or "-")


# -- enqueueing ---------------------------------------------------------------------------------------
def is_image(media: MediaFile) -> bool:
    return media.content_type.startswith("image/") and media.content_type != "image/svg+xml"


def _retry(intervals: list[int]) -> Retry | None:
    return Retry(max=len(intervals), interval=list(intervals)) if intervals else None


def _enqueue(queue_name: str, func: Callable[..., Any], *args: Any, intervals: list[int],
             on_commit: bool, description: str) -> None:  # fmt: skip
    def go() -> None:
        try:
            queue = django_rq.get_queue(queue_name, commit_mode="auto")
            queue.enqueue(
                func,
                *args,
                job_timeout=int(media_config()["JOB_TIMEOUT"]),
                retry=_retry(intervals),
                description=description,
            )
        except Exception:  # Redis is down: the row stays as it is; media_rescan picks it up
            logger.exception("media: cannot enqueue %s", description)

    if on_commit:
        transaction.on_commit(go, using=router.db_for_write(MediaFile))
    else:
        go()


def enqueue_scan(media: MediaFile, *, on_commit: bool = True, force: bool = False) -> None:
    """Queue the scan of ``media`` (on commit by default; used by uploads and "re-scan" actions)."""
    args: tuple[Any, ...] = (str(media.pk), True) if force else (str(media.pk),)
    _enqueue(
        MEDIA_QUEUE, scan, *args,
        intervals=media_config()["SCAN_RETRY_INTERVALS"], on_commit=on_commit,
        description=f"scan {media.file.name}",
    )  # fmt: skip


def enqueue_thumbnail(media: MediaFile, *, on_commit: bool = True, force: bool = False) -> None:
    args: tuple[Any, ...] = (str(media.pk), True) if force else (str(media.pk),)
    _enqueue(
        MEDIA_QUEUE, thumbnail, *args,
        intervals=media_config()["JOB_RETRY_INTERVALS"], on_commit=on_commit,
        description=f"thumbnail {media.file.name}",
    )  # fmt: skip


def enqueue_invalidate(media: MediaFile, *, on_commit: bool = True) -> None:
    _enqueue(
        INVALIDATION_QUEUE, invalidate, media.model_label, media.object_id,
        intervals=media_config()["JOB_RETRY_INTERVALS"], on_commit=on_commit,
        description=f"invalidate {media.model_label or 'media'} {media.object_id}".strip(),
    )  # fmt: skip
