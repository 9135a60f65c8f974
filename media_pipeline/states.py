"""The quarantine state machine: the transitions a scan verdict (or its absence) causes.

Every transition locks the row (``select_for_update``) and re-reads it, so a concurrent re-scan
or release cannot interleave; a row deleted meanwhile (the file was released) is left alone.

- ``mark_clean``: ``pending``/``scan_failed``/``clean`` → ``clean``;
- ``quarantine``: → ``infected``; the file is moved to the quarantine storage (and its
  thumbnails, if it had been clean, are deleted); it is never served again;
- ``record_unavailable``: the scanner could not be reached; the status is unchanged (a pending
  file stays pending: never "clean by default"), the attempt and error are recorded;
- ``record_failure``: the scanner answered with an error → ``scan_failed`` (retried with backoff).
"""

from __future__ import annotations

import logging
import posixpath

from django.db import router, transaction
from django.utils import timezone

from media_pipeline.models import MediaFile
from media_pipeline.scanning import Verdict
from media_pipeline.storage import delete_quietly, quarantine_storage, storage_for

logger = logging.getLogger("media_pipeline")


def _locked(media: MediaFile) -> MediaFile | None:
    return MediaFile.objects.select_for_update().filter(pk=media.pk).first()


def _atomic():
    return transaction.atomic(using=router.db_for_write(MediaFile))


def mark_clean(media: MediaFile, verdict: Verdict) -> MediaFile | None:
    with _atomic():
        row = _locked(media)
        if row is None or row.status == MediaFile.Status.INFECTED:
            return row
        row.status = MediaFile.Status.CLEAN
        row.scanner, row.signature, row.last_error = verdict.scanner, "", ""
        row.scan_attempts += 1
        row.scanned_at = timezone.now()
        row.save(
            update_fields=[
                "status",
                "scanner",
                "signature",
                "last_error",
                "scan_attempts",
                "scanned_at",
                "updated_at",
            ]
        )
    logger.debug("media: %s is clean (%s)", row.file.name, verdict.scanner)
    return row


def quarantine(media: MediaFile, verdict: Verdict) -> MediaFile | None:
    """Move the file to the quarantine storage and record the verdict."""
    from media_pipeline.purge import purge_media

    with _atomic():
        row = _locked(media)
        if row is None:
            return None
        storage, target = storage_for(row), quarantine_storage()
        thumbnails = [entry["name"] for _size, entry in row.thumbnail_items() if entry.get("name")]
        if not row.quarantine_name:
            name = f"{row.pk}/{posixpath.basename(row.file.name)}"
            with quarantine_file(storage, row.file.name) as content:
                row.quarantine_name = target.save(name, content)
        delete_quietly(storage, row.file.name)
        for thumb in thumbnails:
            delete_quietly(storage, thumb)
        was_clean = row.status == MediaFile.Status.CLEAN
        row.status = MediaFile.Status.INFECTED
        row.scanner, row.signature, row.last_error = verdict.scanner, verdict.signature[:255], ""
        row.scan_attempts += 1
        row.scanned_at = row.quarantined_at = timezone.now()
        row.thumbnails = {}
        row.save()
    logger.warning(
        "media: %s is infected (%s, %s); moved to quarantine as %s",
        row.file.name, verdict.signature, verdict.scanner, row.quarantine_name,
    )  # fmt: skip
    if was_clean or thumbnails:
        purge_media(row.file.name, thumbnails)
    return row


class quarantine_file:
    """The file's content as a Django ``File`` streamed from its storage."""

    def __init__(self, storage, name: str) -> None:
        self.storage, self.name = storage, name

    def __enter__(self):
        from django.core.files.base import File

        self.handle = self.storage.open(self.name, "rb")
        return File(self.handle)

    def __exit__(self, *exc) -> None:
        self.handle.close()


def record_unavailable(media: MediaFile, error: str) -> MediaFile | None:
    return _record(media, error, failed=False)


def record_failure(media: MediaFile, error: str) -> MediaFile | None:
    return _record(media, error, failed=True)


def _record(media: MediaFile, error: str, *, failed: bool) -> MediaFile | None:
    with _atomic():
        row = _locked(media)
        if row is None or row.status in (MediaFile.Status.CLEAN, MediaFile.Status.INFECTED):
            return row  # another run gave a verdict meanwhile
        if failed:
            row.status = MediaFile.Status.SCAN_FAILED
        row.scan_attempts += 1
        row.last_error = error[:2000]
        row.save(update_fields=["status", "scan_attempts", "last_error", "updated_at"])
    logger.warning("media: scanning %s failed (attempt %d): %s", row.file.name, row.scan_attempts, error)
    return row
