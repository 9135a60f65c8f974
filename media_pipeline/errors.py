"""Errors of the media pipeline. ``UploadRejected`` is what a client sees for a refused file."""

from __future__ import annotations

from typing import Literal

RejectionCode = Literal[
    "FILE_TOO_LARGE",
    "UNSUPPORTED_TYPE",
    "EXTENSION_MISMATCH",
    "INVALID_FILENAME",
    "IMAGE_TOO_LARGE",
    "INVALID_IMAGE",
    "EMPTY_FILE",
]

#: Every code ``UploadRejected`` may carry (the GraphQL layer maps them to field errors).
REJECTION_CODES: tuple[str, ...] = RejectionCode.__args__  # type: ignore[attr-defined]


class UploadRejected(Exception):
    """An upload refused by validation; nothing of it is left in storage.

    ``code`` is one of :data:`REJECTION_CODES`; ``message`` is one readable sentence naming the
    file (safe to show to the client)."""

    def __init__(self, code: RejectionCode, message: str) -> None:
        assert code in REJECTION_CODES, code
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"UploadRejected({self.code!r}, {self.message!r})"


class ScanError(Exception):
    """The scanner answered but could not give a verdict (e.g. clamd's size limit): ``scan_failed``."""


class ScannerUnavailable(ScanError):
    """The scanner cannot be reached (refused, timeout): the file stays ``pending``, the job retries."""
