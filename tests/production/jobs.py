"""Job functions the production tests enqueue (importable by a real ``rqworker``)."""

from __future__ import annotations

import logging
import os
import time

from rq import get_current_job

logger = logging.getLogger("tests.production.jobs")


def wait_for_release(key: str, timeout: float = 60) -> int:
    """Record this attempt (process id, then count: a test that saw the count finds the pid),
    then block until ``<key>:release`` exists."""
    connection = get_current_job().connection
    connection.rpush(f"{key}:pids", os.getpid())
    attempt = connection.incr(f"{key}:attempts")
    deadline = time.monotonic() + timeout
    while not connection.exists(f"{key}:release"):
        if time.monotonic() > deadline:
            raise TimeoutError("never released")
        time.sleep(0.05)
    connection.rpush(f"{key}:done", attempt)
    return attempt


def fail(message: str = "the job failed") -> None:
    raise RuntimeError(message)


def log_line(message: str) -> str:
    logger.info("job says %s", message)
    return message
