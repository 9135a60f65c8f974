"""Object types (graphene-django ``DjangoObjectType``s) and the interfaces of polymorphic parents."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import graphene
from graphene.types.utils import yank_fields_from_attrs
from graphene_django import DjangoObjectType
from graphene_django.converter import convert_django_field_with_choices
from graphene_django.types import construct_fields
from graphene_django.utils import get_model_fields

from toolkit.computation import resolver as computed_resolver
from toolkit.fieldkinds import Kind
from toolkit.security.context import current_user
from toolkit.security.policies import field_rule
from toolkit.types.base import GeneratedDjangoObjectType
from toolkit.types.relations import count_field

if TYPE_CHECKING:
    from toolkit.registry import ModelSpec
    from toolkit.schema import SchemaBuilder


def _split_fields(spec: ModelSpec) -> tuple[list[str], list[str]]:
    """(fields graphene-django discovers itself, fields we convert explicitly)."""
    discovered = {name for name, _ in get_model_fields(spec.model)}
    own = [n for n in spec.fields if n in discovered]
    extra = [n for n in spec.fields if n not in discovered]
    return own, extra


def _extra_attrs(builder: SchemaBuilder, spec: ModelSpec, extra: list[str]) -> dict[str, Any]:
    """Fields graphene-django does not discover (generic relations, inherited reverse
    relations) and the ``<relation>_count`` companions of to-many relations."""
    attrs: dict[str, Any] = {}
    for name in extra:
        attrs[name] = convert_django_field_with_choices(spec.fields[name].field, builder.registry)
    for name, fs in spec.fields.items():
        if fs.kind == Kind.TO_MANY:
            attrs[f"{name}_count"] = count_field(builder, fs.field)
    for name, method in spec.computed.items():
        attrs[name] = graphene.Field(
            method.graphql_type(),
            resolver=computed_resolver(spec.model, method),
            description=method.description,
        )
    return attrs


def _in_model_order(spec: ModelSpec, fields: dict[str, Any]) -> None:
    """Reorder fields as declared on the model, each count right after its relation (graphene
    orders by creation, and choice enums are created before the rest)."""
    order = []
    for name in spec.fields:
        order += [name, f"{name}_count"]
    ordered = {n: fields[n] for n in order if n in fields}
    ordered |= {n: f for n, f in fields.items() if n not in ordered}
    fields.clear()
    fields.update(ordered)


def _apply_field_policies(spec: ModelSpec, fields: dict[str, Any]) -> None:
    """Fields with a visibility rule become nullable and resolve to null (or a masked value)
    for callers the rule does not admit."""
    for name in spec.options.field_policies:
        field = fields.get(name)
        if field is None or isinstance(field, graphene.Dynamic):
            continue  # relations are governed by the related model's policy and scope
        rule = field_rule(spec, name)
        field_type = field.type.of_type if isinstance(field.type, graphene.NonNull) else field.type
        fields[name] = field.__class__(
            field_type,
            resolver=_guarded(spec, name, rule, field.resolver),
            description=field.description,
        )


def _guarded(spec: ModelSpec, name: str, rule: Any, resolver: Any) -> Any:
    def resolve(root: Any, info: Any, **kwargs: Any) -> Any:
        value = resolver(root, info, **kwargs) if resolver else getattr(root, name, None)
        if rule.applies_to(current_user(), spec.model):
            return value
        return rule.hidden_value(value)

    return resolve


def build_object_type(builder: SchemaBuilder, spec: ModelSpec) -> type[DjangoObjectType]:
    own, extra = _split_fields(spec)
    meta = type(
        "Meta",
        (),
        {
            "model": spec.model,
            "registry": builder.registry,
            "fields": own,
            "name": spec.type_name,
            "description": spec.options.description,
            "interfaces": builder.interfaces_of(spec.model),
            "skip_registry": False,
        },
    )
    object_type = type(
        spec.type_name, (GeneratedDjangoObjectType,), {"Meta": meta, **_extra_attrs(builder, spec, extra)}
    )
    _apply_field_policies(spec, object_type._meta.fields)
    _in_model_order(spec, object_type._meta.fields)
    return object_type


def build_interface(builder: SchemaBuilder, spec: ModelSpec) -> type[graphene.Interface]:
    """``<Model>Interface``: the parent's fields, implemented by the parent and its children."""
    own, extra = _split_fields(spec)
    fields = yank_fields_from_attrs(
        construct_fields(spec.model, builder.registry, own, None), _as=graphene.Field
    )
    fields.update(yank_fields_from_attrs(_extra_attrs(builder, spec, extra), _as=graphene.Field))
    _apply_field_policies(spec, fields)
    _in_model_order(spec, fields)

    def resolve_type(cls: Any, instance: Any, info: Any) -> Any:
        return builder.registry.get_type_for_model(type(instance))

    meta = type(
        "Meta",
        (),
        {
            "name": f"{spec.type_name}Interface",
            "description": f"Fields shared by {spec.type_name} and its subtypes.",
        },
    )
    return type(
        f"{spec.type_name}Interface",
        (graphene.Interface,),
        {**fields, "Meta": meta, "resolve_type": classmethod(resolve_type)},
    )
