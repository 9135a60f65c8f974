"""``TOOLKIT["DASHBOARD"]`` merged over its defaults (documented in ``toolkit/conf.py``).

Read at call time through :func:`toolkit.conf.get_config` (cached until ``TOOLKIT`` changes), so
``override_settings`` works; ``METRICS`` and ``THRESHOLDS`` are merged key by key as well.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from toolkit.conf import DEFAULTS, get_config

NESTED = ("METRICS", "THRESHOLDS")
#: ``(toolkit config object, merged dashboard config)``: get_config() returns the same object
#: until the settings change, so the merge runs once per change (the metrics read it per operation).
_memo: tuple[Any, dict[str, Any]] | None = None


def dashboard_config() -> dict[str, Any]:
    global _memo
    config = get_config()
    if _memo is not None and _memo[0] is config:
        return _memo[1]
    merged = _merge(config)
    _memo = (config, merged)
    return merged


def _merge(config: Any) -> dict[str, Any]:
    defaults: dict[str, Any] = DEFAULTS["DASHBOARD"]
    given = config.get("DASHBOARD") or {}
    if not isinstance(given, dict):
        given = {}  # reported by the system check dashboard.E001
    merged = {**defaults, **given}
    for key in NESTED:
        value = given.get(key)
        merged[key] = {**defaults[key], **value} if isinstance(value, dict) else dict(defaults[key])
    return merged


def metrics_config() -> dict[str, Any]:
    return dashboard_config()["METRICS"]


def redis_url() -> str:
    """The Redis the metrics use: ``METRICS["redis_url"]``, else ``settings.REDIS_URL``."""
    return metrics_config()["redis_url"] or getattr(settings, "REDIS_URL", None) or ""


def backend_name() -> str:
    """``"redis"`` or ``"database"`` (``"auto"``: Redis when a Redis URL is configured)."""
    backend = metrics_config()["backend"]
    if backend == "auto":
        return "redis" if redis_url() else "database"
    return backend


def flush_seconds() -> float:
    value = metrics_config()["flush_seconds"]
    if value is None:
        return 0.0 if backend_name() == "redis" else 10.0
    return float(value)
