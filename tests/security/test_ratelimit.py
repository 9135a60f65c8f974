"""Rate limiting (issue 4, point 6) against the real Redis: requests and query cost per user and
per client IP in sliding windows, HTTP 429 with ``Retry-After`` and ``RATE_LIMITED``, shared by
every process, correct under concurrency; login attempts throttled per username and per IP.

Each test points Django's cache at Redis database 3 under a key prefix of its own (removed after
the test), and pins the rate limiter's clock so windows never roll over by accident.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import ANY

import pytest
import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core import checks
from django.test import Client, RequestFactory, override_settings
from graphql import parse
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from demo.models import Tag
from tests.conftest import GraphQLClient
from toolkit.conf import DEFAULTS
from toolkit.models import AuditEvent
from toolkit.schema import get_schema
from toolkit.security import ratelimit
from toolkit.security.limits import operation_cost

ROOT = Path(__file__).resolve().parents[2]
REDIS_PORT = int(os.environ.get("REDIS_PORT", 6379))
REDIS_DB = 3  # this file's and test_audit.py's own Redis database
#: A pinned time: 10 seconds into a window of 60 (and of 300) seconds.
T0 = 1_800_000_000.0 - (1_800_000_000 % 3600) + 10
PASSWORD = "correct-horse-battery-staple"
BOOKS = "{ books(limit: 2) { id } }"
TOKEN_AUTH = """mutation($username: String!, $password: String!) {
  tokenAuth(username: $username, password: $password) { ok access refresh errors { code } }
}"""
CREATE_TAG = 'mutation { createTag(input: {name: "rate-limited", slug: "rate-limited"}) { ok } }'


# -- fixtures and helpers ---------------------------------------------------------------------------


def redis_caches(prefix: str, port: int = REDIS_PORT) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/{REDIS_DB}",
            "KEY_PREFIX": prefix,
        }
    }


@pytest.fixture
def redis_cache():
    """Django's default cache on the real Redis, under a key prefix no other test uses."""
    connection = redis.Redis(port=REDIS_PORT, db=REDIS_DB)
    assert connection.ping(), "Redis is not running (scripts/test.sh starts it)"
    prefix = f"toolkit-test-{uuid.uuid4().hex[:12]}"
    try:
        with override_settings(CACHES=redis_caches(prefix)):
            yield connection, prefix
    finally:
        keys = list(connection.scan_iter(f"{prefix}:*"))
        if keys:
            connection.delete(*keys)
        connection.close()


@pytest.fixture
def clock(monkeypatch):
    """The rate limiter's clock, pinned at :data:`T0`; ``clock.set(T0 + 5)`` moves it."""

    class Clock:
        value = T0

        def set(self, value: float) -> None:
            self.value = value

    pinned = Clock()
    monkeypatch.setattr(ratelimit, "now", lambda: pinned.value)
    return pinned


def toolkit(**options):
    return override_settings(TOOLKIT={**settings.TOOLKIT, **options})


def rate_limits(anonymous=None, authenticated=None, ip=None, **options):
    """Only the scopes given are on; each counts only what it is given (``requests``/``cost``)."""

    def scope(value):
        return None if value is None else {"requests": None, "cost": None, "window_seconds": 60, **value}

    limits = {"anonymous": scope(anonymous), "authenticated": scope(authenticated), "ip": scope(ip)}
    return toolkit(RATE_LIMITS=limits, **options)


def login_limits(per_username=100, per_ip=100, window_seconds=300, **options):
    limit = {"per_username": per_username, "per_ip": per_ip, "window_seconds": window_seconds}
    return toolkit(LOGIN_RATE_LIMIT=limit, **options)


def assert_rate_limited(result, retry_after=None):
    """HTTP 429 with Retry-After and one RATE_LIMITED error carrying the same retryAfter."""
    assert result.status == 429, result.body
    assert result.codes == ["RATE_LIMITED"], result.body
    assert result.body.get("data") is None, result.body
    extensions = result.errors[0]["extensions"]
    assert result.retry_after == str(extensions["retryAfter"])
    if retry_after is not None:
        assert extensions["retryAfter"] == retry_after, result.body


