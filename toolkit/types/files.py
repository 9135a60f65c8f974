"""``FileInfo``: how File and Image fields appear (``{name, url, size}``, plus what the schema
extensions add: the media pipeline adds ``status``, ``contentType`` and thumbnails, and makes
``url`` null until the file is scanned clean)."""

from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import SuspiciousOperation
from django.db.models.fields.files import FieldFile


class FileInfo(graphene.ObjectType):
    """A stored file: its storage name, public URL and size in bytes."""

    name = graphene.String(required=True, description="Name in the storage backend.")
    url = graphene.String(description="Absolute URL, or null when the storage has none.")
    size = graphene.BigInt(description="Size in bytes, or null when the file is missing.")

    @staticmethod
    def resolve_url(file: FieldFile, info: Any) -> str | None:
        try:
            url = file.url
        except (ValueError, NotImplementedError):
            return None
        build = getattr(info.context, "build_absolute_uri", None)
        return build(url) if build else url

    @staticmethod
    def resolve_size(file: FieldFile, info: Any) -> int | None:
        try:
            return file.size
        except (OSError, ValueError, NotImplementedError, SuspiciousOperation):
            return None  # missing, or a stored name the storage refuses (e.g. path traversal)


def build_file_info(extensions: Any) -> type[graphene.ObjectType]:
    """``FileInfo`` for one schema: :class:`FileInfo` with the extensions' ``file_info_fields()``."""
    added: dict[str, Any] = {}
    for extension in extensions:
        added.update(extension.file_info_fields())
    if not added:
        return FileInfo
    meta = type("Meta", (), {"name": "FileInfo", "description": FileInfo._meta.description})
    return type("FileInfo", (FileInfo,), {**added, "Meta": meta})


def resolve_file(attname: str):
    """Resolver returning the ``FieldFile`` or None when the field is empty."""

    def resolve(root: Any, info: Any) -> FieldFile | None:
        value = getattr(root, attname)
        return value if value else None

    return resolve
