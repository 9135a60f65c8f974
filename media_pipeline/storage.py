"""Where files live: the media storage (``STORAGES["default"]`` or a field's own storage) and the
quarantine storage (``TOOLKIT["MEDIA"]["QUARANTINE_STORAGE"]``, a ``STORAGES`` alias).

Everything goes through Django's storage API, so S3 (django-storages) works like the local disk.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.files.storage import FileSystemStorage, Storage, default_storage, storages
from django.db import models

from media_pipeline.conf import media_config

if TYPE_CHECKING:
    from media_pipeline.models import MediaFile

CHUNK_SIZE = 256 * 1024


class QuarantineStorage(FileSystemStorage):
    """A private directory (outside ``MEDIA_ROOT``): files are kept, never given a URL.

    Files and directories are readable by the owner only."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("file_permissions_mode", 0o600)
        kwargs.setdefault("directory_permissions_mode", 0o700)
        kwargs["base_url"] = None
        super().__init__(**kwargs)

    def url(self, name: str | None) -> str:
        raise ValueError("quarantined files have no URL")


def quarantine_storage() -> Storage:
    return storages[media_config()["QUARANTINE_STORAGE"]]


def field_of(model_label: str, field_name: str) -> models.FileField | None:
    """The File/Image field ``field_name`` of the model ``"app_label.model"``, if it exists."""
    if not (model_label and field_name):
        return None
    try:
        field = apps.get_model(model_label)._meta.get_field(field_name)
    except (LookupError, ValueError):
        return None
    return field if isinstance(field, models.FileField) else None


def storage_for(media: MediaFile) -> Storage:
    """The storage holding a (not quarantined) file: its model field's storage, else the default."""
    field = field_of(media.model_label, media.field_name)
    return field.storage if field is not None else default_storage


def read_chunks(storage: Storage, name: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """The file's bytes, streamed (never the whole file in memory)."""
    with storage.open(name, "rb") as handle:
        while chunk := handle.read(chunk_size):
            yield chunk


def delete_quietly(storage: Storage, name: str) -> None:
    """Delete a file; a missing file is fine (deletion is idempotent)."""
    if name:
        with contextlib.suppress(FileNotFoundError):
            storage.delete(name)
