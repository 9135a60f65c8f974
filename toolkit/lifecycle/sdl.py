"""The schema as text: sorted SDL, introspection JSON, hashes, counts, and parsing SDL back."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from graphql import (
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    assert_valid_schema,
    build_schema,
    get_introspection_query,
    graphql_sync,
    is_introspection_type,
    is_specified_scalar_type,
    lexicographic_sort_schema,
    print_schema,
)

from toolkit.lifecycle.errors import EXIT_BAD_INPUT, LifecycleError


def sorted_sdl(schema: GraphQLSchema) -> str:
    """The SDL with types, fields and arguments sorted, ending with one newline."""
    return print_schema(lexicographic_sort_schema(schema)).rstrip("\n") + "\n"


def introspection_json(schema: GraphQLSchema) -> str:
    """The result of the standard introspection query, as indented JSON (sorted schema)."""
    result = graphql_sync(lexicographic_sort_schema(schema), get_introspection_query(descriptions=True))
    if result.errors:  # pragma: no cover - the standard query on a valid schema
        raise LifecycleError(f"introspection failed: {result.errors[0].message}")
    return json.dumps({"data": result.data}, indent=2, sort_keys=False) + "\n"


def sdl_hash(sdl: str) -> str:
    return hashlib.sha256(sdl.encode()).hexdigest()


@dataclass(frozen=True)
class Counts:
    types: int
    fields: int


def count(schema: GraphQLSchema) -> Counts:
    """Named types (without introspection types and standard scalars) and their fields."""
    types = [
        t
        for t in schema.type_map.values()
        if not is_introspection_type(t) and not is_specified_scalar_type(t)
    ]
    fields = sum(
        len(t.fields)
        for t in types
        if isinstance(t, (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType))
    )
    return Counts(types=len(types), fields=fields)


def parse_sdl(text: str, label: str) -> GraphQLSchema:
    """Build a schema from SDL; ``LifecycleError`` (exit 2) names ``label`` and the problem."""
    try:
        schema = build_schema(text)
        assert_valid_schema(schema)
    except GraphQLError as exc:
        where = f" (line {exc.locations[0].line}, column {exc.locations[0].column})" if exc.locations else ""
        message = exc.message.splitlines()[0]
        raise LifecycleError(
            f"{label} is not a valid GraphQL schema: {message}{where}", EXIT_BAD_INPUT
        ) from exc
    except (TypeError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LifecycleError(f"{label} is not a valid GraphQL schema: {first}", EXIT_BAD_INPUT) from exc
    return schema


def read_text(path: Path, what: str = "file") -> str:
    """Read a UTF-8 file; a missing, unreadable or binary file is a ``LifecycleError`` (exit 2)."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise LifecycleError(f"{what} {path} does not exist", EXIT_BAD_INPUT) from exc
    except IsADirectoryError as exc:
        raise LifecycleError(f"{what} {path} is a directory, not a file", EXIT_BAD_INPUT) from exc
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise LifecycleError(f"cannot read {what} {path}: {reason}", EXIT_BAD_INPUT) from exc


def read_sdl_file(path: Path) -> tuple[str, GraphQLSchema]:
    text = read_text(path, "SDL file")
    return text, parse_sdl(text, str(path))
