"""A minimal clamd client for health checks: ``PING`` and ``VERSION`` over TCP or a Unix socket."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from urllib.parse import urlsplit


class ClamdError(Exception):
    """clamd cannot be reached or answered something unexpected (message safe to show)."""


def address(url: str) -> tuple[int, str | tuple[str, int]]:
    """``tcp://host:port`` or ``unix:///path`` -> (socket family, address)."""
    parts = urlsplit(url)
    if parts.scheme == "unix" and parts.path:
        return socket.AF_UNIX, parts.path
    if parts.scheme == "tcp" and parts.hostname and parts.port:
        return socket.AF_INET, (parts.hostname, parts.port)
    raise ClamdError(f"unsupported clamd address {url!r} (expected tcp://host:port or unix:///path)")


def command(url: str, name: str, timeout: float = 2.0) -> str:
    """Send one ``z``-command (NUL-terminated) and return the reply without its terminator."""
    family, target = address(url)
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(target)
            sock.sendall(b"z" + name.encode() + b"\0")
            chunks = []
            while not chunks or not chunks[-1].endswith(b"\0"):
                chunk = sock.recv(4096)
                if not chunk:
                    break
                chunks.append(chunk)
    except TimeoutError as exc:
        raise ClamdError(f"clamd at {url} did not answer within {timeout:g}s") from exc
    except OSError as exc:
        raise ClamdError(f"cannot reach clamd at {url}: {exc.strerror or exc}") from exc
    return b"".join(chunks).rstrip(b"\0").decode(errors="replace").strip()


@dataclass(frozen=True)
class ClamdVersion:
    engine: str
    signatures: str = ""
    signatures_date: str = ""

    @classmethod
    def parse(cls, reply: str) -> ClamdVersion:
        """``ClamAV 1.4.6/27467/Tue Nov 25 09:32:01 2025`` (no database version with only
        unofficial signatures: ``ClamAV 1.4.6``)."""
        engine, _, rest = reply.partition("/")
        signatures, _, date = rest.partition("/")
        return cls(engine.strip(), signatures.strip(), date.strip())

    def __str__(self) -> str:
        if not self.signatures:
            return f"{self.engine}, unofficial signatures only"
        return f"{self.engine}, signatures {self.signatures} ({self.signatures_date})"


def ping(url: str, timeout: float = 2.0) -> ClamdVersion:
    """PING then VERSION; ``ClamdError`` unless clamd answers ``PONG``."""
    reply = command(url, "PING", timeout)
    if reply != "PONG":
        raise ClamdError(f"clamd at {url} answered {reply[:40]!r} to PING")
    return ClamdVersion.parse(command(url, "VERSION", timeout))
