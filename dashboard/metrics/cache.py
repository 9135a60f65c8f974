"""Django cache backends that count gets, hits and misses for ``/metrics`` (django-prometheus'
``django_cache_get_*`` counters).

django-prometheus ships such wrappers, but its Redis one needs django-redis and its local-memory
one returns the default for every falsy cached value (``0``, ``""``, ``[]``); these keep Django's
behaviour exactly and only count.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import locmem, redis
from django_prometheus.cache.metrics import (
    django_cache_get_fail_total,
    django_cache_get_total,
    django_cache_hits_total,
    django_cache_misses_total,
)

_MISSING = object()


class CountingMixin:
    metrics_label = "cache"

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        django_cache_get_total.labels(backend=self.metrics_label).inc()
        try:
            value = super().get(key, _MISSING, version)  # type: ignore[misc]
        except Exception:
            django_cache_get_fail_total.labels(backend=self.metrics_label).inc()
            raise
        if value is _MISSING:
            django_cache_misses_total.labels(backend=self.metrics_label).inc()
            return default
        django_cache_hits_total.labels(backend=self.metrics_label).inc()
        return value


class LocMemCache(CountingMixin, locmem.LocMemCache):
    metrics_label = "locmem"


class RedisCache(CountingMixin, redis.RedisCache):
    metrics_label = "redis"
