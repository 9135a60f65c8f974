"""``media_config()``: ``TOOLKIT["MEDIA"]`` merged key by key over the defaults in ``toolkit.conf``.

Read at call time through ``toolkit.conf.get_config()`` (cached until ``TOOLKIT`` changes), so
``override_settings(TOOLKIT={..., "MEDIA": {...}})`` works in tests. ``ALLOWED_TYPES`` and
``SIGNED_URLS`` are merged one level deeper: ``{"SIGNED_URLS": {"enabled": True}}`` keeps the
default ``expires``, and a per-field ``ALLOWED_TYPES`` entry keeps ``default_file``/``default_image``.
"""

from __future__ import annotations

from typing import Any

from toolkit.conf import DEFAULTS, get_config

#: Keys whose dict values are merged over the default dict instead of replacing it.
NESTED = ("ALLOWED_TYPES", "SIGNED_URLS")


def media_config() -> dict[str, Any]:
    defaults: dict[str, Any] = DEFAULTS["MEDIA"]
    user = get_config().get("MEDIA") or {}
    merged = {**defaults, **user}
    for key in NESTED:
        if isinstance(user.get(key), dict):
            merged[key] = {**defaults[key], **user[key]}
    return merged


def allowed_types(field_key: str | None, *, image: bool) -> list[str]:
    """The MIME types a field accepts: its ``"app_label.Model.field"`` entry, else the default
    for images (ImageField) or files (FileField and the generic ``uploadFiles``)."""
    types = media_config()["ALLOWED_TYPES"]
    if field_key:
        for key, value in types.items():
            if key.lower() == field_key.lower():
                return list(value)
    return list(types["default_image" if image else "default_file"])
