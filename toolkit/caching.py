"""Result caching for read operations, invalidated by model signals.

A cached result is keyed by the document, its variables and operation name, and the caller's
scope (anonymous, or the user with their permissions' version), so one user's data is never
served to another. While an operation runs, every model it reads is recorded with the model's
*version* (a counter in Django's cache) as it was before the read; the entry is served again only
while every one of those versions is unchanged. ``post_save``, ``post_delete`` and ``m2m_changed``
bump the versions of the changed models (on commit) — on the ``cache_invalidation`` RQ queue when
``REDIS_URL`` is set, in the process otherwise — which drops exactly the entries that read them.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from toolkit.conf import get_config

logger = logging.getLogger("toolkit.caching")

VERSION_PREFIX = "toolkit:model-version:"
RESULT_PREFIX = "toolkit:result:"
#: Bumped when a user's groups or permissions change: part of every authenticated scope.
PERMISSIONS_LABEL = "auth.permissions"

_reads: ContextVar[dict[str, int] | None] = ContextVar("toolkit_cache_reads", default=None)


def label_of(model: type[models.Model]) -> str:
    return model._meta.concrete_model._meta.label


def labels_for(model: type[models.Model]) -> set[str]:
    """A model's label and those of its multi-table parents (a child's row is a parent's too)."""
    return {label_of(model)} | {label_of(parent) for parent in model._meta.get_parent_list()}


def versions(labels: Iterable[str]) -> dict[str, int]:
    labels = list(labels)
    found = cache.get_many([VERSION_PREFIX + label for label in labels])
    return {label: int(found.get(VERSION_PREFIX + label, 0)) for label in labels}


def bump(labels: Iterable[str]) -> None:
    """Invalidate every cached result that read one of these models (run by the job)."""
    for label in set(labels):
        key = VERSION_PREFIX + label
        cache.add(key, 0, timeout=None)
        try:
            cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=None)


# -- recording what an operation reads ------------------------------------------------------------
def read(model: type[models.Model]) -> None:
    """Note that the running operation reads ``model`` (its version is taken before the read)."""
    reads = _reads.get()
    if reads is None:
        return
    for label in labels_for(model):
        if label not in reads:
            reads[label] = versions([label])[label]


def current_versions(labels: Iterable[str]) -> dict[str, int]:
    """Versions of ``labels`` as the running operation first saw them (else read now)."""
    labels = list(labels)
    reads = _reads.get()
    if reads is not None and all(label in reads for label in labels):
        return {label: reads[label] for label in labels}
    return versions(labels)


@contextmanager
def recording() -> Iterator[dict[str, int]]:
    token = _reads.set({})
    try:
        yield _reads.get()
    finally:
        _reads.reset(token)


# -- the result cache -------------------------------------------------------------------------------
def is_enabled() -> bool:
    """The ``result_caching`` feature flag (``RESULT_CACHE["enabled"]`` unless switched at runtime)."""
    from toolkit import flags

    return flags.is_enabled("result_caching")


def scope_of(user: Any) -> dict[str, Any]:
    if user is None or not getattr(user, "is_authenticated", False):
        return {"user": None}
    return {
        "user": user.pk,
        "staff": bool(user.is_staff),
        "superuser": bool(user.is_superuser),
        "permissions": versions([PERMISSIONS_LABEL])[PERMISSIONS_LABEL],
    }


def result_key(query: str, variables: Any, operation_name: Any, user: Any) -> str:
    payload = json.dumps(
        {"q": query, "v": variables or {}, "o": operation_name, "s": scope_of(user)},
        sort_keys=True,
        default=str,
    )
    return RESULT_PREFIX + hashlib.sha256(payload.encode()).hexdigest()


def get(key: str) -> Any:
    """The cached data for ``key`` if every model it read is unchanged since, else None."""
    entry = cache.get(key)
    if entry is None:
        return None
    if versions(entry["reads"]) != entry["reads"]:
        return None
    return entry["data"]


def put(key: str, data: Any, reads: dict[str, int]) -> None:
    if reads:
        cache.set(key, {"data": data, "reads": reads}, timeout=get_config()["RESULT_CACHE"]["timeout"])


# -- invalidation -----------------------------------------------------------------------------------
def invalidate(*models_or_labels: Any) -> None:
    """Drop the cached results that read these models, after the current transaction commits.

    Signals call it for every save, delete and many-to-many change; call it yourself after writes
    that send no signals (``QuerySet.update()``, raw SQL)."""
    labels: set[str] = set()
    for item in models_or_labels:
        labels |= {item} if isinstance(item, str) else labels_for(item)
    if labels:
        # Run with this moment's context (the request id), even when the commit comes later.
        context = contextvars.copy_context()
        transaction.on_commit(lambda: context.run(dispatch, sorted(labels)))


def dispatch(labels: list[str]) -> None:
    """Run the invalidation on the ``cache_invalidation`` queue when Redis is configured."""
    if getattr(settings, "REDIS_URL", None):
        try:
            import django_rq

            django_rq.get_queue("cache_invalidation").enqueue("toolkit.caching.bump", labels)
            return
        except Exception:  # the queue is down: invalidate here rather than serve stale data
            logger.warning("cannot enqueue cache invalidation; doing it inline", exc_info=True)
    bump(labels)


def _on_save_or_delete(sender: type[models.Model], **kwargs: Any) -> None:
    invalidate(sender)


def _on_m2m(sender: Any, instance: Any, model: Any, **kwargs: Any) -> None:
    if kwargs.get("action", "").startswith("pre_"):
        return
    targets: list[Any] = [sender, type(instance), model]
    if {label_of(type(instance)), label_of(model)} & {"auth.User", "auth.Group", "auth.Permission"}:
        targets.append(PERMISSIONS_LABEL)
    invalidate(*targets)


def receivers() -> set[Any]:
    """The toolkit's own signal receivers (bulk writes invalidate directly instead)."""
    return {_on_save_or_delete, _on_m2m}


def connect_signals() -> None:
    post_save.connect(_on_save_or_delete, dispatch_uid="toolkit.caching.post_save")
    post_delete.connect(_on_save_or_delete, dispatch_uid="toolkit.caching.post_delete")
    m2m_changed.connect(_on_m2m, dispatch_uid="toolkit.caching.m2m_changed")