class Http(GraphQLClient):
    """A GraphQL client that also keeps the response headers (``Retry-After``)."""

    def post(self, query, variables=None, **extra):
        payload = {"query": query, **({"variables": variables} if variables is not None else {})}
        response = self.client.post(
            "/graphql/", json.dumps(payload), content_type="application/json", **extra
        )
        result = type("Result", (), {})()
        result.status, result.body = response.status_code, response.json()
        result.errors = result.body.get("errors") or []
        result.codes = [e.get("extensions", {}).get("code") for e in result.errors]
        result.data = result.body.get("data")
        result.retry_after = response.headers.get("Retry-After")
        return result


@pytest.fixture
def anon(db):
    return Http(Client())


def logged_in(user):
    client = Client()
    client.force_login(user)
    return Http(client)


@pytest.fixture
def member(db):
    return get_user_model().objects.create_user("rl-member", "rl-member@example.com", PASSWORD)


def token_auth(http, username="rl-member", password=PASSWORD, **extra):
    return http.post(TOKEN_AUTH, {"username": username, "password": password}, **extra)


def anonymous_request(remote="203.0.113.5", forwarded=None):
    request = RequestFactory().post("/graphql/", REMOTE_ADDR=remote)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    request.user = AnonymousUser()
    return request


def rate_limited_rows():
    return list(AuditEvent.objects.filter(event="rate_limited").order_by("id"))


# -- requests per caller ------------------------------------------------------------------------------


def test_anonymous_requests_over_the_limit__get_429_retry_after_and_rate_limited(anon, redis_cache, clock):
    with rate_limits(anonymous={"requests": 3}):
        for _ in range(3):
            assert anon.post(BOOKS).status == 200
        result = anon.post(BOOKS)
        # 10 s into the window: the 3 requests count fully until its end (50 s), then slide out
        # over the next window; one more fits once a third of them has (20 s later).
        assert_rate_limited(result, retry_after=70)
        assert "3 requests per 60 seconds" in result.errors[0]["message"]
        clock.set(T0 + 69)
        assert_rate_limited(anon.post(BOOKS), retry_after=1)
        clock.set(T0 + 70)
        assert anon.post(BOOKS).status == 200, "refused requests did not use up the quota"


@pytest.mark.parametrize(
    "broken",
    ["{ books { title ", "{ books { nope } }", "{ " + "a: books { title } " * 40 + "}"],
    ids=["unparsable", "invalid", "over a query limit"],
)
def test_refused_documents__count_toward_the_limit(anon, redis_cache, clock, broken):
    with rate_limits(anonymous={"requests": 3}):
        for _ in range(3):
            assert anon.post(broken).status == 400
        assert_rate_limited(anon.post(broken))
        assert_rate_limited(anon.post(BOOKS))  # and the caller's valid requests too
        clock.set(T0 + 70)
        assert anon.post(BOOKS).status == 200


def test_rate_limited_mutation__writes_nothing(admin_user, redis_cache, clock):
    admin = logged_in(admin_user)
    before = Tag.objects.count()
    with rate_limits(authenticated={"requests": 1}):
        assert admin.post(BOOKS).status == 200
        assert_rate_limited(admin.post(CREATE_TAG))
    assert Tag.objects.count() == before
    assert not AuditEvent.objects.filter(event="mutation").exists()


def test_query_cost__is_counted_per_window(anon, redis_cache, clock):
    expensive = "{ publishers(limit: 5) { id books(limit: 5) { id } } }"
    cost = operation_cost(get_schema().graphql_schema, parse(expensive), None, None)
    assert cost > 10
    with rate_limits(anonymous={"cost": 2 * cost + 1}):
        assert anon.post(expensive).status == 200
        assert anon.post(expensive).status == 200
        result = anon.post(expensive)
        assert_rate_limited(result)
        assert f"more than {2 * cost + 1} query cost per 60 seconds" in result.errors[0]["message"]
        assert anon.post("{ __typename }").status == 200, "a cheap query still fits"


