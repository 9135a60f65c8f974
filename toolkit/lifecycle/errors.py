"""One exception for every lifecycle failure, carrying its documented exit code."""

from __future__ import annotations

#: The check failed: stale snapshot, breaking changes, ``--fail-on`` reached, broken operations.
EXIT_FAILED = 1
#: Bad input: unknown version, unreadable or invalid SDL, unparsable operation, invalid settings.
EXIT_BAD_INPUT = 2
#: The database is not migrated (``manage.py migrate`` has not created the toolkit's tables).
EXIT_NOT_MIGRATED = 3


class LifecycleError(Exception):
    """A failure shown as one readable line; ``returncode`` is the command's exit code."""

    def __init__(self, message: str, returncode: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.returncode = returncode
