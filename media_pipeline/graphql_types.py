"""GraphQL types of the media pipeline: ``MediaStatus``, ``Thumbnail``, ``MediaFile``, the fields it
adds to ``FileInfo``, and the per-request batch that reads the records of a list in one query.

A File/Image field's ``FileInfo`` finds its ``MediaFile`` by storage name. Every list a resolver
returns is handed to :meth:`RecordBatch.add_rows` before its items are resolved
(``SchemaExtension.prepare_rows``: O(1), nothing is read). The first ``status``/``url``/
``contentType``/``thumbnails`` that misses walks the rows noted so far, with the rows the query
planner already loaded under them (``select_related`` objects and prefetched lists), and loads
the records of every file name found with one ``status_of()`` query: a list, and the lists
nested in it, cost one query, not one per row.
"""

from __future__ import annotations

import contextlib
from typing import Any

import graphene
from django.db import models

from media_pipeline.conf import media_config
from media_pipeline.models import MediaFile
from media_pipeline.signals import file_fields
from media_pipeline.uploads import status_of
from media_pipeline.urls import media_url
from toolkit.naming import constant_case

#: Attribute of the request holding its :class:`RecordBatch`.
BATCH_ATTR = "_media_pipeline_records"
#: Names loaded per query (an IN list stays well under every database's parameter limit).
CHUNK = 500


class MediaStatus(graphene.Enum):
    """Where a stored file is in the pipeline; only CLEAN files have a URL."""

    PENDING = MediaFile.Status.PENDING.value
    CLEAN = MediaFile.Status.CLEAN.value
    INFECTED = MediaFile.Status.INFECTED.value
    SCAN_FAILED = MediaFile.Status.SCAN_FAILED.value

    @property
    def description(self) -> str:
        return {
            "PENDING": "Stored, waiting for the virus scan (or for the scanner to be reachable).",
            "CLEAN": "Scanned clean: served.",
            "INFECTED": "The scanner found a threat: quarantined, never served.",
            "SCAN_FAILED": "The scanner could not decide; the scan is retried with backoff.",
        }[self.name]


class RecordBatch:
    """The ``MediaFile`` records one request reads, by storage name."""

    def __init__(self) -> None:
        self.lists: list[list[Any]] = []
        self.seen: set[int] = set()
        self.loaded: dict[str, MediaFile | None] = {}

    def add_rows(self, rows: list[Any]) -> None:
        self.lists.append(rows)

    def get(self, name: str) -> MediaFile | None:
        if name not in self.loaded:
            names = sorted({name, *self._walk()} - set(self.loaded))
            for start in range(0, len(names), CHUNK):
                chunk = names[start : start + CHUNK]
                found = status_of(chunk)
                self.loaded.update({n: found.get(n) for n in chunk})
        return self.loaded[name]

    def _walk(self) -> set[str]:
        """File names of the rows noted since the last walk and of the rows loaded under them."""
        names: set[str] = set()
        stack = [row for rows in self.lists for row in rows]
        self.lists.clear()
        while stack:
            row = row_of(stack.pop())
            if row is None or id(row) in self.seen:
                continue
            self.seen.add(id(row))
            for field in file_fields(type(row)):
                value = row.__dict__.get(field.attname)
                name = getattr(value, "name", value)
                if name:
                    names.add(str(name))
            for value in row.__dict__.values():
                if isinstance(value, models.Model):
                    stack.append(value)
                elif isinstance(value, list) and value and isinstance(value[0], models.Model):
                    stack.extend(value)  # a planner prefetch (to_attr)
            for cached in (row.__dict__.get("_prefetched_objects_cache") or {}).values():
                stack.extend(getattr(cached, "_result_cache", None) or ())
            stack.extend(v for v in row._state.fields_cache.values() if isinstance(v, models.Model))
        return names

    def clear(self) -> None:
        self.lists.clear()
        self.seen.clear()
        self.loaded.clear()


def batch_of(context: Any) -> RecordBatch:
    """The request's batch (a new one each time when there is no request to keep it on)."""
    batch = getattr(context, BATCH_ATTR, None)
    if batch is None:
        batch = RecordBatch()
        with contextlib.suppress(AttributeError):  # e.g. None: no request to keep it on
            setattr(context, BATCH_ATTR, batch)
    return batch


def record_of(file: Any, info: Any) -> MediaFile | None:
    return batch_of(info.context).get(file.name)


def _request(info: Any) -> Any:
    return info.context if hasattr(info.context, "build_absolute_uri") else None


# -- thumbnails -------------------------------------------------------------------------------------
def thumbnail_size_enum() -> type[graphene.Enum]:
    """``ThumbnailSize``: one value per ``THUMBNAIL_SIZES`` key (``SMALL`` for ``"small"``)."""
    sizes = media_config()["THUMBNAIL_SIZES"]
    values = [(constant_case(name), name) for name in sizes]
    return graphene.Enum(
        "ThumbnailSize", values, description="A configured thumbnail size (THUMBNAIL_SIZES)."
    )


