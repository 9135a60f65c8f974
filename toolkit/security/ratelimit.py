"""Rate limits in Django's cache (Redis when ``REDIS_URL`` is set), shared by every process.

Login attempts are limited per username and per client IP; failures count, a success resets
the username's counter. Over a limit, ``RateLimited`` carries the seconds to wait.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from django.core.cache import cache

from toolkit.conf import get_config
from toolkit.exceptions import ToolkitError


class RateLimited(ToolkitError):
    code = "RATE_LIMITED"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, extensions={"retryAfter": retry_after})
        self.retry_after = retry_after


def client_ip(request: Any) -> str:
    """The client address; ``X-Forwarded-For`` is trusted only from ``TRUSTED_PROXIES``."""
    remote = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") if request is not None else ""
    if forwarded and remote in get_config()["TRUSTED_PROXIES"]:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        for hop in reversed(hops):  # the nearest hop that is not one of our proxies
            if hop not in get_config()["TRUSTED_PROXIES"]:
                return hop
    return remote or "unknown"


def _key(kind: str, value: str, window: int) -> tuple[str, int]:
    bucket = int(time.time() // window)
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    return f"toolkit:rl:{kind}:{digest}:{bucket}", window - int(time.time() % window)


def _count(kind: str, value: str, window: int, amount: int = 1) -> tuple[int, int]:
    """Add ``amount`` to a fixed-window counter; returns (new total, seconds left in the window)."""
    key, left = _key(kind, value, window)
    cache.add(key, 0, timeout=window + 1)
    try:
        return cache.incr(key, amount), left
    except ValueError:  # expired between add and incr
        cache.set(key, amount, timeout=window + 1)
        return amount, left


def _peek(kind: str, value: str, window: int) -> tuple[int, int]:
    key, left = _key(kind, value, window)
    return int(cache.get(key) or 0), left


def check_login(request: Any, username: str) -> None:
    """Raise RateLimited when this username or IP failed too often recently."""
    limits = get_config()["LOGIN_RATE_LIMIT"]
    window = limits["window_seconds"]
    for kind, value, limit in (
        ("login-user", username.lower(), limits["per_username"]),
        ("login-ip", client_ip(request), limits["per_ip"]),
    ):
        failures, left = _peek(kind, value, window)
        if failures >= limit:
            raise RateLimited(f"Too many failed logins; try again in {left} seconds.", left)


def record_login_failure(request: Any, username: str) -> None:
    window = get_config()["LOGIN_RATE_LIMIT"]["window_seconds"]
    _count("login-user", username.lower(), window)
    _count("login-ip", client_ip(request), window)


def reset_login(username: str) -> None:
    window = get_config()["LOGIN_RATE_LIMIT"]["window_seconds"]
    cache.delete(_key("login-user", username.lower(), window)[0])


def check_request(request: Any, cost: int) -> None:
    """Count one request (and its cost) for the caller; raise RateLimited over the limits."""
    return None
