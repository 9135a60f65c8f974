"""The toolkit's error hierarchy; each class carries the ``extensions.code`` clients see.

They subclass ``GraphQLError`` so graphql-core keeps their extensions when it locates the
error on a field; ``toolkit.errors.format_error`` is the one place that turns anything else
into a client-safe error.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError


class ToolkitError(GraphQLError):
    """Base class: an error the client caused or may see, with a stable code."""

    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, *, extensions: dict[str, Any] | None = None) -> None:
        super().__init__(message, extensions={"code": self.code, **(extensions or {})})


class BadUserInput(ToolkitError):
    """An argument value the server cannot use (out of range, malformed, contradictory)."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str, *, argument: str | None = None) -> None:
        super().__init__(message, extensions={"argument": argument} if argument else None)


class NotFound(ToolkitError):
    """The object does not exist (or the caller may not know that it does)."""

    code = "NOT_FOUND"


class Unauthenticated(ToolkitError):
    """The operation needs a logged-in caller (or the credentials given are not valid)."""

    code = "UNAUTHENTICATED"


class Forbidden(ToolkitError):
    """The caller is known but may not do this."""

    code = "FORBIDDEN"


class FeatureDisabled(ToolkitError):
    """A feature flag (``toolkit.flags``) switches this off; ``extensions.flag`` names it."""

    code = "FEATURE_DISABLED"

    def __init__(self, message: str, *, flag: str) -> None:
        super().__init__(message, extensions={"flag": flag})


class ConfigurationError(Exception):
    """The TOOLKIT settings or a model's GraphQLMeta are invalid (see the system checks)."""


class Timeout(ToolkitError):
    """The operation ran past its time budget (or a statement past the database timeout)."""

    code = "TIMEOUT"
