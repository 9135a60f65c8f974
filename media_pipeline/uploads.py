"""Storing uploads: the functions the GraphQL layer (and anything else accepting files) calls.

``store_upload`` validates a file, saves it and records it as ``pending``; ``link`` attaches the
record to a row saved afterwards; ``release`` deletes a replaced or cleared file once the
transaction commits; ``cleanup_on_failure`` removes the files stored by a block that fails or
whose transaction is rolled back; ``status_of`` reads the records of many names in one query.
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import File
from django.core.files.storage import Storage, default_storage
from django.db import models, router, transaction
from django.utils import timezone

from media_pipeline.conf import allowed_types
from media_pipeline.models import MediaFile
from media_pipeline.signals import mark_registered
from media_pipeline.storage import delete_quietly, field_of, storage_for
from media_pipeline.validators import validate
from toolkit import flags

logger = logging.getLogger("media_pipeline")

#: Where files not attached to a model field go (``uploadFiles``); strftime placeholders allowed.
GENERIC_UPLOAD_TO = "uploads/%Y/%m/"


def field_key(model: type[models.Model], field_name: str) -> str:
    """``"demo.Book.cover"``: the ``ALLOWED_TYPES`` key of a field."""
    return f"{model._meta.app_label}.{model._meta.object_name}.{field_name}"


def file_field(instance: models.Model, field_name: str) -> models.FileField:
    model_field = instance._meta.get_field(field_name)
    if not isinstance(model_field, models.FileField):
        raise TypeError(f"{instance._meta.label}.{field_name} is not a FileField or ImageField")
    return model_field


def store_upload(
    uploaded: File,
    *,
    instance: models.Model | None = None,
    field_name: str | None = None,
    owner: Any = None,
) -> MediaFile:
    """Validate (magic bytes, size, name, Pillow bomb), save to storage (the field's
    ``upload_to`` when ``instance``/``field_name`` are given, else ``uploads/%Y/%m/``), create
    the pending ``MediaFile``, set ``instance.<field>`` to the stored name (the caller saves the
    instance) and enqueue the scan on commit.

    Raises ``UploadRejected``, or ``FeatureDisabled`` when the ``uploads`` feature flag is off for
    the instance's model (``uploads:demo.Book``; ``uploads:media_pipeline.MediaFile`` for files not
    attached to a row) or everywhere; nothing is left in storage when it raises."""
    from media_pipeline.jobs import enqueue_scan

    flags.require("uploads", scope=(type(instance) if instance is not None else MediaFile)._meta.label)

    model_field = file_field(instance, field_name) if instance is not None and field_name else None
    if model_field is not None:
        allowed = allowed_types(
            field_key(type(instance), model_field.name), image=isinstance(model_field, models.ImageField)
        )
    else:
        allowed = allowed_types(None, image=False)
    info = validate(
        uploaded, getattr(uploaded, "name", ""), allowed=allowed, size=getattr(uploaded, "size", None)
    )

    if model_field is not None:
        storage: Storage = model_field.storage
        target = model_field.generate_filename(instance, info.name)
    else:
        storage = default_storage
        target = storage.generate_filename(
            posixpath.join(timezone.now().strftime(GENERIC_UPLOAD_TO), info.name)
        )
    uploaded.seek(0)
    stored = storage.save(target, uploaded, max_length=MediaFile._meta.get_field("file").max_length)
    try:
        media = MediaFile.objects.create(
            file=stored,
            original_name=info.name,
            content_type=info.content_type,
            size=info.size,
            sha256=info.sha256,
            width=info.width,
            height=info.height,
            model_label=instance._meta.label_lower if model_field is not None else "",
            object_id=str(instance.pk) if model_field is not None and instance.pk is not None else "",
            field_name=model_field.name if model_field is not None else "",
            owner=owner if getattr(owner, "is_authenticated", False) else None,
        )
    except BaseException:
        delete_quietly(storage, stored)
        raise
    _track(media, storage)
    if model_field is not None:
        setattr(instance, model_field.attname, stored)
        mark_registered(instance, stored)  # the post_save handler need not look it up
    enqueue_scan(media)
    return media


def link(media: MediaFile, instance: models.Model) -> None:
    """Attach ``media`` to ``instance`` once it has a primary key (after the caller saved it)."""
    if instance.pk is None:
        raise ValueError("link() needs a saved instance")
    media.model_label = instance._meta.label_lower
    media.object_id = str(instance.pk)
    media.save(update_fields=["model_label", "object_id", "updated_at"])


def release(name: str, *, model_field: models.FileField | None = None) -> None:
    """The previous file of a field was replaced or cleared, or its row deleted: on commit,
    delete it from storage with its thumbnails and ``MediaFile`` row, and call the purge hook.

    A file still referenced by its field on another row is kept; an infected file keeps its
    record and quarantined copy (``media_quarantine purge`` removes them)."""
    if not name:
        return
    using = router.db_for_write(MediaFile)
    transaction.on_commit(lambda: release_now(name, model_field=model_field), using=using, robust=True)


def release_now(name: str, *, model_field: models.FileField | None = None) -> bool:
    """``release`` without waiting for a commit; True when something was deleted."""
    from media_pipeline.purge import purge_media

    rows = list(MediaFile.objects.filter(file=name))
    fields = {model_field} if model_field is not None else set()
    fields |= {f for f in (field_of(m.model_label, m.field_name) for m in rows) if f is not None}
    if any(f.model._base_manager.filter(**{f.name: name}).exists() for f in fields):
        logger.info("media: %s is still in use; not deleted", name)
        return False
    if not rows:
        storage = model_field.storage if model_field is not None else default_storage
        if not storage.exists(name):
            return False  # already released
        delete_quietly(storage, name)
        purge_media(name, [])
        return True
    for media in rows:
        if media.status == MediaFile.Status.INFECTED:
            continue
        delete_media(media)
    return True


def delete_media(media: MediaFile) -> None:
    """Delete a record with its file and thumbnails, then purge their URLs."""
    from media_pipeline.purge import purge_media

    storage = storage_for(media)
    thumbnails = [entry["name"] for _size, entry in media.thumbnail_items() if entry.get("name")]
    for name in [media.file.name, *thumbnails]:
        delete_quietly(storage, name)
    if media.quarantine_name:
        from media_pipeline.storage import quarantine_storage

        delete_quietly(quarantine_storage(), media.quarantine_name)
    MediaFile.objects.filter(pk=media.pk).delete()
    purge_media(media.file.name, thumbnails)


def status_of(names: Iterable[str]) -> dict[str, MediaFile]:
    """The records of these storage names, in one query (the newest wins for a name stored twice)."""
    wanted = {str(n) for n in names if n}
    if not wanted:
        return {}
    found: dict[str, MediaFile] = {}
    for media in MediaFile.objects.filter(file__in=wanted).order_by("created_at", "pk"):
        found[media.file.name] = media
    return found


# -- cleanup_on_failure -------------------------------------------------------------------------------
@dataclass(eq=False)
class _Stored:
    """A file stored inside a ``cleanup_on_failure`` block, and whether its transaction committed."""

    media: MediaFile
    storage: Storage
    using: str
    committed: bool = False
    registered: bool = field(default=False)

    def __call__(self) -> None:  # the on_commit marker
        self.committed = True

    def pending(self) -> bool:
        """Registered with a transaction that has neither committed nor rolled it back yet."""
        connection = transaction.get_connection(self.using)
        return any(func is self for _sids, func, _robust in connection.run_on_commit)


_tracked: ContextVar[list[_Stored] | None] = ContextVar("media_pipeline_tracked", default=None)


def _track(media: MediaFile, storage: Storage) -> None:
    stored_list = _tracked.get()
    if stored_list is None:
        return
    using = router.db_for_write(MediaFile)
    stored = _Stored(media, storage, using)
    connection = transaction.get_connection(using)
    if connection.in_atomic_block:
        stored.registered = True
        connection.on_commit(stored)
    else:
        stored.committed = True
    stored_list.append(stored)


@contextmanager
def cleanup_on_failure() -> Iterator[None]:
    """Files stored inside the block are deleted again if the block raises or its transaction is
    rolled back (``dryRun``, a per-field atomic failure). Blocks nest: an outer block that fails
    removes the files of inner blocks that succeeded."""
    stored: list[_Stored] = []
    outer = _tracked.get()
    token = _tracked.set(stored)
    try:
        yield
    except BaseException:
        _discard(stored)
        raise
    else:
        kept = []
        for item in stored:
            connection = transaction.get_connection(item.using)
            if item.committed:
                kept.append(item)
            elif item.registered and item.pending() and not connection.needs_rollback:
                kept.append(item)  # waits for the enclosing transaction's commit
            else:
                _discard([item])  # its savepoint or transaction was rolled back
        if outer is not None:
            outer.extend(kept)
    finally:
        _tracked.reset(token)


def _discard(stored: list[_Stored]) -> None:
    for item in stored:
        delete_quietly(item.storage, item.media.file.name)
        if transaction.get_connection(item.using).needs_rollback:
            continue  # the rollback removes the record
        try:
            current = MediaFile.objects.filter(pk=item.media.pk).first()
            if current is not None:  # committed already (no transaction): thumbnails too
                delete_media(current)
        except Exception:  # a broken transaction: its rollback removes the record
            logger.debug("media: could not delete the record of %s", item.media.file.name, exc_info=True)
