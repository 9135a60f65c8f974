"""Relation fields: to-one objects, to-many lists with arguments, counts, generic targets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import graphene
from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from toolkit.naming import pascal_case
from toolkit.types.polymorphism import downcast

if TYPE_CHECKING:
    from toolkit.schema import SchemaBuilder


def attribute_name(field: Any) -> str:
    """The attribute on the instance: the field name, or the accessor of a reverse relation."""
    if isinstance(field, models.ForeignObjectRel):
        return field.get_accessor_name()
    return field.name


def related_rows(root: Any, field: Any) -> Any:
    """The related queryset of a to-many relation; many-to-many through a model of your own can
    link the same pair twice (an author with two roles), so those rows are made distinct."""
    queryset = getattr(root, attribute_name(field)).all()
    through = getattr(field, "through", None) or getattr(
        getattr(field, "remote_field", None), "through", None
    )
    if through is not None and not through._meta.auto_created:
        queryset = queryset.distinct()
    return queryset


def to_one_field(builder: SchemaBuilder, field: Any) -> graphene.Field | None:
    target = field.related_model
    if not builder.is_exposed(target):
        return None
    name = attribute_name(field)
    links = builder.child_links(target)

    def resolve(root: Any, info: Any) -> Any:
        try:
            obj = getattr(root, name)
        except ObjectDoesNotExist:
            return None
        if obj is not None and links:
            return builder.fetch_by_pk(target, {obj.pk}).get(obj.pk)
        return obj

    nullable = isinstance(field, models.ForeignObjectRel) or field.null
    output = builder.output_type(target)
    description = getattr(field, "help_text", None) or None
    return graphene.Field(
        output if nullable else graphene.NonNull(output), resolver=resolve, description=description
    )


def list_arguments(builder: SchemaBuilder, target: type[models.Model]) -> dict[str, Any]:
    return {
        "where": graphene.Argument(builder.where_input(target)),
        "order_by": graphene.Argument(graphene.List(graphene.NonNull(builder.order_input(target)))),
        "limit": graphene.Argument(graphene.Int),
        "offset": graphene.Argument(graphene.Int),
    }


def to_many_field(builder: SchemaBuilder, field: Any) -> graphene.Field | None:
    target = field.related_model
    if not builder.is_exposed(target):
        return None

    def resolve(root: Any, info: Any, where=None, order_by=None, limit=None, offset=None) -> list:
        queryset = related_rows(root, field)
        return builder.list_rows(target, queryset, where=where, order_by=order_by, limit=limit, offset=offset)

    return graphene.Field(
        graphene.NonNull(graphene.List(graphene.NonNull(builder.output_type(target)))),
        args=list_arguments(builder, target),
        resolver=resolve,
    )


def count_field(builder: SchemaBuilder, field: Any) -> graphene.Dynamic:
    """``<relation>Count(where:)``: how many related rows match."""
    target = field.related_model
    name = attribute_name(field)

    def make() -> graphene.Field | None:
        if not builder.is_exposed(target):
            return None

        def resolve(root: Any, info: Any, where=None) -> int:
            queryset = related_rows(root, field)
            return builder.filtered(target, queryset, where).count()

        return graphene.Field(
            graphene.NonNull(graphene.Int),
            where=graphene.Argument(builder.where_input(target)),
            resolver=resolve,
            description=f"Number of related rows in '{name}' matching 'where'.",
        )

    return graphene.Dynamic(make)


def generic_fk_field(builder: SchemaBuilder, field: GenericForeignKey) -> graphene.Field | None:
    """A union of the exposed models a generic foreign key may point to."""
    union = builder.generic_union(field)
    if union is None:
        return None
    allowed = union.models

    def resolve(root: Any, info: Any) -> Any:
        obj = getattr(root, field.name)
        if obj is None:
            return None
        obj = downcast(obj, builder.child_links(type(obj))) if builder.child_links(type(obj)) else obj
        return obj if isinstance(obj, allowed) and builder.is_exposed(type(obj)) else None

    return graphene.Field(union, resolver=resolve)


def build_generic_union(
    builder: SchemaBuilder, owner_type_name: str, field: GenericForeignKey, targets: list[type[models.Model]]
) -> type[graphene.Union] | None:
    types = [builder.object_type(m) for m in targets]
    if not types:
        return None

    def resolve_type(cls: Any, instance: Any, info: Any) -> Any:
        return builder.registry.get_type_for_model(type(instance))

    meta = type(
        "Meta",
        (),
        {"types": tuple(types), "description": f"What a {owner_type_name}.{field.name} points to."},
    )
    return type(
        f"{owner_type_name}{pascal_case(field.name)}",
        (graphene.Union,),
        {"Meta": meta, "resolve_type": classmethod(resolve_type), "models": tuple(targets)},
    )