def thumbnails_of(media: MediaFile | None, request: Any) -> list[dict[str, Any]]:
    """The generated thumbnails of a record, in ``THUMBNAIL_SIZES`` order."""
    if media is None:
        return []
    generated = media.thumbnails or {}
    return [
        {
            "size": name,
            "url": media_url(media, thumbnail=name, request=request),
            "width": generated[name].get("width"),
            "height": generated[name].get("height"),
        }
        for name in media_config()["THUMBNAIL_SIZES"]
        if isinstance(generated.get(name), dict)
    ]


def one_thumbnail(media: MediaFile | None, size: Any, request: Any) -> dict[str, Any] | None:
    name = getattr(size, "value", size)
    return next((t for t in thumbnails_of(media, request) if t["size"] == name), None)


def build_types() -> dict[str, Any]:
    """The types of one schema: ``ThumbnailSize`` follows ``THUMBNAIL_SIZES`` (without sizes,
    there are no thumbnail fields)."""
    thumbnail_fields = _thumbnail_fields() if media_config()["THUMBNAIL_SIZES"] else lambda record: {}

    def media_file_resolver(name: str) -> Any:
        return lambda root, info: getattr(root, name)

    media_file = type(
        "MediaFileType",
        (graphene.ObjectType,),
        {
            "Meta": type(
                "Meta",
                (),
                {
                    "name": "MediaFile",
                    "description": "A file stored by the pipeline (uploadFiles), scanned before it is served.",
                },
            ),
            "id": graphene.ID(required=True),
            "name": graphene.String(
                required=True,
                resolver=media_file_resolver("original_name"),
                description="The sanitised filename the client sent.",
            ),
            "content_type": graphene.String(
                required=True, description="Detected from the content's magic bytes."
            ),
            "size": graphene.BigInt(required=True, description="Size in bytes."),
            "status": graphene.Field(MediaStatus, required=True, resolver=lambda root, info: _status(root)),
            "url": graphene.String(
                resolver=lambda root, info: media_url(root, request=_request(info)),
                description="Absolute URL; null unless the file is scanned clean.",
            ),
            "width": graphene.Int(description="Images: width in pixels."),
            "height": graphene.Int(description="Images: height in pixels."),
            "created_at": graphene.DateTime(required=True),
            **thumbnail_fields(lambda root, info: root),
        },
    )
    file_info_fields = {
        "status": graphene.Field(
            MediaStatus,
            resolver=lambda root, info: _status(record_of(root, info)),
            description="The scan status; null for a file the pipeline has no record of.",
        ),
        "url": graphene.String(
            resolver=lambda root, info: media_url(record_of(root, info), request=_request(info)),
            description="Absolute URL; null unless the file is scanned clean.",
        ),
        "content_type": graphene.String(
            resolver=lambda root, info: getattr(record_of(root, info), "content_type", None),
            description="The MIME type detected from the content (null without a record).",
        ),
        **thumbnail_fields(record_of),
    }
    return {"MediaFile": media_file, "file_info_fields": file_info_fields}


def _thumbnail_fields() -> Any:
    size_enum = thumbnail_size_enum()

    class Thumbnail(graphene.ObjectType):
        """A smaller copy of an image (WebP by default); its url is null unless the image is clean."""

        size = graphene.Field(size_enum, required=True)
        url = graphene.String()
        width = graphene.Int()
        height = graphene.Int()

    def fields(record: Any) -> dict[str, Any]:
        """``thumbnails`` and ``thumbnail(size)`` of the record ``record(root, info)`` returns."""
        return {
            "thumbnails": graphene.Field(
                graphene.NonNull(graphene.List(graphene.NonNull(Thumbnail))),
                resolver=lambda root, info: thumbnails_of(record(root, info), _request(info)),
                description="The generated thumbnails (images only; empty until they are made).",
            ),
            "thumbnail": graphene.Field(
                Thumbnail,
                size=graphene.Argument(graphene.NonNull(size_enum)),
                resolver=lambda root, info, size: one_thumbnail(record(root, info), size, _request(info)),
                description="One thumbnail, or null when it does not exist (yet).",
            ),
        }

    return fields


def _status(media: MediaFile | None) -> str | None:
    """The status value (a new row holds the ``MediaFile.Status`` member, a loaded one the string)."""
    return None if media is None else str(getattr(media.status, "value", media.status))


def row_of(item: Any) -> models.Model | None:
    """The model row of a list item (a row, or a connection edge holding one)."""
    if isinstance(item, models.Model):
        return item
    node = getattr(item, "node", None)
    return node if isinstance(node, models.Model) else None
