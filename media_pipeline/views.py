"""``serve_media``: serves a stored file (or one of its thumbnails) only while it is clean.

Mounted under ``MEDIA_URL`` by ``settings/urls.py`` in DEBUG (instead of Django's ``static()``,
which would serve pending and unknown files too). Anything that is not a clean file known to the
pipeline is a 404; with signed URLs on, a missing, wrong or expired signature is a 403.
In production, serve media from the storage or a CDN (docs/media.md).
"""

from __future__ import annotations

import posixpath
import re
import uuid

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404, HttpRequest, HttpResponseForbidden
from django.urls import URLPattern, re_path
from django.views.decorators.http import require_safe

from media_pipeline.conf import media_config
from media_pipeline.models import MediaFile
from media_pipeline.storage import storage_for
from media_pipeline.thumbnails import EXTENSIONS
from media_pipeline.urls import verify_signature

THUMBNAIL_TYPES = {ext: f"image/{ext}" for ext in EXTENSIONS.values()} | {"jpg": "image/jpeg"}


def find(name: str) -> tuple[MediaFile | None, str]:
    """The record serving ``name`` and the content type to send, or (None, "")."""
    media = MediaFile.objects.filter(file=name).order_by("-created_at").first()
    if media is not None:
        return media, media.content_type
    parts = name.split("/")
    if len(parts) == 3 and parts[0] == "thumbnails":
        try:
            media_id = uuid.UUID(parts[1])
        except ValueError:
            return None, ""
        media = MediaFile.objects.filter(pk=media_id).first()
        if media is not None and name in {t.get("name") for t in (media.thumbnails or {}).values()}:
            return media, THUMBNAIL_TYPES.get(parts[2].rpartition(".")[2], "application/octet-stream")
    return None, ""


@require_safe
def serve_media(request: HttpRequest, path: str) -> FileResponse | HttpResponseForbidden:
    name = posixpath.normpath(path).lstrip("/")
    if name != path or name.startswith("..") or not name:
        raise Http404("no such file")
    media, content_type = find(name)
    if media is None or not media.is_servable:
        raise Http404("no such file")
    if media_config()["SIGNED_URLS"].get("enabled") and not verify_signature(
        name, request.GET.get("expires"), request.GET.get("signature")
    ):
        return HttpResponseForbidden("missing, invalid or expired signature")
    try:
        handle = storage_for(media).open(name, "rb")
    except (OSError, SuspiciousFileOperation) as exc:
        raise Http404("no such file") from exc
    is_image = content_type.startswith("image/") and content_type != "image/svg+xml"
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=not is_image,
        filename=media.original_name if name == media.file.name else posixpath.basename(name),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = (
        "private, max-age=300" if media_config()["SIGNED_URLS"].get("enabled") else "public, max-age=300"
    )
    return response


def media_urlpatterns() -> list[URLPattern]:
    """``MEDIA_URL<path>`` → :func:`serve_media` (for a local ``MEDIA_URL`` such as ``/media/``)."""
    prefix = settings.MEDIA_URL.lstrip("/")
    return [re_path(rf"^{re.escape(prefix)}(?P<path>.+)$", serve_media, name="media")]
