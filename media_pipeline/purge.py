"""The purge hook: told which public URLs changed when a file is replaced, deleted, quarantined
or its thumbnails regenerated, so a CDN can drop its cached copies.

``TOOLKIT["MEDIA"]["PURGE_BACKEND"]`` is a dotted path to a :class:`PurgeBackend` subclass (or
``[path, {kwargs}]``). Built in: :class:`NoopPurge` (the default) and :class:`LoggingPurge`.
A backend for a real CDN implements ``purge(urls)`` with its API (Fastly, CloudFront ...).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.utils.module_loading import import_string

from media_pipeline.conf import media_config

logger = logging.getLogger("media_pipeline.purge")


class PurgeBackend:
    """Receives the unsigned public URLs (``MediaURLBuilder.public_url``) to purge."""

    def __init__(self, **options: Any) -> None:
        self.options = options

    def purge(self, urls: Sequence[str]) -> None:
        raise NotImplementedError


class NoopPurge(PurgeBackend):
    def purge(self, urls: Sequence[str]) -> None:
        return None


class LoggingPurge(PurgeBackend):
    """Logs one line per purge on the ``media_pipeline.purge`` logger (level ``INFO``)."""

    def purge(self, urls: Sequence[str]) -> None:
        logger.info("purge %d URL(s): %s", len(urls), " ".join(urls))


def get_purge_backend() -> PurgeBackend:
    entry = media_config()["PURGE_BACKEND"]
    path, options = (entry[0], dict(entry[1])) if isinstance(entry, (list, tuple)) else (entry, {})
    return import_string(path)(**options)


def purge_media(name: str, thumbnails: Sequence[str] = ()) -> None:
    """Purge a file's URL and its thumbnails' URLs; a failing backend is logged, never raised
    (the file change has happened; a stale CDN copy expires on its own)."""
    from media_pipeline.urls import get_url_builder

    names = [n for n in (name, *thumbnails) if n]
    if not names:
        return
    try:
        builder = get_url_builder()
        get_purge_backend().purge([builder.public_url(n) for n in names])
    except Exception:
        logger.exception("media: the purge backend failed for %s", ", ".join(names))
