"""A minimal clamd client: ``PING`` and ``VERSION`` for health checks, ``INSTREAM`` for scanning
uploads (media_pipeline.scanning), over TCP or a Unix socket, with timeouts."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterable
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


# -- scanning ---------------------------------------------------------------------------------------
#: clamd's default ``StreamMaxLength`` is 25 MB; chunks are framed as 4-byte big-endian lengths.
INSTREAM_CHUNK = 64 * 1024


class ClamdScanError(ClamdError):
    """clamd answered the scan with an error (e.g. ``INSTREAM size limit exceeded``)."""


@dataclass(frozen=True)
class ScanReply:
    """clamd's verdict: ``signature`` is empty for a clean stream."""

    infected: bool
    signature: str = ""

    @classmethod
    def parse(cls, reply: str) -> ScanReply:
        """``stream: OK``, ``stream: Eicar-Test-Body.UNOFFICIAL FOUND`` or ``... ERROR``."""
        _, _, verdict = reply.partition(": ")
        verdict = verdict or reply
        if verdict == "OK":
            return cls(False)
        if verdict.endswith(" FOUND"):
            return cls(True, verdict[: -len(" FOUND")].strip())
        raise ClamdScanError(f"clamd could not scan the stream: {reply[:200]}")


def instream(url: str, chunks: Iterable[bytes], timeout: float = 30.0) -> ScanReply:
    """Scan a stream with ``zINSTREAM``; ``timeout`` applies to each socket operation.

    ``ClamdError`` when clamd cannot be reached or stops answering (the caller retries later),
    ``ClamdScanError`` when it answered with an error."""
    family, target = address(url)
    reply = b""
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(target)
            sock.sendall(b"zINSTREAM\0")
            try:
                for chunk in chunks:
                    for start in range(0, len(chunk), INSTREAM_CHUNK):
                        part = chunk[start : start + INSTREAM_CHUNK]
                        sock.sendall(struct.pack("!L", len(part)) + part)
                sock.sendall(struct.pack("!L", 0))
            except (BrokenPipeError, ConnectionResetError):
                pass  # clamd stopped reading (size limit): its reply says why
            while not reply.endswith(b"\0"):
                data = sock.recv(4096)
                if not data:
                    break
                reply += data
    except TimeoutError as exc:
        raise ClamdError(f"clamd at {url} did not answer within {timeout:g}s") from exc
    except OSError as exc:
        raise ClamdError(f"cannot reach clamd at {url}: {exc.strerror or exc}") from exc
    text = reply.rstrip(b"\0").decode(errors="replace").strip()
    if not text:
        raise ClamdError(f"clamd at {url} closed the connection without a verdict")
    return ScanReply.parse(text)
