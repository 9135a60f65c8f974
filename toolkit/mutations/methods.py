"""Method mutations: a model method marked with ``@toolkit.mutation`` becomes a root field.

``Book.publish(self, note: str | None = None) -> bool`` gives
``publishBook(id: ID!, note: String): PublishBookPayload!`` with ``{ok result book errors}``.
Arguments and the result type come from the type hints; a ``ValidationError`` raised by the
method becomes ``FieldError``s (and rolls the method's transaction back).
"""

from __future__ import annotations

import datetime
import decimal
import enum
import inspect
import types
import typing
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import graphene
from django.core.exceptions import ValidationError
from django.db import models, transaction

from toolkit.exceptions import ConfigurationError
from toolkit.mutations.decorators import MethodMutation, method_mutations
from toolkit.mutations.errors import ErrorList
from toolkit.mutations.payloads import error_list
from toolkit.mutations.writer import Writer
from toolkit.naming import pascal_case
from toolkit.permissions import model_permission, require
from toolkit.security import audit
from toolkit.security.policies import CHANGE
from toolkit.types.base import GeneratedObjectType
from toolkit.types.scalars import JSON, Duration

if TYPE_CHECKING:
    from toolkit.registry import ModelSpec
    from toolkit.schema import SchemaBuilder

SCALARS: dict[Any, Any] = {
    int: graphene.Int,
    str: graphene.String,
    bool: graphene.Boolean,
    float: graphene.Float,
    decimal.Decimal: graphene.Decimal,
    datetime.datetime: graphene.DateTime,
    datetime.date: graphene.Date,
    datetime.time: graphene.Time,
    datetime.timedelta: Duration,
    uuid.UUID: graphene.UUID,
    dict: JSON,
    typing.Any: JSON,
}


class TypeMapper:
    """Python type hints to graphene types (``X | None`` is nullable, everything else required)."""

    def __init__(self, builder: SchemaBuilder, where: str) -> None:
        self.builder = builder
        self.where = where

    def __call__(self, hint: Any) -> tuple[Any, bool]:
        """(graphene type, nullable)."""
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin in (typing.Union, types.UnionType):
            inner = [a for a in args if a is not type(None)]
            if len(inner) != 1:
                raise ConfigurationError(f"{self.where}: unions other than 'X | None' are not supported.")
            return self(inner[0])[0], True
        if origin in (list, tuple, set, frozenset) or hint in (list, tuple):
            if not args:
                return JSON, False
            item, item_nullable = self(args[0])
            return graphene.List(item if item_nullable else graphene.NonNull(item)), False
        if hint in SCALARS:
            return SCALARS[hint], False
        if origin is dict:
            return JSON, False
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return self.builder.memo(("python_enum", hint), lambda: graphene.Enum.from_enum(hint)), False
        if isinstance(hint, type) and issubclass(hint, models.Model) and self.builder.is_exposed(hint):
            return self.builder.output_type(hint), False
        if hint is None or hint is type(None):
            return graphene.Boolean, True
        raise ConfigurationError(f"{self.where}: cannot map the type hint {hint!r} to GraphQL.")


def method_fields(builder: SchemaBuilder, spec: ModelSpec) -> dict[str, graphene.Field]:
    fields = {}
    for method_name, (method, options) in method_mutations(spec.model).items():
        root_name = options.name or f"{method_name}_{spec.singular}"
        fields[root_name] = method_field(builder, spec, method_name, method, options, root_name)
    return fields


def method_field(
    builder: SchemaBuilder,
    spec: ModelSpec,
    method_name: str,
    method: Callable[..., Any],
    options: MethodMutation,
    root_name: str,
) -> graphene.Field:
    where = f"{spec.label}.{method_name}"
    hints = typing.get_type_hints(method)
    to_graphql = TypeMapper(builder, where)
    arguments: dict[str, Any] = {"id": graphene.Argument(graphene.NonNull(graphene.ID))}
    converters: dict[str, Any] = {}
    for name, parameter in list(inspect.signature(method).parameters.items())[1:]:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise ConfigurationError(f"{where}: *args and **kwargs cannot be GraphQL arguments.")
        if name not in hints:
            raise ConfigurationError(f"{where}: argument '{name}' needs a type hint.")
        graphql_type, nullable = to_graphql(hints[name])
        has_default = parameter.default is not inspect.Parameter.empty
        extra = {}
        if has_default and type(parameter.default) in (int, float, str, bool):
            extra["default_value"] = parameter.default  # shown in the schema
        # Other defaults stay Python's: an argument the client leaves out is not passed at all.
        arguments[name] = graphene.Argument(
            graphql_type if nullable or has_default else graphene.NonNull(graphql_type), **extra
        )
        if isinstance(hints[name], type) and issubclass(hints[name], enum.Enum):
            converters[name] = hints[name]
    result_type, _ = to_graphql(hints.get("return", typing.Any))
    payload = type(
        f"{pascal_case(root_name)}Payload",
        (GeneratedObjectType,),
        {
            "ok": graphene.Boolean(required=True),
            "result": graphene.Field(result_type, description=f"What {method_name}() returned."),
            spec.singular: graphene.Field(
                lambda: builder.output_type(spec.model), description="The object, refreshed after the call."
            ),
            "errors": error_list(),
            "Meta": type("Meta", (), {"description": f"The result of {spec.type_name}.{method_name}()."}),
        },
    )
    permission = options.permission or model_permission(spec.model, "change")

    def resolve(root: Any, info: Any, id: Any, **kwargs: Any) -> dict[str, Any]:
        require(info, permission if not callable(permission) else lambda user, _: True)
        writer = Writer(builder, info)
        instance = writer.fetch(spec.model, id, "id", action=CHANGE)
        if instance is not None and callable(permission):
            require(info, permission, instance)
        result, errors = None, writer.errors
        if instance is not None:
            arguments = {k: _convert(v, converters.get(k)) for k, v in kwargs.items()}
            result, errors = _call(getattr(instance, method_name), arguments, options.atomic)
            try:
                instance.refresh_from_db()  # what is stored now (a failed call was rolled back)
            except spec.model.DoesNotExist:
                instance = None
        audit.record(
            "mutation",
            model=spec.label,
            operation=method_name,
            object_ids=[str(id)],
            fields=sorted(kwargs),
            ok=not errors,
            error_codes=sorted({e.code for e in errors.items}),
        )
        return {"ok": not errors, "result": result, spec.singular: instance, "errors": errors.items}

    return graphene.Field(
        graphene.NonNull(payload), args=arguments, resolver=resolve, description=options.description
    )


def _convert(value: Any, python_enum: type[enum.Enum] | None) -> Any:
    if python_enum is None or value is None:
        return value
    raw = value.value if isinstance(value, enum.Enum) else value
    return python_enum(raw)


def _call(bound: Callable[..., Any], arguments: dict[str, Any], atomic: bool) -> tuple[Any, ErrorList]:
    errors = ErrorList()
    try:
        if atomic:
            with transaction.atomic():
                return bound(**arguments), errors
        return bound(**arguments), errors
    except ValidationError as exc:
        errors.add_validation_error(exc, "")
        return None, errors
