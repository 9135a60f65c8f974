"""Fixtures for the production kit: captured JSON log lines, a Sentry transport that keeps the
events in memory, the real Redis of the health tests, and helpers to run processes."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sentry_sdk
from sentry_sdk.transport import Transport

from tests.services import QUEUES, free_port, manage_env, wait_for_workers  # noqa: F401  (re-exported)
from toolkit.observability.logging import ContextFilter, JsonFormatter
from toolkit.observability.sentry import init_sentry

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable


class JsonLines:
    """The JSON lines written through the project's formatter while the fixture is active."""

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    def all(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line.strip()]

    def of(self, logger: str) -> list[dict[str, Any]]:
        return [line for line in self.all() if line["logger"] == logger]

    @property
    def text(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def json_logs() -> Iterator[JsonLines]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield JsonLines(stream)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


class CapturingTransport(Transport):
    """Keeps every envelope sentry-sdk would send; ``events`` are the error events among them."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.envelopes: list[Any] = []

    def capture_envelope(self, envelope: Any) -> None:
        self.envelopes.append(envelope)

    @property
    def events(self) -> list[dict[str, Any]]:
        return [
            item.payload.json
            for envelope in self.envelopes
            for item in envelope.items
            if item.type == "event" and item.payload.json is not None
        ]


def stop_sentry() -> None:
    client = sentry_sdk.get_client()
    client.flush(timeout=2)
    client.close(timeout=2)
    sentry_sdk.get_global_scope().set_client(None)


@pytest.fixture
def sentry_events() -> Iterator[CapturingTransport]:
    """sentry-sdk initialised as ``SENTRY_DSN`` would, with the capturing transport."""
    transport = CapturingTransport()
    assert init_sentry("https://public@sentry.example.invalid/1", environment="test", transport=transport)
    try:
        yield transport
    finally:
        stop_sentry()


def wait_until(condition: Callable[[], Any], timeout: float = 30, what: str = "the condition") -> Any:
    """Poll ``condition`` until it returns something true (or fail after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    """Stop a process this test started (by its PID), killing it if it does not stop in time."""
    if process.poll() is None:
        os.kill(process.pid, sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


def controlled_env(**env: str) -> dict[str, str]:
    """A minimal environment for a subprocess: PATH with the virtualenv first, HOME, and ``env``."""
    return {
        "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONDONTWRITEBYTECODE": "1",
        **env,
    }
