"""Rate limits in Django's cache (Redis when ``REDIS_URL`` is set), shared by every process.

Two families of limits, both counted with a *sliding window counter* (two fixed-window counters
per limit, the previous one weighted by how much of it still overlaps the sliding window):

- ``check_request(request, cost)``: every GraphQL operation counts one request and its query cost
  (``toolkit.security.limits.operation_cost``), per user for authenticated callers
  (``RATE_LIMITS["authenticated"]``), per client IP for anonymous ones (``["anonymous"]``), and per
  client IP for everyone (``["ip"]``, a ceiling for one address however many accounts it uses);
- ``check_login`` / ``record_login_failure`` / ``reset_login``: failed logins per username and per
  client IP (``LOGIN_RATE_LIMIT``); a success resets the username's counter.

Counting is atomic: on Redis one ``MULTI``/``EXEC`` transaction increments every counter of a
request and reads the previous windows; the request is allowed only if every new total is within
its limit, otherwise the increments are taken back (refused requests do not use up the quota) and
``RateLimited`` carries the seconds to wait. Concurrent requests therefore never get more than the
limit through, in one process or many. Other cache backends use ``add``/``incr``, which is atomic
in memcached and within one process for the local-memory cache (per process, not shared).

The client IP comes from ``REMOTE_ADDR``; ``X-Forwarded-For`` is used only when the request
comes from one of ``TRUSTED_PROXIES`` (addresses or networks), and then the nearest address that
is not a trusted proxy is the client. IPv6 clients are counted per /64 network.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.core.cache import caches

from toolkit.conf import DEFAULTS, get_config
from toolkit.exceptions import ToolkitError
from toolkit.security import audit
from toolkit.security.context import current_user

logger = logging.getLogger("toolkit.ratelimit")

#: The clock (seconds since the epoch); tests replace it to pin the window.
now = time.time

REQUEST_SCOPES = ("anonymous", "authenticated", "ip")
MEASURES = ("requests", "cost")


class RateLimited(ToolkitError):
    code = "RATE_LIMITED"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, extensions={"retryAfter": retry_after})
        self.retry_after = retry_after


# -- the client address ------------------------------------------------------------------------


def _parse_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("["):  # "[2001:db8::1]:443"
        value = value[1 : value.find("]")] if "]" in value else value[1:]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Any, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:  # reported by the system checks (toolkit.E042)
            continue
    return tuple(networks)


def is_trusted_proxy(address: Any) -> bool:
    """Is ``address`` (a string or an ip_address) one of ``TRUSTED_PROXIES``?"""
    ip = _parse_ip(address) if isinstance(address, str) else address
    if ip is None:
        return False
    networks = _networks(tuple(get_config()["TRUSTED_PROXIES"] or ()))
    return any(ip.version == net.version and ip in net for net in networks)


def client_ip(request: Any) -> str:
    """The client address; ``X-Forwarded-For`` is trusted only from ``TRUSTED_PROXIES``.

    Behind trusted proxies the header is read from the right (each proxy appends the address it
    received the request from) and the first address that is not a trusted proxy is the client;
    anything to its left was written by the client and is ignored.
    """
    meta = getattr(request, "META", None) or {}
    remote = _parse_ip(meta.get("REMOTE_ADDR", "") or "")
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "") or ""
    if remote is not None and forwarded and is_trusted_proxy(remote):
        hops = [hop for hop in forwarded.split(",") if hop.strip()]
        client = None
        for hop in reversed(hops):
            ip = _parse_ip(hop)
            if ip is None:  # garbage where a proxy's entry should be: stop trusting the header
                break
            client = ip
            if not is_trusted_proxy(ip):
                break
        if client is not None:
            return str(client)
    return str(remote) if remote is not None else "unknown"


def ip_identity(ip: str) -> str:
    """The address a limit counts: IPv6 clients per /64 (one subscriber's usual allocation)."""
    address = _parse_ip(ip)
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address) if address is not None else ip


# -- counters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counter:
    """One limit for one caller: ``limit`` units of ``measure`` per ``window`` seconds."""

    scope: str  # anonymous, authenticated, ip, login-user, login-ip
    measure: str  # requests, cost, failures
    identity: str  # user id, client address or username (hashed in the cache key)
    limit: int
    window: int
    amount: int = 1

    def key(self, bucket: int) -> str:
        digest = hashlib.sha256(self.identity.encode()).hexdigest()[:32]
        return f"toolkit:rl:{self.scope}:{self.measure}:{self.window}:{digest}:{bucket}"


