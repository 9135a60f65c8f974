"""Turn a ``<Model>Where`` argument into a Django ``Q``.

Keys at one level are ANDed; ``AND``/``OR``/``NOT`` compose at any depth. A to-one relation
takes the related ``Where`` (an ``IN`` sub-query on the related model's queryset); a to-many
relation takes ``{some, none, every}`` (``EXISTS`` sub-queries), so rows are never duplicated.
Every mistake the GraphQL types cannot catch is a ``BadUserInput`` naming the argument path.
"""

from __future__ import annotations

import functools
import operator
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import Exists, ExpressionWrapper, F, OuterRef, Q
from django.db.models.fields.json import KeyTransform, KeyTransformExact, KeyTransformIsNull

from toolkit.exceptions import BadUserInput
from toolkit.fieldkinds import Kind
from toolkit.filters.operators import DATE_PARTS, LOOKUPS
from toolkit.filters.values import check_json, check_regex, check_scalar

if TYPE_CHECKING:
    from toolkit.schema import SchemaBuilder

COMBINATORS = ("AND", "OR", "NOT")
#: Explicit truth values: Django reads an empty ``Q()`` as "no condition", which would make
#: ``NOT {}`` match everything and ``OR: [{}, x]`` collapse to ``x``.
TRUE = Q(pk__isnull=False)
FALSE = Q(pk__in=[])


def all_of(parts: list[Q]) -> Q:
    if not parts:
        return TRUE
    return functools.reduce(operator.and_, parts)


def any_of(parts: list[Q]) -> Q:
    if not parts:
        return FALSE
    return functools.reduce(operator.or_, parts)


class WhereCompiler:
    """Compiles ``Where`` values for one schema (it knows the names and the exposed models)."""

    def __init__(self, builder: SchemaBuilder) -> None:
        self.builder = builder

    def compile(self, model: type[models.Model], where: dict, path: str = "where") -> Q:
        spec = self.builder.spec(model)
        parts = []
        for key, value in where.items():
            shown = f"{path}.{self.builder.display(key)}"
            if key in COMBINATORS:
                parts.append(self._combine(model, key, value, shown))
            elif key in spec.fields and key in spec.filterable:
                self.builder.require_visible(model, key, shown)
                parts.append(self._field(model, spec.fields[key], value, shown))
            else:
                raise BadUserInput(f"Argument '{shown}' is not a filterable field.", argument=shown)
        return all_of(parts)

    def _combine(self, model: type[models.Model], key: str, value: Any, path: str) -> Q:
        if value is None:
            raise BadUserInput(f"Argument '{path}' must not be null.", argument=path)
        if key == "NOT":
            return ~self.compile(model, value, path)
        parts = [self.compile(model, item, f"{path}[{i}]") for i, item in enumerate(value)]
        return all_of(parts) if key == "AND" else any_of(parts)

    def _field(self, model: type[models.Model], fs: Any, value: Any, path: str) -> Q:
        if fs.kind == Kind.TO_ONE:
            return self._to_one(fs, value, path)
        if fs.kind == Kind.TO_MANY:
            return self._to_many(model, fs, value, path)
        if value is None:
            raise BadUserInput(f"Argument '{path}' must not be null.", argument=path)
        return self._operators(fs.kind, fs.field, fs.name, value, path)

    # -- scalar operators ---------------------------------------------------------------------
    def _operators(self, kind: Kind, field: Any, lookup_path: str, ops: dict, path: str) -> Q:
        parts = []
        for op, raw in ops.items():
            shown = f"{path}.{self.builder.display(op)}"
            if raw is None and op not in ("eq", "ne"):
                raise BadUserInput(f"Argument '{shown}' must not be null.", argument=shown)
            if op in DATE_PARTS:
                parts.append(self._operators(Kind.INT, None, f"{lookup_path}__{op}", raw, shown))
                continue
            lookup, negated = LOOKUPS[op]
            if raw is None:  # eq: null is IS NULL, ne: null is IS NOT NULL
                lookup, raw, negated = "isnull", op == "eq", False
            if kind == Kind.JSON and op == "contains":
                condition = self._json_contains(lookup_path, check_json(raw, shown), shown)
            elif lookup == "isnull":
                condition = _is_null(kind, lookup_path, bool(raw))
            else:
                value = self._value(kind, field, op, raw, shown)
                condition = Q(**{f"{lookup_path}__{lookup}": value})
            parts.append(~condition if negated else condition)
        return all_of(parts)

    def _value(self, kind: Kind, field: Any, op: str, raw: Any, path: str) -> Any:
        if op in ("in_", "not_in", "range"):
            values = [check_scalar(kind, field, op, v, path) for v in raw]
            if op == "range" and len(values) != 2:
                raise BadUserInput(
                    f"Argument '{path}' must have exactly two values [low, high], got {len(values)}.",
                    argument=path,
                )
            return values
        if op in ("regex", "i_regex"):
            return check_regex(check_scalar(kind, field, op, raw, path), path)
        if op == "has_key":
            return check_scalar(Kind.STRING, None, op, raw, path)
        return check_scalar(kind, field, op, raw, path)

    def _json_contains(self, lookup_path: str, value: Any, path: str) -> Q:
        if connection.features.supports_json_field_contains:
            return Q(**{f"{lookup_path}__contains": value})
        # SQLite has no JSON containment: match each key of an object through key transforms
        # (expressions, so a client's key is never read as an ORM lookup).
        if not isinstance(value, dict):
            raise BadUserInput(
                f"Argument '{path}' must be an object on this database (arrays need PostgreSQL).",
                argument=path,
            )
        column = ExpressionWrapper(F(lookup_path), output_field=models.JSONField())
        return _json_object_contains(column, value, path)

    # -- relations ----------------------------------------------------------------------------
    def _to_one(self, fs: Any, value: Any, path: str) -> Q:
        if value is None:
            return Q(**{f"{fs.name}__isnull": True})
        target = fs.related_model
        related = self.builder.queryset(target).filter(self.compile(target, value, path))
        return Q(**{f"{fs.name}__in": related.values("pk")})

    def _to_many(self, model: type[models.Model], fs: Any, value: Any, path: str) -> Q:
        if value is None:
            raise BadUserInput(f"Argument '{path}' must not be null.", argument=path)
        parts = []
        for quantifier, where in value.items():
            shown = f"{path}.{quantifier}"
            if where is None:
                raise BadUserInput(f"Argument '{shown}' must not be null.", argument=shown)
            target = fs.related_model
            linked = self.builder.queryset(target).filter(_link_to_outer(model, fs.field))
            condition = self.compile(target, where, shown)
            if quantifier == "some":
                parts.append(Q(Exists(linked.filter(condition))))
            elif quantifier == "none":
                parts.append(~Q(Exists(linked.filter(condition))))
            else:  # every: no related row fails the condition
                parts.append(~Q(Exists(linked.filter(~condition))))
        return all_of(parts)


