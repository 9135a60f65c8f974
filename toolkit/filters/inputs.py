"""Generate ``<Model>Where`` and ``<Model>RelationFilter`` input types from a model's spec."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import graphene
from django.db import models

from toolkit.fieldkinds import Kind
from toolkit.filters.operators import operator_input
from toolkit.types.base import GeneratedInputObjectType

if TYPE_CHECKING:
    from toolkit.schema import SchemaBuilder


def build_where_input(builder: SchemaBuilder, model: type[models.Model]) -> type[graphene.InputObjectType]:
    spec = builder.spec(model)
    name = f"{spec.type_name}Where"

    def self_type() -> Any:
        return builder.where_input(model)

    fields: dict[str, Any] = {
        "AND": graphene.InputField(
            graphene.List(graphene.NonNull(self_type)), description="Every condition holds."
        ),
        "OR": graphene.InputField(
            graphene.List(graphene.NonNull(self_type)), description="At least one condition holds."
        ),
        "NOT": graphene.InputField(self_type, description="The condition does not hold."),
    }
    for field_name in spec.filterable:
        fs = spec.fields[field_name]
        if fs.kind == Kind.TO_ONE:
            target = fs.related_model
            fields[field_name] = graphene.InputField(lambda target=target: builder.where_input(target))
        elif fs.kind == Kind.TO_MANY:
            target = fs.related_model
            fields[field_name] = graphene.InputField(lambda target=target: builder.relation_filter(target))
        elif fs.kind == Kind.ENUM:
            fields[field_name] = graphene.InputField(builder.enum_filter(fs.field))
        else:
            regex = field_name in spec.options.regex_fields
            fields[field_name] = graphene.InputField(operator_input(fs.kind, regex=regex))
    meta = type("Meta", (), {"description": f"Conditions on {spec.type_name} rows; keys are ANDed."})
    return type(name, (GeneratedInputObjectType,), {**fields, "Meta": meta})


def build_relation_filter(
    builder: SchemaBuilder, model: type[models.Model]
) -> type[graphene.InputObjectType]:
    """``{some, none, every}`` over the rows of a to-many relation to ``model``."""
    spec = builder.spec(model)

    def where() -> Any:
        return builder.where_input(model)

    fields = {
        "some": graphene.InputField(where, description="At least one related row matches."),
        "none": graphene.InputField(where, description="No related row matches."),
        "every": graphene.InputField(
            where, description="Every related row matches (true when there are none)."
        ),
    }
    meta = type("Meta", (), {"description": f"Conditions on a list of related {spec.type_name} rows."})
    return type(f"{spec.type_name}RelationFilter", (GeneratedInputObjectType,), {**fields, "Meta": meta})
