"""Relation fields: to-one objects, to-many lists with arguments, counts, generic targets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import graphene
from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from toolkit import caching
from toolkit.naming import pascal_case
from toolkit.optimizer.planner import needs_distinct, prefetched_whole
from toolkit.optimizer.selection import cache_key
from toolkit.pagination import check_offset, check_size
from toolkit.security.policies import is_restricted
from toolkit.types.polymorphism import downcast, downcast_all

if TYPE_CHECKING:
    from toolkit.schema import SchemaBuilder


def attribute_name(field: Any) -> str:
    """The attribute on the instance: the field name, or the accessor of a reverse relation."""
    if isinstance(field, models.ForeignObjectRel):
        return field.get_accessor_name()
    return field.name


def related_rows(builder: SchemaBuilder, root: Any, field: Any) -> Any:
    """The related rows of a to-many relation the caller may see; many-to-many through a model of
    your own can link the same pair twice (an author with two roles), so those are made distinct."""
    queryset = builder.restrict(field.related_model, getattr(root, attribute_name(field)).all())
    return queryset.distinct() if needs_distinct(field) else queryset


def to_one_field(builder: SchemaBuilder, field: Any) -> graphene.Field | None:
    target = field.related_model
    if not builder.is_exposed(target):
        return None
    name = attribute_name(field)
    # Rows some callers may not see, or a polymorphic target, go through the builder (or the
    # planner's scoped prefetch, which fills the relation's cache).
    links = builder.child_links(target)
    checked = bool(links) or is_restricted(builder.spec(target))
    forward = not isinstance(field, models.ForeignObjectRel)

    def resolve(root: Any, info: Any) -> Any:
        caching.read(target)
        if checked and field.is_cached(root):
            return downcast(field.get_cached_value(root), links)
        if checked and forward:
            pk = getattr(root, field.attname)
        else:
            try:
                obj = getattr(root, name)
            except ObjectDoesNotExist:
                return None
            if not checked or obj is None:
                return obj
            pk = obj.pk
        return builder.fetch_by_pk(target, {pk}).get(pk) if pk is not None else None

    nullable = not forward or field.null or is_restricted(builder.spec(target))
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

    name = attribute_name(field)
    links = builder.child_links(target)
    unsliced = prefetched_whole(field)

    def resolve(root: Any, info: Any, where=None, order_by=None, limit=None, offset=None) -> list:
        args = {"where": where, "order_by": order_by, "limit": limit, "offset": offset}
        planned = root.__dict__.get(cache_key(name, args))
        if planned is not None:  # prefetched by the planner with exactly these arguments
            if unsliced:
                start = check_offset(offset, "offset")
                planned = planned[start : start + check_size(limit, "limit")]
            return downcast_all(planned, links)
        queryset = related_rows(builder, root, field)
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
            planned = root.__dict__.get(cache_key(f"{name}_count", {"where": where}))
            if planned is not None:
                return planned
            queryset = related_rows(builder, root, field)
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
        cached = field.is_cached(root)
        obj = getattr(root, field.name)
        if obj is None or not isinstance(obj, allowed) or not builder.is_exposed(type(obj)):
            return None
        if cached:  # the planner's GenericPrefetch used scoped querysets
            return downcast(obj, builder.child_links(type(obj)))
        if builder.child_links(type(obj)) or is_restricted(builder.spec(type(obj))):
            return builder.fetch_by_pk(type(obj), {obj.pk}).get(obj.pk)
        return obj

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
