"""Reading the client's selection the way graphql-core executes it.

``collect_sub_fields`` already follows fragments and inline fragments (with their type
conditions) and honours ``@skip``/``@include``; ``get_argument_values`` coerces arguments with the
operation's variables and defaults. Both are graphql-core's own, so the plan sees exactly the
fields and arguments the resolvers will.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
)
from graphql.execution.collect_fields import collect_sub_fields
from graphql.execution.values import get_argument_values


@dataclass
class Selected:
    """One response key under an object type: the field, its arguments and its nodes."""

    key: str
    name: str
    field: GraphQLField
    args: dict[str, Any]
    nodes: list[FieldNode]

    @property
    def type(self) -> Any:
        return get_named_type(self.field.type)


@dataclass
class Walker:
    """Selections of one operation (schema, fragments and variables come from ``info``)."""

    schema: GraphQLSchema
    fragments: dict[str, Any]
    variables: dict[str, Any]

    @classmethod
    def of(cls, info: Any) -> Walker:
        return cls(info.schema, info.fragments, info.variable_values)

    def object_types(self, named_type: Any) -> list[GraphQLObjectType]:
        """The object types a value of ``named_type`` may have (interfaces and unions expand)."""
        if isinstance(named_type, GraphQLObjectType):
            return [named_type]
        if isinstance(named_type, (GraphQLInterfaceType, GraphQLUnionType)):
            return list(self.schema.get_possible_types(named_type))
        return []

    def under(self, object_type: GraphQLObjectType, nodes: list[FieldNode]) -> Iterator[Selected]:
        """The fields selected under ``nodes`` when the value is an ``object_type``."""
        collected = collect_sub_fields(self.schema, self.fragments, self.variables, object_type, nodes)
        for key, field_nodes in collected.items():
            name = field_nodes[0].name.value
            field = object_type.fields.get(name)
            if field is None:  # __typename and other meta fields
                continue
            yield Selected(
                key, name, field, get_argument_values(field, field_nodes[0], self.variables), field_nodes
            )

    def child(self, object_type: GraphQLObjectType, nodes: list[FieldNode], name: str) -> list[FieldNode]:
        """The nodes of field ``name`` under ``nodes`` (e.g. ``items`` of a page, all aliases)."""
        found: list[FieldNode] = []
        for selected in self.under(object_type, nodes):
            if selected.name == name:
                found += selected.nodes
        return found


def cache_key(name: str, args: dict[str, Any]) -> str:
    """The attribute a prefetched relation is stored under: one per relation and arguments, so
    two aliases of one relation with different arguments never share a result."""
    given = {k: v for k, v in args.items() if v is not None}
    if not given:
        return f"_gql_{name}"
    digest = hashlib.sha1(json.dumps(given, sort_keys=True, default=_plain).encode()).hexdigest()[:12]
    return f"_gql_{name}_{digest}"


def _plain(value: Any) -> Any:
    if hasattr(value, "value") and not isinstance(value, (dict, list)):
        return value.value  # enum members
    if isinstance(value, dict):
        return dict(value)
    return str(value)