def test_a_query_costing_more_than_a_whole_window__is_always_refused(anon, redis_cache, clock):
    with rate_limits(anonymous={"cost": 3}):
        assert_rate_limited(anon.post("{ publishers(limit: 5) { id books(limit: 5) { id } } }"), 60)
        assert anon.post("{ __typename }").status == 200


def test_the_previous_window__still_counts_in_the_sliding_window(anon, redis_cache, clock):
    """A fixed window would allow a burst of 2x the limit across a window boundary."""
    with rate_limits(anonymous={"requests": 10}):
        clock.set(T0 + 40)  # 50 s into the window
        for _ in range(10):
            assert anon.post(BOOKS).status == 200
        clock.set(T0 + 56)  # 6 s (a tenth) into the next window: 9 of the 10 still count
        assert anon.post(BOOKS).status == 200
        assert_rate_limited(anon.post(BOOKS))
        clock.set(T0 + 180)  # two windows later nothing counts
        for _ in range(10):
            assert anon.post(BOOKS).status == 200


def test_authenticated_users__are_counted_per_user_not_per_ip(admin_user, redis_cache, clock):
    other = get_user_model().objects.create_user("rl-other", "o@example.com", PASSWORD)
    first, second = logged_in(admin_user), logged_in(other)
    with rate_limits(authenticated={"requests": 2}, anonymous={"requests": 1}):
        assert [first.post(BOOKS).status for _ in range(3)] == [200, 200, 429]
        assert [second.post(BOOKS).status for _ in range(3)] == [200, 200, 429]
        anonymous = Http(Client())
        assert [anonymous.post(BOOKS).status for _ in range(2)] == [200, 429]


def test_ip_scope__bounds_every_caller_from_one_address(admin_user, anon, redis_cache, clock):
    other = get_user_model().objects.create_user("rl-other", "o@example.com", PASSWORD)
    with rate_limits(authenticated={"requests": 100}, anonymous={"requests": 100}, ip={"requests": 4}):
        assert logged_in(admin_user).post(BOOKS).status == 200
        assert logged_in(other).post(BOOKS).status == 200
        assert anon.post(BOOKS).status == 200
        assert anon.post(BOOKS).status == 200
        assert_rate_limited(logged_in(other).post(BOOKS))
        assert anon.post(BOOKS, REMOTE_ADDR="198.51.100.20").status == 200


def test_anonymous_callers__are_counted_per_client_ip(anon, redis_cache, clock):
    with rate_limits(anonymous={"requests": 1}):
        assert anon.post(BOOKS, REMOTE_ADDR="198.51.100.1").status == 200
        assert anon.post(BOOKS, REMOTE_ADDR="198.51.100.2").status == 200
        assert anon.post(BOOKS, REMOTE_ADDR="198.51.100.1").status == 429


def test_ipv6_clients__are_counted_per_64_network(anon, redis_cache, clock):
    with rate_limits(anonymous={"requests": 1}):
        assert anon.post(BOOKS, REMOTE_ADDR="2001:db8:1:2::1").status == 200
        assert anon.post(BOOKS, REMOTE_ADDR="2001:db8:1:2:ffff::9").status == 429
        assert anon.post(BOOKS, REMOTE_ADDR="2001:db8:1:3::1").status == 200


def test_limits_off__none_scope_and_none_setting(anon, redis_cache, clock):
    with rate_limits(anonymous=None):
        assert all(anon.post(BOOKS).status == 200 for _ in range(3))
    with toolkit(RATE_LIMITS=None):
        assert ratelimit.request_limits() == {"anonymous": None, "authenticated": None, "ip": None}