@dataclass
class Reading:
    """A counter's state right after this request was (or would be) counted."""

    counter: Counter
    current: int  # this window's total, this request included
    previous: int  # the previous window's total
    elapsed: float  # seconds into this window

    @property
    def estimate(self) -> float:
        """The sliding-window total: the previous window weighted by its remaining overlap."""
        window = self.counter.window
        return self.previous * (window - self.elapsed) / window + self.current

    @property
    def over(self) -> bool:
        return self.estimate > self.counter.limit

    def retry_after(self) -> int:
        """Seconds until this request would fit, if the caller sends nothing meanwhile."""
        c, window = self.counter, self.counter.window
        before = self.current - c.amount  # this window's total without this request
        if c.amount > c.limit:
            return window  # never fits; waiting a window is the honest answer
        if before + c.amount <= c.limit:
            # This window alone fits: wait until enough of the previous one has slid out,
            # previous * (window - t) / window <= limit - before - amount.
            room = c.limit - before - c.amount
            wait = window * (self.previous - room) / max(self.previous, 1) - self.elapsed
        else:
            # Wait for the next window, then until enough of this one has slid out.
            room = c.limit - c.amount
            wait = (window - self.elapsed) + window * (before - room) / max(before, 1)
        return max(1, min(2 * window, math.ceil(wait - 1e-9)))


def _cache() -> Any:
    config = get_config()
    return caches[config.get("RATE_LIMIT_CACHE") or DEFAULTS["RATE_LIMIT_CACHE"]]


def _redis(cache: Any) -> Any:
    """The raw redis-py client behind Django's Redis cache (None for other backends)."""
    from django.core.cache.backends.redis import RedisCache

    if isinstance(cache, RedisCache):
        return cache._cache.get_client(None, write=True)  # writes go to the primary
    return None


