"""``<Model>OrderBy`` inputs and applying them, always ending with a primary-key tie-break.

Each list element sets exactly one key: a field with a ``SortDirection`` or a to-one relation
with the related model's ``OrderBy`` (``[{publisher: {name: ASC}}, {price: DESC_NULLS_LAST}]``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import graphene
from django.db import models
from django.db.models import F, OrderBy

from toolkit.exceptions import BadUserInput
from toolkit.fieldkinds import Kind
from toolkit.types.base import GeneratedInputObjectType

if TYPE_CHECKING:
    from toolkit.schema import SchemaBuilder


class SortDirection(graphene.Enum):
    """Sort order; the ``NULLS_*`` variants place nulls explicitly (databases differ)."""

    ASC = "ASC"
    DESC = "DESC"
    ASC_NULLS_FIRST = "ASC_NULLS_FIRST"
    ASC_NULLS_LAST = "ASC_NULLS_LAST"
    DESC_NULLS_FIRST = "DESC_NULLS_FIRST"
    DESC_NULLS_LAST = "DESC_NULLS_LAST"


def build_order_input(builder: SchemaBuilder, model: type[models.Model]) -> type[graphene.InputObjectType]:
    spec = builder.spec(model)
    fields: dict[str, Any] = {}
    for name in spec.orderable:
        fs = spec.fields[name]
        if fs.kind == Kind.TO_ONE:
            target = fs.related_model
            if builder.spec(target).orderable:
                fields[name] = graphene.InputField(lambda target=target: builder.order_input(target))
        else:
            fields[name] = graphene.InputField(SortDirection)
    meta = type(
        "Meta", (), {"description": f"Sort {spec.type_name} rows by one field; list several for ties."}
    )
    return type(f"{spec.type_name}OrderBy", (GeneratedInputObjectType,), {**fields, "Meta": meta})


def _direction(value: Any) -> str:
    return value.value if hasattr(value, "value") else str(value)


def order_expressions(
    builder: SchemaBuilder, model: type[models.Model], order_by: list | None, path: str = "orderBy"
) -> list[OrderBy]:
    expressions = []
    for index, item in enumerate(order_by or []):
        expressions.append(_expression(builder, model, item, "", f"{path}[{index}]"))
    return expressions


def _expression(
    builder: SchemaBuilder, model: type[models.Model], item: Any, prefix: str, path: str
) -> OrderBy:
    chosen = {k: v for k, v in (item or {}).items() if v is not None}
    if len(chosen) != 1:
        raise BadUserInput(
            f"Argument '{path}' must set exactly one field to sort by, got {len(chosen)}.",
            argument=path,
        )
    ((name, value),) = chosen.items()
    spec = builder.spec(model)
    shown = f"{path}.{builder.display(name)}"
    if name not in spec.orderable:
        raise BadUserInput(f"Argument '{shown}' is not an orderable field.", argument=shown)
    builder.require_visible(model, name, shown)
    fs = spec.fields[name]
    if fs.kind == Kind.TO_ONE:
        return _expression(builder, fs.related_model, value, f"{prefix}{name}__", shown)
    direction = _direction(value)
    expression = F(f"{prefix}{name}")
    nulls = {}
    if direction.endswith("NULLS_FIRST"):
        nulls = {"nulls_first": True}
    elif direction.endswith("NULLS_LAST"):
        nulls = {"nulls_last": True}
    return expression.desc(**nulls) if direction.startswith("DESC") else expression.asc(**nulls)


def apply_ordering(
    builder: SchemaBuilder,
    model: type[models.Model],
    queryset: models.QuerySet,
    order_by: list | None,
    path: str = "orderBy",
) -> models.QuerySet:
    """Order by the client's keys (or the model's default ordering), then by primary key."""
    expressions: list[Any] = order_expressions(builder, model, order_by, path)
    if not expressions:
        expressions = list(model._meta.ordering)
    return queryset.order_by(*expressions, "pk")