def test_partial_settings__merge_over_the_defaults_scope_by_scope():
    with toolkit(RATE_LIMITS={"anonymous": {"cost": None}, "ip": None}):
        merged = ratelimit.request_limits()
    defaults = DEFAULTS["RATE_LIMITS"]
    assert merged == {
        "anonymous": {**defaults["anonymous"], "cost": None},
        "authenticated": defaults["authenticated"],
        "ip": None,
    }


def test_default_limits__let_an_interactive_burst_through(anon, redis_cache, clock):
    """200 requests within a second (far more than an interactive client sends) all pass."""
    assert all(anon.post("{ __typename }").status == 200 for _ in range(200))


# -- X-Forwarded-For ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        ([], "203.0.113.5", "1.2.3.4", "203.0.113.5"),  # no trusted proxy: the header is ignored
        (["10.0.0.1"], "203.0.113.5", "1.2.3.4", "203.0.113.5"),  # not from a trusted proxy
        (["10.0.0.1"], "10.0.0.1", "1.2.3.4", "1.2.3.4"),
        (["10.0.0.1"], "10.0.0.1", "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the client wrote 6.6.6.6
        (["10.0.0.0/24"], "10.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.7", "1.2.3.4"),  # two proxies
        (["10.0.0.0/24"], "10.0.0.1", "10.0.0.9, 10.0.0.7", "10.0.0.9"),  # only proxies: the first
        (["10.0.0.1"], "10.0.0.1", "1.2.3.4:5678", "1.2.3.4"),
        (["10.0.0.1"], "10.0.0.1", "[2001:db8::7]:443", "2001:db8::7"),
        (["10.0.0.1"], "10.0.0.1", "1.2.3.4, not-an-ip", "10.0.0.1"),  # garbage from the proxy
        (["::1"], "::1", "2001:db8::5", "2001:db8::5"),
    ],
)
def test_client_ip__trusts_x_forwarded_for_only_from_trusted_proxies(proxies, remote, forwarded, expected):
    with toolkit(TRUSTED_PROXIES=proxies):
        assert ratelimit.client_ip(anonymous_request(remote, forwarded)) == expected


def test_forwarded_clients_behind_a_trusted_proxy__have_their_own_counters(anon, redis_cache, clock):
    with rate_limits(anonymous={"requests": 1}, TRUSTED_PROXIES=["10.0.0.0/8"]):
        via_proxy = {"REMOTE_ADDR": "10.0.0.2"}
        assert anon.post(BOOKS, HTTP_X_FORWARDED_FOR="198.51.100.1", **via_proxy).status == 200
        assert anon.post(BOOKS, HTTP_X_FORWARDED_FOR="198.51.100.2", **via_proxy).status == 200
        assert anon.post(BOOKS, HTTP_X_FORWARDED_FOR="198.51.100.1", **via_proxy).status == 429


def test_a_spoofed_x_forwarded_for__does_not_escape_the_limit(anon, redis_cache, clock):
    with rate_limits(anonymous={"requests": 1}, TRUSTED_PROXIES=["10.0.0.0/8"]):
        assert anon.post(BOOKS, HTTP_X_FORWARDED_FOR="198.51.100.1").status == 200
        assert anon.post(BOOKS, HTTP_X_FORWARDED_FOR="198.51.100.2").status == 429  # from 127.0.0.1
        through = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.3, 198.51.100.9"}
        assert anon.post(BOOKS, **through).status == 200
        through["HTTP_X_FORWARDED_FOR"] = "198.51.100.4, 198.51.100.9"  # only the left part changed
        assert anon.post(BOOKS, **through).status == 429


# -- shared across processes, atomic under concurrency -------------------------------------------------

SUBPROCESS = """
import json, os, sys
import django
django.setup()
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.test.utils import override_settings
from toolkit.security import ratelimit

caches, limits, at, attempts = json.loads(sys.argv[1])
ratelimit.now = lambda: at
toolkit = {**settings.TOOLKIT, "RATE_LIMITS": limits, "AUDIT_TABLE": False}
with override_settings(CACHES=caches, TOOLKIT=toolkit):
    request = RequestFactory().post("/graphql/", REMOTE_ADDR="198.51.100.77")
    request.user = AnonymousUser()
    allowed = 0
    for _ in range(attempts):
        try:
            ratelimit.check_request(request, 1)
            allowed += 1
        except ratelimit.RateLimited:
            pass
print(allowed)
"""


