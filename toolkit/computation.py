"""Computed fields: model methods exposed as read-only fields, optionally cached.

::

    from toolkit import computed

    class Publisher(models.Model):
        @computed(cache=300, depends_on=["demo.Book", "demo.Review"], requires=["id"])
        def average_rating(self) -> float | None:
            "Mean rating of every review of the publisher's books."
            return Review.objects.filter(book__publisher=self).aggregate(a=Avg("rating"))["a"]

The GraphQL type comes from the return annotation (``int``, ``float``, ``str``, ``bool``,
``Decimal``, ``date``, ``datetime``, ``dict``/``list`` as JSON; ``X | None`` is nullable) or from
``computed(graphene.Int)``. ``exclude``, ``fields``, ``allow_sensitive`` and ``field_policies``
apply to them like to model fields.

``cache=seconds`` opts the field into the field cache: a value is kept per row in Django's cache,
keyed by the versions of the model and of every ``depends_on`` model — the versions the result
cache uses, bumped by model signals — so a committed write to any of them makes the next read
compute afresh. The value must not depend on the caller (it is shared by everyone who may see the
field). Mutations always compute afresh: their own writes are not committed yet.
``requires`` lists the columns the method reads, so the query planner loads only those (default:
every column of the row).
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import graphene
from django.apps import apps
from django.core.cache import cache
from django.db import models
from graphql import OperationType

from toolkit import caching
from toolkit.conf import get_config

ATTRIBUTE = "toolkit_computed"
_MISSING = object()

_PYTHON_TYPES: dict[Any, Any] = {
    int: graphene.Int,
    float: graphene.Float,
    str: graphene.String,
    bool: graphene.Boolean,
    datetime.date: graphene.Date,
    datetime.datetime: graphene.DateTime,
    datetime.time: graphene.Time,
}


@dataclass(frozen=True)
class ComputedField:
    name: str
    func: Callable[[models.Model], Any]
    output: Any  # a graphene type, possibly NonNull; None until resolved from the annotation
    cache: int | None
    depends_on: tuple[str, ...]
    requires: tuple[str, ...] | None
    description: str | None

    def graphql_type(self) -> Any:
        return self.output if self.output is not None else type_from_annotation(self.func)


def computed(
    output: Any = None,
    *,
    cache: int | None = None,
    depends_on: Sequence[str] = (),
    requires: Sequence[str] | None = None,
    description: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Expose a model method (taking only ``self``) as a read-only field; see the module doc."""
    if callable(output) and not isinstance(output, type) and not hasattr(output, "_meta"):
        return computed()(output)  # used bare: @computed

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        doc = (func.__doc__ or "").strip() or None
        setattr(
            func,
            ATTRIBUTE,
            ComputedField(
                name=func.__name__,
                func=func,
                output=output,
                cache=cache,
                depends_on=tuple(depends_on),
                requires=tuple(requires) if requires is not None else None,
                description=description or doc,
            ),
        )
        return func

    return decorate


def type_from_annotation(func: Callable[..., Any]) -> Any:
    """The graphene type of a method's return annotation (``T | None`` is nullable)."""
    from toolkit.types.scalars import JSON

    annotation = typing.get_type_hints(func).get("return", _MISSING)
    nullable = False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        nullable = len(members) < len(typing.get_args(annotation))
        annotation = members[0] if len(members) == 1 else _MISSING
    origin = typing.get_origin(annotation) or annotation
    if origin in _PYTHON_TYPES:
        scalar = _PYTHON_TYPES[origin]
    elif origin is decimal.Decimal:
        scalar = graphene.Decimal
    elif origin in (dict, list):
        scalar = JSON
    else:
        raise TypeError(
            f"computed field {func.__qualname__}: cannot tell its GraphQL type from the return "
            f"annotation {annotation!r}; annotate it or pass a graphene type to @computed(...)."
        )
    return scalar if nullable else graphene.NonNull(scalar)


def computed_fields(model: type[models.Model]) -> dict[str, ComputedField]:
    """The ``@computed`` methods of ``model`` and its bases, by name."""
    found: dict[str, ComputedField] = {}
    for klass in reversed(model.__mro__):
        for name, value in vars(klass).items():
            spec = getattr(value, ATTRIBUTE, None)
            if isinstance(spec, ComputedField):
                found[name] = spec
    return found


def problems_of(model: type[models.Model], field: ComputedField) -> list[str]:
    """What is wrong with a computed field's declaration (messages for a system check)."""
    problems = []
    for label in field.depends_on:
        try:
            apps.get_model(label)
        except (LookupError, ValueError):
            problems.append(f"computed field '{field.name}': depends_on names an unknown model '{label}'.")
    for column in field.requires or ():
        try:
            model._meta.get_field(column)
        except Exception:  # FieldDoesNotExist
            problems.append(f"computed field '{field.name}': requires names an unknown field '{column}'.")
    try:
        field.graphql_type()
    except TypeError as exc:
        problems.append(str(exc))
    if field.cache is not None and (not isinstance(field.cache, int) or field.cache <= 0):
        problems.append(f"computed field '{field.name}': cache must be a number of seconds > 0.")
    return problems


def resolver(model: type[models.Model], field: ComputedField) -> Callable[..., Any]:
    """The field's resolver: the method's value, from the field cache when it opts in."""
    dependencies = [model, *(apps.get_model(label) for label in field.depends_on)]

    def resolve(root: models.Model, info: Any) -> Any:
        for dependency in dependencies:
            caching.read(dependency)  # results that show this field depend on these models too
        if (
            not field.cache
            or not get_config()["COMPUTED_FIELD_CACHE"]
            or info.operation.operation != OperationType.QUERY
        ):
            return field.func(root)
        key = _key(model, field, root.pk, dependencies)
        value = cache.get(key, _MISSING)
        if value is _MISSING:
            value = field.func(root)
            cache.set(key, value, field.cache)
        return value

    return resolve


def _key(model: type[models.Model], field: ComputedField, pk: Any, dependencies: list[Any]) -> str:
    labels = sorted({label for dependency in dependencies for label in caching.labels_for(dependency)})
    current = caching.current_versions(labels)
    versions = ",".join(f"{label}={current[label]}" for label in labels)
    digest = hashlib.sha256(f"{versions}|{pk}".encode()).hexdigest()[:32]
    return f"toolkit:computed:{model._meta.label_lower}:{field.name}:{digest}"
