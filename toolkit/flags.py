"""Feature flags: switched in the database (Django admin), read through the cache, defaults per
environment in settings — a change applies to every process at once, without a restart.

Known flags (:data:`FLAGS`):

========================  ==================================================  ======================================
flag                      what it switches                                    default (without a database row)
========================  ==================================================  ======================================
``introspection``         ``__schema``/``__type`` queries are answered          ``TOOLKIT["INTROSPECTION"]``
``bulk_mutations``        ``bulkCreate*``/``bulkUpdate*``/``bulkDelete*`` run   on
``uploads``               file uploads; per model with a scope (``demo.Book``)  on
``result_caching``        read results are cached (``toolkit.caching``)         ``TOOLKIT["RESULT_CACHE"]["enabled"]``
========================  ==================================================  ======================================

``TOOLKIT["FEATURE_FLAGS"]`` overrides those defaults per environment: ``{"bulk_mutations":
False, "uploads:demo.Book": False}`` (``name`` or ``name:scope``). A :class:`~toolkit.models.FeatureFlag`
row overrides both; for a scoped check (``is_enabled("uploads", scope="demo.Book")``) the row
for that scope wins over the row without one.

Each process keeps the rows in memory (one small query when it first needs them) and reads them
again when the flags' *generation* in Django's cache (``toolkit:feature-flags:generation``) has
moved: saving or deleting a row bumps it (at once and again on commit), and processes look at it
at most once a second. With the Redis cache every process applies a change within a second; with
the local-memory cache only the process that made it does (use Redis wherever more than one
process serves). A cache that is down or was cleared keeps each process on the rows it has.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core import checks
from django.core.cache import cache
from django.db import transaction

from toolkit.conf import get_config
from toolkit.exceptions import FeatureDisabled

logger = logging.getLogger("toolkit.flags")

#: Django cache key of the flags' generation, bumped whenever a row is saved or deleted.
GENERATION_KEY = "toolkit:feature-flags:generation"


@dataclass(frozen=True)
class Flag:
    name: str
    description: str
    default: Callable[[dict[str, Any]], bool]
    #: The flag may be set per model (``scope="app_label.Model"``).
    scoped: bool = False


FLAGS: dict[str, Flag] = {
    flag.name: flag
    for flag in (
        Flag(
            "introspection",
            "Answer introspection queries (__schema, __type); __typename always works.",
            lambda config: bool(config["INTROSPECTION"]),
        ),
        Flag("bulk_mutations", "Run bulkCreate/bulkUpdate/bulkDelete mutations.", lambda config: True),
        Flag(
            "uploads",
            "Accept file uploads; set per model with a scope such as demo.Book.",
            lambda config: True,
            scoped=True,
        ),
        Flag(
            "result_caching",
            "Cache the results of read operations (toolkit.caching).",
            lambda config: bool((config["RESULT_CACHE"] or {}).get("enabled")),
        ),
    )
}


def _flag(name: str) -> Flag:
    try:
        return FLAGS[name]
    except KeyError:
        raise ValueError(f"Unknown feature flag {name!r}; known: {', '.join(sorted(FLAGS))}.") from None


#: Seconds between two looks at the flags' generation in the shared cache (per process).
CHECK_SECONDS = 1.0

_lock = threading.Lock()
_memo: dict[str, Any] = {"rows": None, "generation": None, "checked_at": None}


def _generation() -> int | None:
    """The flags' generation in Django's cache (None: unknown — evicted, or the cache is down)."""
    try:
        value = cache.get(GENERATION_KEY)
    except Exception:
        logger.warning("cannot read the feature flags' generation from the cache", exc_info=True)
        return None
    return None if value is None else int(value)


def rows() -> dict[str, bool]:
    """``{"name" or "name:scope": enabled}`` of the database rows.

    Kept per process and read again from the database only when the generation in the shared
    cache moved (a row was saved or deleted somewhere), looked at most every ``CHECK_SECONDS``."""
    now = time.monotonic()
    with _lock:
        loaded, checked_at = _memo["rows"], _memo["checked_at"]
        if loaded is not None and checked_at is not None and now - checked_at < CHECK_SECONDS:
            return loaded
    generation = _generation()
    with _lock:
        _memo["checked_at"] = now
        if _memo["rows"] is not None and (generation is None or generation == _memo["generation"]):
            return _memo["rows"]
    from toolkit.models import FeatureFlag

    try:
        values = FeatureFlag.objects.values_list("name", "scope", "enabled")
        loaded = {_key(name, scope): enabled for name, scope, enabled in values}
    except Exception:  # not migrated yet, or the database is down: the defaults apply
        logger.warning("cannot read feature flags from the database; using the defaults", exc_info=True)
        return {}
    with _lock:
        _memo.update(rows=loaded, generation=generation)
    return loaded


def reset() -> None:
    """Forget the rows kept by this process (the next read goes to the database)."""
    with _lock:
        _memo.update(rows=None, generation=None, checked_at=None)


def _key(name: str, scope: str = "") -> str:
    return f"{name}:{scope}" if scope else name


def default(name: str, scope: str = "") -> bool:
    """The value without a database row: ``TOOLKIT["FEATURE_FLAGS"]``, else the built-in default."""
    flag = _flag(name)
    config = get_config()
    configured = config.get("FEATURE_FLAGS") or {}
    for key in (_key(name, scope), name) if scope else (name,):
        if key in configured:
            return bool(configured[key])
    return flag.default(config)


def is_enabled(name: str, scope: str = "") -> bool:
    """Whether flag ``name`` is on (for ``scope``, e.g. ``"demo.Book"``, when the flag is scoped)."""
    flag = _flag(name)
    scope = scope if flag.scoped else ""
    stored = rows()
    for key in (_key(name, scope), name) if scope else (name,):
        if key in stored:
            return bool(stored[key])
    return default(name, scope)


def require(name: str, scope: str = "") -> None:
    """Raise :class:`~toolkit.exceptions.FeatureDisabled` (``FEATURE_DISABLED``) when ``name`` is off."""
    if not is_enabled(name, scope):
        suffix = f" for {scope}" if scope else ""
        raise FeatureDisabled(f"This is switched off (feature flag {name!r}{suffix}).", flag=name)


def uploads_enabled(model: Any) -> bool:
    """The ``uploads`` flag for a model class or ``"app_label.Model"`` label (for the media pipeline)."""
    label = model if isinstance(model, str) else model._meta.label
    return is_enabled("uploads", scope=label)


def state() -> list[dict[str, Any]]:
    """Every known flag with its default and effective value (the admin and the docs show it)."""
    return [
        {
            "name": flag.name,
            "description": flag.description,
            "scoped": flag.scoped,
            "default": default(flag.name),
            "enabled": is_enabled(flag.name),
        }
        for flag in FLAGS.values()
    ]


def invalidate() -> None:
    """Make every process read the rows again: now, and once the current transaction commits."""

    def bump() -> None:
        reset()
        try:
            cache.add(GENERATION_KEY, 0, timeout=None)
            cache.incr(GENERATION_KEY)
        except ValueError:  # evicted between add and incr
            cache.set(GENERATION_KEY, 1, timeout=None)
        except Exception:
            logger.warning("cannot bump the feature flags' generation", exc_info=True)

    bump()
    transaction.on_commit(bump)


def _on_change(sender: Any, **kwargs: Any) -> None:
    invalidate()


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    from toolkit.models import FeatureFlag

    post_save.connect(_on_change, sender=FeatureFlag, dispatch_uid="toolkit.flags.saved")
    post_delete.connect(_on_change, sender=FeatureFlag, dispatch_uid="toolkit.flags.deleted")


def check_flags(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``toolkit.E060``: ``TOOLKIT["FEATURE_FLAGS"]`` names an unknown flag or a non-boolean value."""
    configured = get_config().get("FEATURE_FLAGS")
    if configured is None:
        return []
    if not isinstance(configured, dict):
        return [
            checks.Error(
                'TOOLKIT["FEATURE_FLAGS"] must be a dict of flag names to booleans.',
                hint='For example {"bulk_mutations": False, "uploads:demo.Book": False}.',
                id="toolkit.E060",
            )
        ]
    errors = []
    for key, value in configured.items():
        name, _, scope = str(key).partition(":")
        if name not in FLAGS:
            errors.append(
                checks.Error(
                    f'TOOLKIT["FEATURE_FLAGS"] names an unknown flag {key!r}.',
                    hint=f"Known flags: {', '.join(sorted(FLAGS))}.",
                    id="toolkit.E060",
                )
            )
        elif scope and not FLAGS[name].scoped:
            errors.append(
                checks.Error(
                    f'TOOLKIT["FEATURE_FLAGS"] gives flag {name!r} a scope, but it is not set per model.',
                    hint="Only these flags take a scope: "
                    + ", ".join(sorted(f.name for f in FLAGS.values() if f.scoped))
                    + ".",
                    id="toolkit.E060",
                )
            )
        elif not isinstance(value, bool):
            errors.append(
                checks.Error(
                    f'TOOLKIT["FEATURE_FLAGS"][{key!r}] must be True or False, got {value!r}.',
                    id="toolkit.E060",
                )
            )
    return errors