def _keys(counter: Counter, at: float) -> tuple[str, str, float]:
    bucket = int(at // counter.window)
    return counter.key(bucket), counter.key(bucket - 1), at - bucket * counter.window


def _hit(counters: list[Counter], at: float) -> list[Reading]:
    """Add every counter's amount atomically; the readings include this request."""
    cache = _cache()
    client = _redis(cache)
    readings = []
    if client is not None:
        pipe = client.pipeline(transaction=True)
        elapsed = []
        for counter in counters:
            current, previous, seconds = _keys(counter, at)
            current = cache.make_and_validate_key(current)
            pipe.incrby(current, counter.amount)
            pipe.expire(current, 2 * counter.window + 1)
            pipe.get(cache.make_and_validate_key(previous))
            elapsed.append(seconds)
        results = pipe.execute()
        for i, counter in enumerate(counters):
            total, _, previous = results[3 * i : 3 * i + 3]
            readings.append(Reading(counter, int(total), int(previous or 0), elapsed[i]))
        return readings
    for counter in counters:
        current, previous, seconds = _keys(counter, at)
        total = _add(cache, current, counter.amount, 2 * counter.window + 1)
        readings.append(Reading(counter, total, int(cache.get(previous) or 0), seconds))
    return readings


def _add(cache: Any, key: str, amount: int, timeout: int) -> int:
    for _ in range(3):
        if cache.add(key, amount, timeout=timeout):
            return amount
        try:
            return cache.incr(key, amount)
        except ValueError:  # expired between add and incr: add again
            continue
    return amount


def _undo(readings: Iterable[Reading], at: float) -> None:
    """Take back this request's increments (it was refused)."""
    cache = _cache()
    client = _redis(cache)
    keys = [(_keys(r.counter, at)[0], r.counter.amount) for r in readings]
    if client is not None:
        pipe = client.pipeline(transaction=True)
        for key, amount in keys:
            pipe.decrby(cache.make_and_validate_key(key), amount)
        pipe.execute()
        return
    for key, amount in keys:
        with contextlib.suppress(ValueError):  # expired meanwhile: nothing to take back
            cache.decr(key, amount)


def _consume(counters: list[Counter], *, request: Any, user: Any, **details: Any) -> None:
    """Count ``counters``; over any limit, take the counts back and raise RateLimited."""
    if not counters:
        return
    at = now()
    readings = _hit(counters, at)
    over = [r for r in readings if r.over]
    if not over:
        return
    _undo(readings, at)
    retry_after = max(r.retry_after() for r in over)
    worst = over[0].counter
    _note(over, at, retry_after, request=request, user=user, **details)
    what = {"cost": "query cost", "failures": "failed logins"}.get(worst.measure, worst.measure)
    message = (
        f"Rate limit exceeded: more than {worst.limit} {what} per {worst.window} seconds"
        f" ({worst.scope}); try again in {retry_after} seconds."
    )
    raise RateLimited(message, retry_after)


def _note(
    over: list[Reading], at: float, retry_after: int, *, request: Any, user: Any, **details: Any
) -> None:
    """One ``rate_limited`` audit event per caller, limit and window (not one per refusal, so a
    flood of refused requests cannot flood the audit log)."""
    counter = over[0].counter
    marker = _keys(counter, at)[0] + ":noted"
    try:
        first = _cache().add(marker, 1, timeout=counter.window + 1)
    except Exception:  # the cache is down: record anyway
        first = True
    if first:
        audit.record(
            "rate_limited",
            user=user,
            request=request,
            scope=counter.scope,
            measure=counter.measure,
            limit=counter.limit,
            window_seconds=counter.window,
            retry_after=retry_after,
            ok=False,
            **details,
        )


# -- requests ----------------------------------------------------------------------------------


def request_limits() -> dict[str, dict[str, Any] | None]:
    """``RATE_LIMITS`` merged over the defaults, scope by scope (``None`` turns one off)."""
    configured = get_config()["RATE_LIMITS"]
    if configured is None:
        return dict.fromkeys(REQUEST_SCOPES)
    defaults = DEFAULTS["RATE_LIMITS"]
    merged: dict[str, dict[str, Any] | None] = {}
    for scope in REQUEST_SCOPES:
        value = configured.get(scope, defaults[scope])
        merged[scope] = None if value is None else {**defaults[scope], **value}
    return merged


def check_request(request: Any, cost: int) -> None:
    """Count one request (and its cost) for the caller; raise RateLimited over the limits."""
    user = getattr(request, "user", None) or current_user()
    ip = client_ip(request)
    identities = {"ip": ip_identity(ip)}
    if getattr(user, "is_authenticated", False):
        identities["authenticated"] = f"user:{user.pk}"
    else:
        identities["anonymous"] = ip_identity(ip)
    amounts = {"requests": 1, "cost": max(1, int(cost or 1))}
    counters = []
    for scope, limits in request_limits().items():
        if limits is None or scope not in identities:
            continue
        for measure in MEASURES:
            if limits.get(measure) is not None:
                counters.append(
                    Counter(
                        scope,
                        measure,
                        identities[scope],
                        limits[measure],
                        limits["window_seconds"],
                        amounts[measure],
                    )
                )
    try:
        _consume(counters, request=request, user=user, ip=ip, cost=amounts["cost"])
    except RateLimited:
        raise
    except Exception:  # the cache is down: serve the request rather than fail every request
        logger.exception("Rate limits could not be checked; the request was let through.")


# -- logins ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Reservation:
    username: str
    at: float
    counters: tuple[Counter, ...]


#: The attempt counted by check_login, settled by record_login_failure or reset_login.
_reserved: ContextVar[_Reservation | None] = ContextVar("toolkit_login_reservation", default=None)


def _login_counters(request: Any, username: str) -> list[Counter]:
    limits = {**DEFAULTS["LOGIN_RATE_LIMIT"], **(get_config()["LOGIN_RATE_LIMIT"] or {})}
    window = limits["window_seconds"]
    return [
        Counter("login-user", "failures", username.lower(), limits["per_username"], window),
        Counter("login-ip", "failures", ip_identity(client_ip(request)), limits["per_ip"], window),
    ]


def check_login(request: Any, username: str) -> None:
    """Raise RateLimited when this username or IP failed too often recently.

    The attempt is counted now (atomically, so parallel attempts cannot all slip under the
    limit) and taken back from the IP's counter by :func:`reset_login` when it succeeds.
    Unlike request limits, a cache outage refuses logins (fails closed).
    """
    counters = _login_counters(request, username)
    at = now()
    _reserved.set(None)
    try:
        _consume(
            counters, request=request, user=None, ip=client_ip(request), attempted_username=username[:150]
        )
    except RateLimited:
        raise
    except Exception:
        logger.exception("Login limits could not be checked; the login was refused.")
        raise RateLimited("Logging in is unavailable right now; try again shortly.", 30) from None
    _reserved.set(_Reservation(username.lower(), at, tuple(counters)))


def record_login_failure(request: Any, username: str) -> None:
    """Count a failed login (already counted when :func:`check_login` ran for it)."""
    reservation = _reserved.get()
    _reserved.set(None)
    if reservation is not None and reservation.username == username.lower():
        return
    try:
        _hit(_login_counters(request, username), now())
    except Exception:
        logger.exception("A failed login could not be counted.")


def reset_login(username: str) -> None:
    """A successful login: forget the username's failures and take back this attempt's count."""
    reservation = _reserved.get()
    _reserved.set(None)
    try:
        cache = _cache()
        counters = _login_counters(None, username)[:1]
        at = now()
        cache.delete_many([key for c in counters for key in _keys(c, at)[:2]])
        if reservation is not None and reservation.username == username.lower():
            _undo(
                [Reading(c, 0, 0, 0) for c in reservation.counters if c.scope == "login-ip"], reservation.at
            )
    except Exception:
        logger.exception("Login counters could not be reset.")
