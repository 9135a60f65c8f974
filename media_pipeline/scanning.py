"""Scanners: clamd over ``INSTREAM`` (``TOOLKIT["CLAMD_URL"]``), or the built-in test scanner.

The built-in scanner exists so that the zero-setup default still scans for real: it detects the
EICAR test file (and nothing else), and every verdict it gives is recorded with
``scanner = "builtin-test"``. ``settings.prod`` refuses it (system check ``media_pipeline.E001``).
There is no "assume clean" path: a scanner that cannot be reached raises ``ScannerUnavailable``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from media_pipeline.conf import media_config
from media_pipeline.errors import ScanError, ScannerUnavailable
from toolkit.conf import get_config
from toolkit.health import clamd

#: The 68-byte EICAR anti-virus test file (https://www.eicar.org/download-anti-malware-testfile/).
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
BUILTIN = "builtin-test"
CLAMD = "clamd"


@dataclass(frozen=True)
class Verdict:
    infected: bool
    scanner: str
    signature: str = ""


class Scanner(Protocol):
    name: str

    def scan(self, chunks: Iterable[bytes]) -> Verdict: ...


class ClamdScanner:
    """clamd's ``INSTREAM`` (TCP or Unix socket), with a timeout on each socket operation."""

    name = CLAMD

    def __init__(self, url: str, timeout: float) -> None:
        self.url, self.timeout = url, timeout

    def scan(self, chunks: Iterable[bytes]) -> Verdict:
        try:
            reply = clamd.instream(self.url, chunks, timeout=self.timeout)
        except clamd.ClamdScanError as exc:
            raise ScanError(str(exc)) from exc
        except clamd.ClamdError as exc:
            raise ScannerUnavailable(str(exc)) from exc
        return Verdict(reply.infected, self.name, reply.signature)


class BuiltinTestScanner:
    """Finds the EICAR test string anywhere in the stream (as clamd's body signature does); it
    knows no other signature. For development and tests only."""

    name = BUILTIN
    signature = "Eicar-Test-Signature"

    def scan(self, chunks: Iterable[bytes]) -> Verdict:
        tail = b""
        for chunk in chunks:
            window = tail + chunk
            if EICAR in window:
                return Verdict(True, self.name, self.signature)
            tail = window[-(len(EICAR) - 1) :]
        return Verdict(False, self.name)


def get_scanner() -> Scanner:
    """clamd when ``TOOLKIT["CLAMD_URL"]`` is set, else the built-in test scanner."""
    url = get_config()["CLAMD_URL"]
    if url:
        return ClamdScanner(url, float(media_config()["SCAN_TIMEOUT"]))
    return BuiltinTestScanner()
