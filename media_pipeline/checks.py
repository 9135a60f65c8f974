"""System checks for the media pipeline (ids ``media_pipeline.E0xx``; docs/media.md).

``check_media_settings`` runs everywhere (registered in ``AppConfig.ready``);
``check_scanner_for_production`` is registered by ``settings.prod`` only: production refuses the
built-in test scanner.
"""

from __future__ import annotations

from typing import Any

from django.core import checks

# Imported by settings.prod: only light imports at module level.


def check_scanner_for_production(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from toolkit.conf import get_config

    if get_config()["CLAMD_URL"]:
        return []
    return [
        checks.Error(
            'TOOLKIT["CLAMD_URL"] is not set: uploads would be scanned by the built-in test scanner, '
            "which only detects the EICAR test file.",
            hint="Run clamd (Debian: clamav-daemon) and set CLAMD_URL=tcp://host:3310 or "
            "unix:///run/clamav/clamd.ctl in the environment.",
            id="media_pipeline.E001",
        )
    ]


def _error(msg: str, hint: str, id: str) -> checks.Error:
    return checks.Error(msg, hint=hint, id=id)


def check_media_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from django.conf import settings
    from django.utils.module_loading import import_string

    from media_pipeline.conf import media_config
    from toolkit.conf import get_config

    config, errors = media_config(), []
    where = 'TOOLKIT["MEDIA"]'
    unknown = sorted(set(get_config().get("MEDIA") or {}) - set(config_keys()))
    if unknown:
        errors.append(
            _error(f"{where} has unknown key(s): {', '.join(unknown)}.",
                   "Valid keys: " + ", ".join(config_keys()) + ".", "media_pipeline.E002")
        )  # fmt: skip
    for key in (
        "MAX_FILE_SIZE",
        "MAX_FILES",
        "MAX_TOTAL_SIZE",
        "MAX_FILENAME_LENGTH",
        "MAX_IMAGE_PIXELS",
        "JOB_TIMEOUT",
        "REQUEUE_PENDING_AFTER",
    ):
        value = config[key]
        if not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
            errors.append(
                _error(
                    f'{where}["{key}"] must be a positive integer, got {value!r}.', "", "media_pipeline.E003"
                )
            )
    if not (isinstance(config["SCAN_TIMEOUT"], (int, float)) and config["SCAN_TIMEOUT"] > 0):
        errors.append(
            _error(
                f'{where}["SCAN_TIMEOUT"] must be a positive number of seconds.', "", "media_pipeline.E003"
            )
        )
    for key in ("SCAN_RETRY_INTERVALS", "JOB_RETRY_INTERVALS"):
        value = config[key]
        if not (isinstance(value, list) and all(isinstance(v, int) and v >= 0 for v in value)):
            errors.append(_error(f'{where}["{key}"] must be a list of seconds (integers >= 0), got {value!r}.',
                                 "For example [10, 60, 300, 1800].", "media_pipeline.E003"))  # fmt: skip
    errors += _allowed_types_errors(config["ALLOWED_TYPES"], where)
    errors += _thumbnail_errors(config, where)
    if config["QUARANTINE_STORAGE"] not in settings.STORAGES:
        errors.append(
            _error(f'{where}["QUARANTINE_STORAGE"] names the storage {config["QUARANTINE_STORAGE"]!r}, '
                   "which is not in STORAGES.",
                   'Add it to STORAGES (e.g. "media_pipeline.storage.QuarantineStorage" with a '
                   "location outside MEDIA_ROOT).", "media_pipeline.E004")
        )  # fmt: skip
    for key in ("URL_BUILDER", "PURGE_BACKEND"):
        entry = config[key]
        path = entry[0] if isinstance(entry, (list, tuple)) and entry else entry
        try:
            import_string(path)
        except (ImportError, TypeError, ValueError) as exc:
            errors.append(
                _error(
                    f'{where}["{key}"] cannot be imported: {exc}.',
                    "Give a dotted path to a class.",
                    "media_pipeline.E005",
                )
            )
    signed = config["SIGNED_URLS"]
    if not (isinstance(signed, dict) and isinstance(signed.get("expires"), int) and signed["expires"] > 0):
        errors.append(
            _error(
                f'{where}["SIGNED_URLS"] must be {{"enabled": bool, "expires": seconds > 0}}.',
                "",
                "media_pipeline.E003",
            )
        )
    cdn = config["CDN_URL"]
    if cdn and not (isinstance(cdn, str) and cdn.startswith(("https://", "http://", "//"))):
        errors.append(_error(f'{where}["CDN_URL"] must be an http(s) URL, got {cdn!r}.',
                             "For example https://cdn.example.com/media.", "media_pipeline.E003"))  # fmt: skip
    return errors


def config_keys() -> list[str]:
    from toolkit.conf import DEFAULTS

    return sorted(DEFAULTS["MEDIA"])


def _allowed_types_errors(types: Any, where: str) -> list[checks.CheckMessage]:
    from django.apps import apps
    from django.db import models

    if not isinstance(types, dict):
        return [_error(f'{where}["ALLOWED_TYPES"] must be a dict.', "", "media_pipeline.E006")]
    errors = []
    for key, value in types.items():
        if not (isinstance(value, list) and all(isinstance(v, str) and "/" in v for v in value)):
            errors.append(
                _error(
                    f'{where}["ALLOWED_TYPES"]["{key}"] must be a list of MIME types.',
                    "",
                    "media_pipeline.E006",
                )
            )
        if key in ("default_file", "default_image"):
            continue
        label, _, field_name = key.rpartition(".")
        try:
            field = apps.get_model(label)._meta.get_field(field_name)
        except (LookupError, ValueError):
            field = None
        if not isinstance(field, models.FileField):
            errors.append(
                _error(f'{where}["ALLOWED_TYPES"] has the key {key!r}, which is not a File/Image field.',
                       'Keys are "default_file", "default_image" or "app_label.Model.field".', "media_pipeline.E006")
            )  # fmt: skip
    return errors


def _thumbnail_errors(config: dict[str, Any], where: str) -> list[checks.CheckMessage]:
    from PIL import features

    errors = []
    sizes = config["THUMBNAIL_SIZES"]
    valid = isinstance(sizes, dict) and all(
        isinstance(box, (list, tuple)) and len(box) == 2 and all(isinstance(n, int) and n > 0 for n in box)
        for box in sizes.values()
    )
    if not valid:
        errors.append(_error(f'{where}["THUMBNAIL_SIZES"] must map names to [width, height] (positive integers).',
                             'For example {"small": [160, 160]}.', "media_pipeline.E007"))  # fmt: skip
    image_format = str(config["THUMBNAIL_FORMAT"]).upper()
    codec = {"WEBP": "webp", "AVIF": "avif"}.get(image_format)
    if image_format not in ("WEBP", "JPEG", "PNG", "AVIF") or (codec and not features.check(codec)):
        errors.append(_error(f'{where}["THUMBNAIL_FORMAT"] {config["THUMBNAIL_FORMAT"]!r} is not available in this Pillow.',
                             "Use WEBP, JPEG, PNG or AVIF.", "media_pipeline.E007"))  # fmt: skip
    quality = config["THUMBNAIL_QUALITY"]
    if not (isinstance(quality, int) and 1 <= quality <= 100):
        errors.append(
            _error(
                f'{where}["THUMBNAIL_QUALITY"] must be an integer from 1 to 100.', "", "media_pipeline.E007"
            )
        )
    return errors
