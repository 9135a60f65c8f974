"""What the client selected under the current field (fragments and @skip/@include honoured)."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo, get_named_type
from graphql.execution.collect_fields import collect_sub_fields


def selected_field_names(info: GraphQLResolveInfo) -> set[str]:
    """Schema names of the fields selected directly under the field being resolved."""
    return_type: Any = get_named_type(info.return_type)
    fields = collect_sub_fields(
        info.schema, info.fragments, info.variable_values, return_type, info.field_nodes
    )
    return {nodes[0].name.value for nodes in fields.values()}
