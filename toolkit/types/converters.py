"""Our conversions, registered on graphene-django's ``convert_django_field`` hook.

Each registration wraps graphene-django's own converter and applies only to types the toolkit
builds (their registry is a :class:`ToolkitRegistry`); hand-written ``DjangoObjectType``s in
the same project keep graphene-django's behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import graphene
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.db import models
from graphene_django.converter import convert_django_field
from graphene_django.registry import Registry

from toolkit.types import relations
from toolkit.types.files import resolve_file
from toolkit.types.scalars import JSON, Duration

if TYPE_CHECKING:
    from toolkit.schema import SchemaBuilder


class ToolkitRegistry(Registry):
    """graphene-django's model->type registry, carrying the schema builder for converters."""

    def __init__(self, builder: SchemaBuilder) -> None:
        super().__init__()
        self.builder = builder


def _register(*field_classes: type) -> Callable:
    def decorator(convert: Callable) -> Callable:
        for field_class in field_classes:
            original = convert_django_field.dispatch(field_class)

            def wrapper(field: Any, registry: Any = None, _original: Callable = original) -> Any:
                if isinstance(registry, ToolkitRegistry):
                    return convert(field, registry.builder)
                return _original(field, registry)

            convert_django_field.register(field_class)(wrapper)
        return convert

    return decorator


def _description(field: Any) -> str | None:
    return str(field.help_text) if getattr(field, "help_text", None) else None


@_register(models.FileField)
def convert_file(field: models.FileField, builder: SchemaBuilder) -> graphene.Field:
    return graphene.Field(
        builder.file_info(), resolver=resolve_file(field.attname), description=_description(field)
    )


@_register(models.BigIntegerField, models.PositiveBigIntegerField)
def convert_big_integer(field: models.BigIntegerField, builder: SchemaBuilder) -> Any:
    return graphene.BigInt(required=not field.null, description=_description(field))


@_register(models.JSONField)
def convert_json(field: models.JSONField, builder: SchemaBuilder) -> Any:
    return JSON(required=not field.null, description=_description(field))


@_register(models.DurationField)
def convert_duration(field: models.DurationField, builder: SchemaBuilder) -> Any:
    return Duration(required=not field.null, description=_description(field))


@_register(models.ForeignKey, models.OneToOneField, models.OneToOneRel)
def convert_to_one(field: Any, builder: SchemaBuilder) -> graphene.Dynamic:
    return graphene.Dynamic(lambda: relations.to_one_field(builder, field))


@_register(models.ManyToManyField, models.ManyToManyRel, models.ManyToOneRel, GenericRelation)
def convert_to_many(field: Any, builder: SchemaBuilder) -> graphene.Dynamic:
    return graphene.Dynamic(lambda: relations.to_many_field(builder, field))


@_register(GenericForeignKey)
def convert_generic_foreign_key(field: GenericForeignKey, builder: SchemaBuilder) -> graphene.Dynamic:
    return graphene.Dynamic(lambda: relations.generic_fk_field(builder, field))