def _is_null(kind: Kind, lookup_path: str, wanted: bool) -> Q:
    condition = Q(**{f"{lookup_path}__isnull": True})
    if kind == Kind.FILE:  # Django stores an empty file field as "", which the API shows as null
        condition |= Q(**{lookup_path: ""})
    return condition if wanted else ~condition


def _json_object_contains(lhs: Any, value: dict, path: str) -> Q:
    parts = []
    for key, item in value.items():
        transform = KeyTransform(str(key), lhs)
        if isinstance(item, dict):
            if item:
                parts.append(_json_object_contains(transform, item, path))
            else:  # {} is contained in any object: the key must be there
                parts.append(Q(KeyTransformIsNull(transform, False)))
        elif isinstance(item, list):
            raise BadUserInput(f"Argument '{path}' cannot match arrays on this database.", argument=path)
        else:
            parts.append(Q(KeyTransformExact(transform, item)))
    return all_of(parts)


def _link_to_outer(model: type[models.Model], field: Any) -> Q:
    """A condition on the related model tying its rows to the outer query's row."""
    if isinstance(field, GenericRelation):
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=field.for_concrete_model)
        return Q(
            **{
                field.content_type_field_name: content_type,
                field.object_id_field_name: OuterRef("pk"),
            }
        )
    if isinstance(field, models.ManyToManyField):
        return Q(**{field.related_query_name(): OuterRef("pk")})
    # Reverse foreign key or reverse many-to-many: the forward field lives on the related model.
    forward = field.field
    if isinstance(field, models.ManyToOneRel) and not isinstance(field, models.ManyToManyRel):
        return Q(**{forward.name: OuterRef(forward.target_field.attname)})
    return Q(**{forward.name: OuterRef("pk")})
