"""Files set outside the upload path (Django admin, the demo seeder, a shell) enter the pipeline.

For the File/Image fields of exposed models:

- ``post_init`` notes the names a row was loaded with (no query);
- ``post_save`` registers a name that has no ``MediaFile`` yet (type from the magic bytes, never
  rejected: the file is already stored) and enqueues its scan on commit; a name that replaced
  another releases the old file on commit (``uploads.release``: kept while still in use);
- ``post_delete`` releases the row's files on commit.

``bulk_create``/``QuerySet.update`` send no signals: run ``manage.py media_rescan --all`` after
such writes to register and scan their files.
"""

from __future__ import annotations

import logging
import posixpath
from functools import cache, lru_cache
from typing import Any

from django.apps import apps
from django.core.exceptions import SuspiciousFileOperation
from django.db import models
from django.db.models.signals import post_delete, post_init, post_save

from toolkit.conf import config_fingerprint

logger = logging.getLogger("media_pipeline")

#: Names the row had when loaded (``{attname: name}``), kept in the instance's ``__dict__``.
LOADED_ATTR = "_media_pipeline_loaded"
#: Names ``store_upload`` already recorded for this instance.
REGISTERED_ATTR = "_media_pipeline_registered"


@cache
def file_fields(model: type[models.Model]) -> tuple[models.FileField, ...]:
    return tuple(f for f in model._meta.concrete_fields if isinstance(f, models.FileField))


@lru_cache(maxsize=4)
def _exposed(fingerprint: str) -> frozenset[type[models.Model]]:
    from toolkit.registry import build_registry

    return frozenset(build_registry().specs)


def is_tracked(model: type[models.Model]) -> bool:
    """An exposed model (or the concrete model of an exposed proxy) with File/Image fields."""
    if model._meta.app_label == "media_pipeline" or not file_fields(model):
        return False
    exposed = _exposed(config_fingerprint())
    return model in exposed or model._meta.concrete_model in exposed


def _name(value: Any) -> str:
    if value is None:
        return ""
    return str(getattr(value, "name", value) or "")


def mark_registered(instance: models.Model, name: str) -> None:
    instance.__dict__.setdefault(REGISTERED_ATTR, set()).add(name)


@cache
def _attnames(model: type[models.Model]) -> tuple[str, ...]:
    return tuple(f.attname for f in file_fields(model))


def on_init(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    # Runs for every loaded row of these models: keep the raw values, normalise in on_save.
    values = instance.__dict__
    values[LOADED_ATTR] = {name: values[name] for name in _attnames(sender) if name in values}


def on_save(
    sender: type[models.Model],
    instance: models.Model,
    created: bool,
    update_fields: Any = None,
    raw: bool = False,
    **kwargs: Any,
) -> None:
    if raw or not is_tracked(sender):
        return
    from media_pipeline.uploads import release

    loaded = instance.__dict__.setdefault(LOADED_ATTR, {})
    registered = instance.__dict__.get(REGISTERED_ATTR, set())
    for field in file_fields(sender):
        if update_fields is not None and field.name not in update_fields:
            continue
        if field.attname not in instance.__dict__:
            continue  # deferred and never set
        current = _name(instance.__dict__[field.attname])
        old = "" if created else (_name(loaded[field.attname]) if field.attname in loaded else None)
        if current and current != old and current not in registered:
            ensure_registered(instance, field, current)
        if old and old != current:
            release(old, model_field=field)
        loaded[field.attname] = current


#: The toolkit's bulk mutations may keep their fast path (``bulk_create``/``bulk_update``, no
#: signals): it only writes rows whose files do not change, which leaves these handlers nothing to do.
on_save.bulk_safe = True  # type: ignore[attr-defined]


def on_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if not is_tracked(sender):
        return
    from media_pipeline.uploads import release

    for field in file_fields(sender):
        name = _name(instance.__dict__.get(field.attname))
        if name:
            release(name, model_field=field)


def ensure_registered(instance: models.Model, field: models.FileField, name: str) -> Any:
    """The ``MediaFile`` of a name set outside the upload path: linked if it exists, else created
    as ``pending`` (type from the content) with its scan enqueued on commit. None when the
    storage has no such file."""
    from media_pipeline.jobs import enqueue_scan
    from media_pipeline.models import MediaFile
    from media_pipeline.validators import inspect

    existing = MediaFile.objects.filter(file=name).order_by("-created_at").first()
    if existing is not None:
        if not existing.object_id and instance.pk is not None:
            existing.model_label = instance._meta.label_lower
            existing.field_name = field.name
            existing.object_id = str(instance.pk)
            existing.save(update_fields=["model_label", "field_name", "object_id", "updated_at"])
        return existing
    try:
        handle = field.storage.open(name, "rb")
    except (OSError, SuspiciousFileOperation) as exc:
        logger.warning(
            "media: %s.%s=%r is not in the storage (%s)", instance._meta.label, field.name, name, exc
        )
        return None
    with handle:
        info = inspect(handle, posixpath.basename(name))
    media = MediaFile.objects.create(
        file=name,
        original_name=info.name[:255],
        content_type=info.content_type,
        size=info.size,
        sha256=info.sha256,
        width=info.width,
        height=info.height,
        model_label=instance._meta.label_lower,
        object_id="" if instance.pk is None else str(instance.pk),
        field_name=field.name,
    )
    enqueue_scan(media)
    return media


def connect() -> None:
    """Connect the handlers to every installed model with File/Image fields (exposure is checked
    when a signal arrives, so ``override_settings(TOOLKIT=...)`` is honoured)."""
    for model in apps.get_models():
        if model._meta.app_label == "media_pipeline" or not file_fields(model):
            continue
        uid = f"media_pipeline:{model._meta.label}"
        post_init.connect(on_init, sender=model, dispatch_uid=uid, weak=False)
        post_save.connect(on_save, sender=model, dispatch_uid=uid, weak=False)
        post_delete.connect(on_delete, sender=model, dispatch_uid=uid, weak=False)
