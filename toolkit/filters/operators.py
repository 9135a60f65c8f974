"""Operator inputs (``StringFilter``, ``IntFilter``, ...) and the Django lookup of each operator.

One operator input per kind of value. The Python attribute names are snake_case
(``i_contains``); graphene's auto camel-casing turns them into ``iContains``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import graphene

from toolkit.fieldkinds import Kind
from toolkit.types.base import GeneratedInputObjectType
from toolkit.types.scalars import JSON, Duration

#: operator -> (Django lookup, negated)
LOOKUPS: dict[str, tuple[str, bool]] = {
    "eq": ("exact", False),
    "ne": ("exact", True),
    "in_": ("in", False),
    "not_in": ("in", True),
    "contains": ("contains", False),
    "i_contains": ("icontains", False),
    "starts_with": ("startswith", False),
    "i_starts_with": ("istartswith", False),
    "ends_with": ("endswith", False),
    "i_ends_with": ("iendswith", False),
    "i_exact": ("iexact", False),
    "gt": ("gt", False),
    "gte": ("gte", False),
    "lt": ("lt", False),
    "lte": ("lte", False),
    "range": ("range", False),
    "is_null": ("isnull", False),
    "has_key": ("has_key", False),
    "regex": ("regex", False),
    "i_regex": ("iregex", False),
}
#: Date parts whose value is itself an ``IntFilter``.
DATE_PARTS = ("year", "month", "day")

SCALARS: dict[Kind, Any] = {
    Kind.ID: graphene.ID,
    Kind.STRING: graphene.String,
    Kind.FILE: graphene.String,
    Kind.INT: graphene.Int,
    Kind.BIGINT: graphene.BigInt,
    Kind.FLOAT: graphene.Float,
    Kind.DECIMAL: graphene.Decimal,
    Kind.DATE: graphene.Date,
    Kind.DATETIME: graphene.DateTime,
    Kind.TIME: graphene.Time,
    Kind.DURATION: Duration,
    Kind.UUID: graphene.UUID,
    Kind.BOOLEAN: graphene.Boolean,
}

FILTER_NAMES: dict[Kind, str] = {
    Kind.ID: "IDFilter",
    Kind.STRING: "StringFilter",
    Kind.INT: "IntFilter",
    Kind.BIGINT: "BigIntFilter",
    Kind.FLOAT: "FloatFilter",
    Kind.DECIMAL: "DecimalFilter",
    Kind.DATE: "DateFilter",
    Kind.DATETIME: "DateTimeFilter",
    Kind.TIME: "TimeFilter",
    Kind.DURATION: "DurationFilter",
    Kind.UUID: "UUIDFilter",
    Kind.BOOLEAN: "BooleanFilter",
    Kind.JSON: "JSONFilter",
}
LABELS = {
    Kind.ID: "primary key",
    Kind.BIGINT: "64-bit integer",
    Kind.INT: "integer",
    Kind.UUID: "UUID",
    Kind.DATETIME: "date-time",
}
#: Every name this module may create, so model type names can be checked against them.
RESERVED_NAMES = frozenset(FILTER_NAMES.values()) | {"StringRegexFilter"}


def _equality(scalar: Any) -> dict[str, Any]:
    return {
        "eq": graphene.InputField(scalar, description="Equal to; null means IS NULL."),
        "ne": graphene.InputField(scalar, description="Not equal to; null means IS NOT NULL."),
        "in_": graphene.InputField(graphene.List(graphene.NonNull(scalar)), name="in"),
        "not_in": graphene.InputField(graphene.List(graphene.NonNull(scalar))),
        "is_null": graphene.InputField(graphene.Boolean),
    }


def _comparison(scalar: Any) -> dict[str, Any]:
    return {
        "gt": graphene.InputField(scalar),
        "gte": graphene.InputField(scalar),
        "lt": graphene.InputField(scalar),
        "lte": graphene.InputField(scalar),
        "range": graphene.InputField(
            graphene.List(graphene.NonNull(scalar)),
            description="Two values, [low, high], both inclusive.",
        ),
    }


def _text() -> dict[str, Any]:
    return {
        name: graphene.InputField(graphene.String)
        for name in (
            "contains",
            "i_contains",
            "starts_with",
            "i_starts_with",
            "ends_with",
            "i_ends_with",
            "i_exact",
        )
    }


def _input(name: str, fields: dict[str, Any], description: str) -> type[graphene.InputObjectType]:
    return type(
        name, (GeneratedInputObjectType,), {**fields, "Meta": type("Meta", (), {"description": description})}
    )


def operator_input(kind: Kind, *, regex: bool = False) -> type[graphene.InputObjectType]:
    """The shared operator input for ``kind`` (one graphene class per name)."""
    return _operator_input(Kind.STRING if kind == Kind.FILE else kind, regex)


@cache
def _operator_input(kind: Kind, regex: bool) -> type[graphene.InputObjectType]:
    if kind == Kind.JSON:
        return _input(
            "JSONFilter",
            {
                "has_key": graphene.InputField(graphene.String),
                "contains": graphene.InputField(JSON, description="Contains this object/array."),
                "is_null": graphene.InputField(graphene.Boolean),
            },
            "Conditions on a JSON field.",
        )
    if kind == Kind.BOOLEAN:
        return _input(
            "BooleanFilter",
            {"eq": graphene.InputField(graphene.Boolean), "is_null": graphene.InputField(graphene.Boolean)},
            "Conditions on a boolean field.",
        )
    scalar = SCALARS[kind]
    fields = _equality(scalar)
    if kind == Kind.STRING:
        fields |= _text()
        if regex:
            fields |= {
                "regex": graphene.InputField(graphene.String),
                "i_regex": graphene.InputField(graphene.String),
            }
            return _input("StringRegexFilter", fields, "Conditions on a string field, regex allowed.")
        return _input("StringFilter", fields, "Conditions on a string field.")
    if kind not in (Kind.ID, Kind.UUID):
        fields |= _comparison(scalar)
    if kind in (Kind.DATE, Kind.DATETIME):
        fields |= {part: graphene.InputField(lambda: operator_input(Kind.INT)) for part in DATE_PARTS}
    return _input(FILTER_NAMES[kind], fields, f"Conditions on a {LABELS.get(kind, kind.value)} field.")


def enum_filter(enum_type: Any) -> type[graphene.InputObjectType]:
    """``<Enum>Filter`` for a choices enum: eq, ne, in, notIn, isNull."""
    name = f"{enum_type._meta.name}Filter"
    return _input(name, _equality(enum_type), f"Conditions on a {enum_type._meta.name} value.")
