"""Turn a ``<Model>Where`` argument into a Django ``Q``.

Keys at one level are ANDed; ``AND``/``OR``/``NOT`` compose at any depth. A to-one relation
takes the related ``Where`` (an ``IN`` sub-query on the related model's queryset); a to-many
relation takes ``{some, none, every}`` (``EXISTS`` sub-queries), so rows are never duplicated.
Every mistake the GraphQL types cannot catch is a ``BadUserInput`` naming the argument path.
"""

from __future__ import annotations

import enum
import re
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q

from toolkit.exceptions import BadUserInput
from toolkit.fieldkinds import Kind
from toolkit.filters.operators import DATE_PARTS, LOOKUPS
from toolkit.ids import MAX_BIGINT, to_pk

if TYPE_CHECKING:
    from toolkit.schema import SchemaBuilder

COMBINATORS = ("AND", "OR", "NOT")


class WhereCompiler:
    """Compiles ``Where`` values for one schema (it knows the names and the exposed models)."""

    def __init__(self, builder: SchemaBuilder) -> None:
        self.builder = builder

    def compile(self, model: type[models.Model], where: dict | None, path: str = "where") -> Q:
        if where is None:
            return Q()
        spec = self.builder.spec(model)
        q = Q()
        for key, value in where.items():
            shown = f"{path}.{self.builder.display(key)}"
            if key in COMBINATORS:
                q &= self._combine(model, key, value, shown)
            elif key in spec.fields and key in spec.filterable:
                q &= self._field(model, spec.fields[key], value, shown)
            else:
                raise BadUserInput(f"Argument '{shown}' is not a filterable field.", argument=shown)
        return q

    def _combine(self, model: type[models.Model], key: str, value: Any, path: str) -> Q:
        if value is None:
            raise BadUserInput(f"Argument '{path}' must not be null.", argument=path)
        if key == "NOT":
            return ~self.compile(model, value, path)
        parts = [self.compile(model, item, f"{path}[{i}]") for i, item in enumerate(value)]
        if key == "AND":
            combined = Q()
            for part in parts:
                combined &= part
            return combined
        if not parts:
            return Q(pk__in=[])  # OR over nothing matches nothing
        combined = parts[0]
        for part in parts[1:]:
            combined |= part
        return combined

    def _field(self, model: type[models.Model], fs: Any, value: Any, path: str) -> Q:
        if fs.kind == Kind.TO_ONE:
            return self._to_one(fs, value, path)
        if fs.kind == Kind.TO_MANY:
            return self._to_many(model, fs, value, path)
        if value is None:
            raise BadUserInput(f"Argument '{path}' must not be null.", argument=path)
        return self._operators(fs, fs.name, value, path)

    # -- scalar operators ---------------------------------------------------------------------
    def _operators(self, fs: Any, lookup_path: str, ops: dict, path: str) -> Q:
        q = Q()
        for op, raw in ops.items():
            shown = f"{path}.{self.builder.display(op)}"
            if op in DATE_PARTS:
                if raw is None:
                    raise BadUserInput(f"Argument '{shown}' must not be null.", argument=shown)
                q &= self._operators(_IntPart, f"{lookup_path}__{op}", raw, shown)
                continue
            lookup, negated = LOOKUPS[op]
            if raw is None:
                if op not in ("eq", "ne"):
                    raise BadUserInput(f"Argument '{shown}' must not be null.", argument=shown)
                lookup, raw = "isnull", op == "eq"
                negated = False
            value = self._value(fs, op, raw, shown)
            if op == "contains" and fs.kind == Kind.JSON:
                condition = self._json_contains(lookup_path, value, shown)
            elif lookup == "isnull" and fs.kind == Kind.FILE:
                # Django stores an empty file field as "", which the API shows as null.
                empty = Q(**{f"{lookup_path}__isnull": True}) | Q(**{lookup_path: ""})
                condition = empty if value else ~empty
            else:
                condition = Q(**{f"{lookup_path}__{lookup}": value})
            q &= ~condition if negated else condition
        return q

    def _value(self, fs: Any, op: str, raw: Any, path: str) -> Any:
        if op in ("is_null",):
            return bool(raw)
        if op in ("in_", "not_in", "range"):
            values = [self._scalar(fs, v, path) for v in raw]
            if op == "range" and len(values) != 2:
                raise BadUserInput(
                    f"Argument '{path}' must have exactly two values [low, high], got {len(values)}.",
                    argument=path,
                )
            return values
        if op in ("regex", "i_regex"):
            try:
                re.compile(raw)
            except re.error as exc:
                raise BadUserInput(
                    f"Argument '{path}' is not a valid regular expression: {exc}.", argument=path
                ) from None
        if op == "has_key":
            return self._scalar(_Text, raw, path)
        if fs.kind == Kind.JSON:
            return raw
        return self._scalar(fs, raw, path)

    def _scalar(self, fs: Any, value: Any, path: str) -> Any:
        if isinstance(value, enum.Enum):
            value = value.value
        if isinstance(value, str) and "\x00" in value:
            raise BadUserInput(f"Argument '{path}' must not contain NUL characters.", argument=path)
        if fs.kind == Kind.ID:
            try:
                return to_pk(fs.field, value)
            except ValueError:
                raise BadUserInput(f"Argument '{path}' has an invalid id {value!r}.", argument=path) from None
        if fs.kind == Kind.BIGINT and isinstance(value, int) and abs(value) > MAX_BIGINT:
            raise BadUserInput(f"Argument '{path}' is out of the 64-bit integer range.", argument=path)
        return value

    def _json_contains(self, lookup_path: str, value: Any, path: str) -> Q:
        if connection.features.supports_json_field_contains:
            return Q(**{f"{lookup_path}__contains": value})
        # SQLite has no JSON containment: match each key of an object by key transforms.
        if not isinstance(value, dict):
            raise BadUserInput(
                f"Argument '{path}' must be an object on this database (arrays need PostgreSQL).",
                argument=path,
            )
        q = Q()
        for key, item in value.items():
            if isinstance(item, dict) and item:
                q &= self._json_contains(f"{lookup_path}__{key}", item, path)
            elif isinstance(item, (list, dict)):
                raise BadUserInput(
                    f"Argument '{path}' cannot match nested arrays on this database.", argument=path
                )
            else:
                q &= Q(**{f"{lookup_path}__{key}": item})
        return q

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
        q = Q()
        for quantifier, where in value.items():
            shown = f"{path}.{quantifier}"
            if where is None:
                raise BadUserInput(f"Argument '{shown}' must not be null.", argument=shown)
            target = fs.related_model
            linked = self.builder.queryset(target).filter(_link_to_outer(model, fs.field))
            condition = self.compile(target, where, shown)
            if quantifier == "some":
                q &= Q(Exists(linked.filter(condition)))
            elif quantifier == "none":
                q &= ~Q(Exists(linked.filter(condition)))
            else:  # every: no related row fails the condition
                q &= ~Q(Exists(linked.exclude(condition)))
        return q


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


class _IntPart:
    """Stand-in field spec for date parts (``year``/``month``/``day`` take an IntFilter)."""

    kind = Kind.INT


class _Text:
    kind = Kind.STRING
