"""Media URLs: ``MediaURLBuilder`` (CDN prefix, signed URLs with an expiry) and ``media_url``.

``TOOLKIT["MEDIA"]["URL_BUILDER"]`` names the builder class (subclass this one to change how URLs
look). Without ``CDN_URL`` the storage's own URL is used (``/media/...`` locally, the bucket's
URL on S3). With ``CDN_URL`` the name is appended to it (``https://cdn.example.com/covers/a.png``).

Signed URLs (``SIGNED_URLS = {"enabled": True, "expires": 3600}``) get ``?expires=<unix time>&
signature=<hex>``; the signature is an HMAC-SHA256 (Django's ``salted_hmac``, salt
``media_pipeline.urls``, key ``SECRET_KEY``) of ``"<name>:<expires>"``, checked by
``serve_media`` (and by a CDN edge function that knows the key) with :func:`verify_signature`.
"""

from __future__ import annotations

import math
import time
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from django.core.files.storage import Storage, default_storage
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.module_loading import import_string

from media_pipeline.conf import media_config

if TYPE_CHECKING:
    from media_pipeline.models import MediaFile

SIGNING_SALT = "media_pipeline.urls"


def sign(name: str, expires: int) -> str:
    return salted_hmac(SIGNING_SALT, f"{name}:{expires}", algorithm="sha256").hexdigest()


def verify_signature(name: str, expires: Any, signature: Any, *, now: float | None = None) -> bool:
    """True for a signature made by :func:`sign` whose expiry has not passed."""
    try:
        expires_at = int(expires)
    except (TypeError, ValueError):
        return False
    if expires_at < (time.time() if now is None else now):
        return False
    return isinstance(signature, str) and constant_time_compare(sign(name, expires_at), signature)


class MediaURLBuilder:
    """Builds the URL clients get for a stored name (a file or a thumbnail)."""

    def __init__(self, storage: Storage | None = None) -> None:
        config = media_config()
        self.storage = storage or default_storage
        self.cdn_url = (config["CDN_URL"] or "").rstrip("/")
        signed = config["SIGNED_URLS"]
        self.signed = bool(signed.get("enabled"))
        self.expires = int(signed.get("expires") or 3600)

    def public_url(self, name: str) -> str:
        """The unsigned URL (CDN prefix, else the storage's URL): what a CDN caches and purges."""
        if self.cdn_url:
            return f"{self.cdn_url}/{quote(name)}"
        return self.storage.url(name)

    def url(self, name: str, *, request: Any = None) -> str:
        """The URL to hand out: signed with an expiry when enabled, absolute when a request is
        given and the URL is relative."""
        url = self.public_url(name)
        if self.signed:
            # Expiries are rounded up to a minute, so URLs stay cacheable for that long.
            expires = math.ceil((time.time() + self.expires) / 60) * 60
            separator = "&" if "?" in url else "?"
            url = f"{url}{separator}{urlencode({'expires': expires, 'signature': sign(name, expires)})}"
        if request is not None and url.startswith("/"):
            url = request.build_absolute_uri(url)
        return url


@lru_cache(maxsize=8)
def _builder_class(path: str) -> type[MediaURLBuilder]:
    return import_string(path)


def get_url_builder() -> MediaURLBuilder:
    return _builder_class(media_config()["URL_BUILDER"])()


def media_url(media: MediaFile | None, *, thumbnail: str | None = None, request: Any = None) -> str | None:
    """The URL of a clean file (or of one of its thumbnails); None while it is not clean, and
    for a thumbnail that does not exist (yet)."""
    if media is None or not media.is_servable:
        return None
    if thumbnail is None:
        name = media.file.name
    else:
        entry = (media.thumbnails or {}).get(thumbnail)
        if not entry or not entry.get("name"):
            return None
        name = entry["name"]
    from media_pipeline.storage import storage_for

    builder = get_url_builder()
    builder.storage = storage_for(media)
    return builder.url(name, request=request)
