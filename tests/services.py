"""Real services for the tests: Redis (a database of its own), clamd, RQ workers.

Registered once for the whole suite (``pytest_plugins`` in ``tests/conftest.py``): import the
helpers from here, never the fixtures, or a module gets a second copy of a session fixture (and a
second Redis database).

``scripts/services.py`` starts Redis and clamd when they are not running (``scripts/test.sh``
does it before pytest too). RQ queues point at a Redis database this test run claims for itself
(8-15, with a lock key), emptied around each test, so test runs sharing one Redis do not
disturb each other.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

ROOT = Path(__file__).resolve().parents[1]
REDIS_PORT = int(os.environ.get("REDIS_PORT", 6379))
LOCK_KEY = "toolkit:test-run"
CLAMD_URL = os.environ.get("CLAMD_URL") or f"tcp://127.0.0.1:{os.environ.get('CLAMD_PORT', 3310)}"
QUEUES = ("cache_invalidation", "default", "media")


def services(*names: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "services.py"), *names],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def real_services() -> None:
    """Redis and clamd are running (started if needed)."""
    env = {"CLAMD_PORT": CLAMD_URL.rsplit(":", 1)[1]} if CLAMD_URL.startswith("tcp://") else {}
    result = services("redis", "clamd", **env)
    assert result.returncode == 0, f"cannot start Redis/clamd: {result.stderr.strip()}"


def queues_config(url: str) -> dict[str, dict[str, Any]]:
    return {name: {"URL": url, "DEFAULT_TIMEOUT": 60} for name in QUEUES}


@pytest.fixture(scope="session")
def redis_url(real_services: None) -> Iterator[str]:
    """A Redis database no other test run is using (claimed with a lock key, released after)."""
    for db in range(8, 16):
        connection = redis.Redis(port=REDIS_PORT, db=db)
        if connection.set(LOCK_KEY, os.getpid(), nx=True, ex=3600):
            try:
                yield f"redis://127.0.0.1:{REDIS_PORT}/{db}"
            finally:
                connection.flushdb()
                connection.close()
            return
        connection.close()
    pytest.fail("every Redis database 8-15 is claimed by another test run")


@pytest.fixture
def rq_redis(redis_url: str, settings: Any) -> Iterator[redis.Redis]:
    """RQ queues on a real Redis database, empty at the start and the end of the test."""
    settings.RQ_QUEUES = queues_config(redis_url)
    connection = redis.Redis.from_url(redis_url)
    connection.flushdb()
    connection.set(LOCK_KEY, os.getpid(), ex=3600)
    yield connection
    connection.flushdb()
    connection.set(LOCK_KEY, os.getpid(), ex=3600)
    connection.close()


def manage_env(connection: redis.Redis) -> dict[str, str]:
    kwargs = connection.connection_pool.connection_kwargs
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings.test",
        "REDIS_URL": f"redis://{kwargs['host']}:{kwargs['port']}/{kwargs['db']}",
        "DATABASE_URL": f"sqlite:///{tempfile.gettempdir()}/toolkit-test-worker.sqlite3",
    }


def wait_for_workers(connection: redis.Redis, count: int, timeout: float = 30) -> None:
    from rq import Worker

    deadline = time.monotonic() + timeout
    while len(Worker.all(connection=connection)) < count:
        assert time.monotonic() < deadline, "the RQ worker did not register in time"
        time.sleep(0.05)


@pytest.fixture
def rq_worker(rq_redis: redis.Redis, tmp_path: Path) -> Iterator[subprocess.Popen]:
    """A real ``manage.py rqworker`` on every queue, stopped (SIGTERM, by PID) after the test."""
    log = (tmp_path / "rqworker.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", *QUEUES],
        cwd=ROOT, env=manage_env(rq_redis), stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for_workers(rq_redis, 1)
        yield process
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def burst_worker(connection: redis.Redis, *queues: str) -> subprocess.CompletedProcess:
    """``manage.py rqworker --burst``: work off the queues, then exit."""
    return subprocess.run(
        [sys.executable, "manage.py", "rqworker", *queues, "--burst"],
        cwd=ROOT, env=manage_env(connection), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
