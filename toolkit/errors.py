"""The one place that turns errors into what clients see, each with ``extensions.code``.

- syntax errors: ``GRAPHQL_PARSE_FAILED``
- a wrong argument value (literal or variable): ``BAD_USER_INPUT``, naming the argument
- any other validation error: ``GRAPHQL_VALIDATION_FAILED``
- ``ToolkitError``s raised by resolvers: their own code
- anything else: ``INTERNAL_SERVER_ERROR`` with a generic message (details only in the log)

Every error also carries ``extensions.requestId``, the id of the request (``X-Request-ID``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import DatabaseError, DataError
from graphql import GraphQLError
from graphql.language import (
    ArgumentNode,
    DocumentNode,
    Node,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
    visit,
)
from graphql.language.visitor import Visitor

from toolkit.exceptions import ToolkitError

logger = logging.getLogger("toolkit.errors")

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
INTERNAL = "INTERNAL_SERVER_ERROR"
GENERIC_MESSAGE = "Internal server error."


def parse_error(error: GraphQLError) -> GraphQLError:
    return with_code(error, PARSE_FAILED)


def validation_errors(document: DocumentNode, errors: list[GraphQLError]) -> list[GraphQLError]:
    """Classify validation errors: bad argument values become BAD_USER_INPUT naming the argument."""
    classified = []
    for error in errors:
        if "code" in (error.extensions or {}):
            classified.append(error)  # already classified (the query limits)
            continue
        argument = _enclosing_argument(document, error.nodes or [])
        if argument is not None:
            what = "default value of variable" if argument.startswith("$") else "value of argument"
            message = f"Invalid {what} '{argument}': {error.message}"
            classified.append(with_code(error, BAD_USER_INPUT, message=message, argument=argument))
        else:
            classified.append(with_code(error, VALIDATION_FAILED))
    return classified


def variable_errors(document: DocumentNode, errors: list[GraphQLError]) -> list[GraphQLError]:
    """Errors coercing variable values (``Variable '$where' got invalid value ...``): the
    argument named is the first one the variable is passed to."""
    classified = []
    for error in errors:
        node = (error.nodes or [None])[0]
        argument = None
        if isinstance(node, VariableDefinitionNode):
            finder = _VariableUse(node.variable.name.value)
            visit(document, finder)
            argument = finder.found
        classified.append(with_code(error, BAD_USER_INPUT, argument=argument))
    return classified


class _VariableUse(Visitor):
    """Finds the first argument whose value is (or contains) a given variable."""

    def __init__(self, variable: str) -> None:
        super().__init__()
        self.variable = variable
        self.argument: str | None = None
        self.found: str | None = None

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        self.argument = node.name.value

    def leave_argument(self, node: ArgumentNode, *_: Any) -> None:
        self.argument = None

    def enter_variable(self, node: VariableNode, *_: Any) -> None:
        if self.found is None and self.argument and node.name.value == self.variable:
            self.found = self.argument


def with_code(
    error: GraphQLError, code: str, *, message: str | None = None, argument: str | None = None
) -> GraphQLError:
    extensions = {**(error.extensions or {}), "code": code}
    if argument:
        extensions["argument"] = argument
    return GraphQLError(
        message or error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=extensions,
    )


class _ArgumentFinder(Visitor):
    """Finds the argument (or variable definition) whose value contains a node."""

    def __init__(self, target: Node) -> None:
        super().__init__()
        self.target = target
        self.found: str | None = None

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        if self.found is None and _contains(node.value, self.target):
            self.found = node.name.value

    def enter_variable_definition(self, node: VariableDefinitionNode, *_: Any) -> None:
        if (
            self.found is None
            and node.default_value is not None
            and _contains(node.default_value, self.target)
        ):
            self.found = f"${node.variable.name.value}"


def _contains(outer: Node, inner: Node) -> bool:
    if outer.loc is None or inner.loc is None:
        return False
    return outer.loc.start <= inner.loc.start and inner.loc.end <= outer.loc.end


def _enclosing_argument(document: DocumentNode, nodes: list[Node]) -> str | None:
    if not nodes or (not isinstance(nodes[0], ValueNode) and type(nodes[0]).__name__ != "ObjectFieldNode"):
        return None
    finder = _ArgumentFinder(nodes[0])
    visit(document, finder)
    return finder.found


def _timed_out(error: Exception) -> bool:
    """A statement timeout, or the aborted transaction a timeout leaves behind."""
    from toolkit import stats

    current = stats.current()
    if stats.is_statement_timeout(error):
        if current is not None:
            current.timed_out = True
        return True
    return current is not None and current.timed_out


def request_id_extension(formatted: dict[str, Any]) -> dict[str, Any]:
    """``formatted`` with ``extensions.requestId`` (the request's id, see toolkit.observability)."""
    from toolkit.observability.context import request_id

    current = request_id()
    if current:
        formatted.setdefault("extensions", {})["requestId"] = current
    return formatted


def extensions(code: str, **more: Any) -> dict[str, Any]:
    """``{"code": code, ...more, "requestId": ...}`` for an error the view refuses before GraphQL
    runs (wrong content type, invalid token, rate limit, a bad batch...)."""
    return request_id_extension({"extensions": {"code": code, **more}})["extensions"]


def format_error(error: Exception) -> dict[str, Any]:
    """The JSON for one error, with ``extensions.code`` and ``extensions.requestId``; unexpected
    exceptions are logged once, with their traceback (and so reported to Sentry once), and masked."""
    return request_id_extension(_format_error(error))


def _format_error(error: Exception) -> dict[str, Any]:
    if not isinstance(error, GraphQLError):
        logger.error("Unexpected error outside execution", exc_info=error)
        return {"message": GENERIC_MESSAGE, "extensions": {"code": INTERNAL}}
    original = error.original_error
    if not error.path and "code" in (error.extensions or {}):
        return error.formatted  # classified before execution (parse, validation, variables)
    if original is None or isinstance(original, ToolkitError):
        formatted = error.formatted
        if "code" not in formatted.get("extensions", {}):
            formatted.setdefault("extensions", {})["code"] = VALIDATION_FAILED if not error.path else INTERNAL
        return formatted
    if isinstance(original, GraphQLError):  # raised by a scalar or graphene internals
        formatted = error.formatted
        formatted.setdefault("extensions", {}).setdefault("code", BAD_USER_INPUT)
        return formatted
    if isinstance(original, DatabaseError) and _timed_out(original):
        formatted = error.formatted
        formatted["message"] = "The operation took too long (database statement timeout)."
        formatted["extensions"] = {"code": "TIMEOUT"}
        return formatted
    if isinstance(original, DataError):
        # e.g. a value PostgreSQL cannot compare or a regex it cannot compile: the client's input.
        formatted = error.formatted
        formatted["message"] = "The database rejected a value in the arguments."
        formatted["extensions"] = {"code": BAD_USER_INPUT}
        return formatted
    logger.error(
        "Unexpected error resolving %s",
        ".".join(map(str, error.path or [])),
        exc_info=(type(original), original, original.__traceback__),
    )
    formatted = {
        "message": GENERIC_MESSAGE,
        "locations": error.formatted.get("locations"),
        "path": error.path,
        "extensions": {"code": INTERNAL},
    }
    if settings.DEBUG:
        formatted["extensions"]["exception"] = f"{type(original).__name__}: {original}"
    return formatted
