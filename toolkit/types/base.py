"""Base classes for generated object types, without graphene's per-class dataclass.

graphene builds a dataclass for every ``ObjectType`` subclass so instances can be constructed
(``Book(title=...)``). Generated types are never instantiated — resolvers return model instances,
dicts and plain objects — and that dataclass was most of the schema build time (about 1.5 ms per
type, thousands of types for a large app), so these skip it.
"""

from __future__ import annotations

from typing import Any

import graphene
from graphene.types.base import BaseTypeMeta
from graphene.types.objecttype import ObjectTypeMeta
from graphene_django import DjangoObjectType


class GeneratedTypeMeta(ObjectTypeMeta):
    def __new__(cls, name_: str, bases: tuple, namespace: dict, **options: Any) -> Any:
        return BaseTypeMeta.__new__(cls, name_, bases, namespace, **options)


class GeneratedObjectType(graphene.ObjectType, metaclass=GeneratedTypeMeta):
    """An object type that is never instantiated (a result shape)."""


class GeneratedDjangoObjectType(DjangoObjectType, metaclass=GeneratedTypeMeta):
    """A model's type: resolvers return model instances, never instances of the type.

    graphene-django checks ``is_type_of`` on every object a query returns; the toolkit's resolvers
    only ever return rows of the right model (interfaces and unions resolve through their own
    ``resolve_type``), so the check is switched off."""

    is_type_of = None

    class Meta:
        abstract = True


class GeneratedInputObjectType(graphene.InputObjectType):
    """An input type whose values reach resolvers as plain dicts.

    graphene gives every input type a container class of its own (a dict subclass that also sets
    each field as an attribute on every value it parses). The toolkit reads inputs as mappings
    only, so generated inputs share ``dict``: one class fewer per input type at build time, and
    no per-field ``setattr`` per parsed value."""

    class Meta:
        abstract = True

    @classmethod
    def __init_subclass_with_meta__(cls, container: Any = None, **options: Any) -> None:
        super().__init_subclass_with_meta__(container=container or dict, **options)