def in_another_process(prefix, limits, attempts):
    argument = json.dumps([redis_caches(prefix), limits, T0, attempts])
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", SUBPROCESS, argument],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip().splitlines()[-1])


def test_counters__are_shared_across_processes(anon, redis_cache, clock):
    _, prefix = redis_cache
    scope = {"requests": 5, "cost": None, "window_seconds": 60}
    limits = {"anonymous": scope, "authenticated": None, "ip": None}
    address = {"REMOTE_ADDR": "198.51.100.77"}
    with toolkit(RATE_LIMITS=limits):
        assert [anon.post(BOOKS, **address).status for _ in range(2)] == [200, 200]
        assert in_another_process(prefix, limits, attempts=5) == 3
        assert_rate_limited(anon.post(BOOKS, **address))
        assert anon.post(BOOKS, REMOTE_ADDR="198.51.100.78").status == 200


def test_concurrent_requests__never_get_more_than_the_limit_through(redis_cache, clock):
    """40 threads (each with its own Redis connection) race for 25 requests."""
    allowed, refused = [], []
    barrier = threading.Barrier(40)

    def attempt():
        barrier.wait()
        try:
            ratelimit.check_request(anonymous_request("198.51.100.50"), 1)
            allowed.append(1)
        except ratelimit.RateLimited:
            refused.append(1)

    with rate_limits(anonymous={"requests": 25}, AUDIT_TABLE=False):
        threads = [threading.Thread(target=attempt) for _ in range(40)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert (len(allowed), len(refused)) == (25, 15)


def test_concurrent_failed_logins__never_get_more_attempts_than_the_limit(redis_cache, clock):
    passed = []
    barrier = threading.Barrier(30)

    def attempt():
        barrier.wait()
        try:
            ratelimit.check_login(anonymous_request("198.51.100.60"), "target")
            ratelimit.record_login_failure(anonymous_request("198.51.100.60"), "target")
            passed.append(1)
        except ratelimit.RateLimited:
            pass

    with login_limits(per_username=5, per_ip=100, AUDIT_TABLE=False):
        threads = [threading.Thread(target=attempt) for _ in range(30)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(passed) == 5


# -- the rate_limited audit event --------------------------------------------------------------------


def test_rate_limited__is_audited_once_per_caller_and_window(anon, redis_cache, clock, caplog):
    with rate_limits(anonymous={"requests": 1}), caplog.at_level(logging.INFO, logger="toolkit.audit"):
        assert anon.post(BOOKS, REMOTE_ADDR="198.51.100.30", HTTP_X_REQUEST_ID="req-42").status == 200
        for _ in range(3):
            assert anon.post(BOOKS, REMOTE_ADDR="198.51.100.30", HTTP_X_REQUEST_ID="req-42").status == 429
    [row] = rate_limited_rows()
    assert (row.user_id, row.username, row.ip, row.request_id, row.ok) == (
        "",
        "",
        "198.51.100.30",
        "req-42",
        False,
    )
    assert row.details == {
        "scope": "anonymous",
        "measure": "requests",
        "limit": 1,
        "window_seconds": 60,
        "retry_after": 110,  # the one request slides out over the whole next window
        "cost": operation_cost(get_schema().graphql_schema, parse(BOOKS), None, None),
    }
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "toolkit.audit"]
    assert [line["event"] for line in lines] == ["rate_limited"]
    assert lines[0]["details"] == row.details and lines[0]["ip"] == "198.51.100.30"


def test_rate_limited_user__is_audited_with_the_user(admin_user, redis_cache, clock):
    admin = logged_in(admin_user)
    with rate_limits(authenticated={"requests": 1}):
        admin.post(BOOKS)
        assert_rate_limited(admin.post(BOOKS))
    [row] = rate_limited_rows()
    assert (row.user_id, row.username, row.details["scope"]) == (str(admin_user.pk), "root", "authenticated")


# -- login throttling ------------------------------------------------------------------------------------


def test_failed_logins__are_throttled_per_username(anon, member, redis_cache, clock):
    tokens_before = OutstandingToken.objects.count()
    with login_limits(per_username=3):
        for _ in range(3):
            assert token_auth(anon, password="wrong").data["tokenAuth"]["ok"] is False
        throttled = token_auth(anon)  # the right password, but too late
        assert throttled.codes == ["RATE_LIMITED"], throttled.body
        assert not (throttled.data or {}).get("tokenAuth")
        assert OutstandingToken.objects.count() == tokens_before, "no token was issued"
        other = get_user_model().objects.create_user("rl-someone", "s@example.com", PASSWORD)
        assert token_auth(anon, other.username).data["tokenAuth"]["ok"] is True
        clock.set(T0 + 300 + 290 + 1)  # the failures have slid out of the window
        assert token_auth(anon).data["tokenAuth"]["ok"] is True


def test_throttled_login__is_http_429_with_retry_after(anon, member, redis_cache, clock):
    """Like every other rate limit; the error also carries ``retryAfter``."""
    with login_limits(per_username=1):
        token_auth(anon, password="wrong")
        result = token_auth(anon)
    # 1 failure 10 s into a 300 s window: it slides out 1/1 of the way into the next one.
    assert result.errors[0]["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 590, "requestId": ANY}
    assert_rate_limited(result, retry_after=590)


def test_failed_logins__are_throttled_per_ip(anon, member, redis_cache, clock):
    with login_limits(per_username=100, per_ip=3):
        for name in ("rl-a", "rl-b", "rl-c"):
            assert token_auth(anon, name, "wrong").data["tokenAuth"]["ok"] is False
        assert token_auth(anon).codes == ["RATE_LIMITED"]
        assert token_auth(anon, REMOTE_ADDR="198.51.100.40").data["tokenAuth"]["ok"] is True


def test_login_throttling__trusts_x_forwarded_for_only_from_trusted_proxies(anon, member, redis_cache, clock):
    with login_limits(per_username=100, per_ip=2, TRUSTED_PROXIES=["10.0.0.0/8"]):
        proxy = {"REMOTE_ADDR": "10.1.2.3"}
        for _ in range(2):
            token_auth(anon, password="wrong", HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy)
        assert token_auth(anon, HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy).codes == ["RATE_LIMITED"]
        another = token_auth(anon, HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy)
        assert another.data["tokenAuth"]["ok"] is True
        # Directly from 127.0.0.1 (not a proxy), a forged header changes nothing.
        for forged in ("198.51.100.3", "198.51.100.4"):
            token_auth(anon, password="wrong", HTTP_X_FORWARDED_FOR=forged)
        assert token_auth(anon, HTTP_X_FORWARDED_FOR="198.51.100.5").codes == ["RATE_LIMITED"]


def test_a_successful_login__resets_the_username_but_does_not_count_for_the_ip(
    anon, member, redis_cache, clock
):
    with login_limits(per_username=3, per_ip=3):
        for _ in range(2):
            token_auth(anon, password="wrong")
        assert token_auth(anon).data["tokenAuth"]["ok"] is True  # 2 failures forgotten
        assert token_auth(anon, password="wrong").data["tokenAuth"]["ok"] is False
        assert token_auth(anon).codes == ["RATE_LIMITED"], "3 failures from this IP"
        for _ in range(5):
            result = token_auth(anon, REMOTE_ADDR="198.51.100.41")
            assert result.data["tokenAuth"]["ok"] is True, "successes are not failures"


def test_throttled_logins__are_audited_once_per_window(anon, member, redis_cache, clock):
    with login_limits(per_username=1):
        token_auth(anon, password="wrong")
        for _ in range(3):
            assert token_auth(anon).codes == ["RATE_LIMITED"]
    [row] = rate_limited_rows()
    assert row.ip == "127.0.0.1" and row.ok is False
    assert row.details == {
        "scope": "login-user",
        "measure": "failures",
        "limit": 1,
        "window_seconds": 300,
        "retry_after": 590,
        "attempted_username": "rl-member",
    }
    assert AuditEvent.objects.filter(event="login_failed").count() == 1
    assert not AuditEvent.objects.filter(event="login_ok").exists()


# -- a cache that is down ------------------------------------------------------------------------------


@contextmanager
def redis_down():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once the socket is closed
    with override_settings(CACHES=redis_caches("down", port)):
        yield


def test_cache_down__requests_are_served_and_the_error_logged(anon, caplog):
    with redis_down(), caplog.at_level(logging.ERROR, logger="toolkit.ratelimit"):
        assert anon.post(BOOKS).status == 200
    assert "the request was let through" in caplog.text


def test_cache_down__logins_are_refused(anon, member):
    with redis_down():
        result = token_auth(anon)
    assert result.codes == ["RATE_LIMITED"], result.body
    assert not (result.data or {}).get("tokenAuth")


# -- system checks ------------------------------------------------------------------------------------


def messages(**options):
    with toolkit(**options):
        return [(m.id, m.msg) for m in checks.run_checks(tags=["toolkit"])]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"RATE_LIMITS": []}, ("toolkit.E040", 'TOOLKIT["RATE_LIMITS"] must be a dict or None.')),
        (
            {"RATE_LIMITS": {"anonymus": None}},
            ("toolkit.E040", "TOOLKIT[\"RATE_LIMITS\"] has an unknown scope 'anonymus'."),
        ),
        (
            {"RATE_LIMITS": {"ip": {"requests": 0}}},
            (
                "toolkit.E040",
                'TOOLKIT["RATE_LIMITS"]["ip"]["requests"] must be a positive integer or None, got 0.',
            ),
        ),
        (
            {"RATE_LIMITS": {"ip": {"window_seconds": None}}},
            (
                "toolkit.E040",
                'TOOLKIT["RATE_LIMITS"]["ip"]["window_seconds"] must be a positive integer, got None.',
            ),
        ),
        (
            {"RATE_LIMITS": {"ip": {"per_minute": 5}}},
            (
                "toolkit.E040",
                'TOOLKIT["RATE_LIMITS"]["ip"] must be None or a dict with "requests", "cost" and "window_seconds".',
            ),
        ),
        (
            {"LOGIN_RATE_LIMIT": {"per_username": "5"}},
            (
                "toolkit.E041",
                'TOOLKIT["LOGIN_RATE_LIMIT"] must be a dict of positive integers "per_username", "per_ip" and '
                "\"window_seconds\", got {'per_username': '5'}.",
            ),
        ),
        (
            {"TRUSTED_PROXIES": ["10.0.0.1", "proxy.internal"]},
            (
                "toolkit.E042",
                "TOOLKIT[\"TRUSTED_PROXIES\"] has 'proxy.internal', which is not an IP address or network.",
            ),
        ),
        (
            {"RATE_LIMIT_CACHE": "ratelimits"},
            (
                "toolkit.E043",
                "TOOLKIT[\"RATE_LIMIT_CACHE\"] must name a cache in settings.CACHES, got 'ratelimits'.",
            ),
        ),
    ],
)
def test_rate_limit_settings__are_checked(options, expected):
    assert messages(**options) == [expected]


def test_valid_rate_limit_settings__produce_no_messages():
    options = {
        "RATE_LIMITS": {"anonymous": {"requests": 10, "cost": None}, "ip": None},
        "LOGIN_RATE_LIMIT": {"per_username": 3},
        "TRUSTED_PROXIES": ["10.0.0.0/8", "::1"],
    }
    assert messages(**options) == []
