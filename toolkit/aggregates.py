"""``<Model>Aggregate``: count, sum/avg/min/max and ``groups`` by ``<Model>GroupBy`` keys.

One SQL query computes every statistic the client may select (count alone is a plain COUNT);
``groups`` is one GROUP BY query plus one query for the related objects of to-one keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

import graphene
from django.db import models
from django.db.models import Avg, Count, F, Max, Min, Sum

from toolkit.exceptions import BadUserInput
from toolkit.fieldkinds import Kind
from toolkit.filters.operators import SCALARS
from toolkit.naming import constant_case
from toolkit.pagination import check_offset, check_size
from toolkit.selection import selected_field_names
from toolkit.types.base import GeneratedObjectType
from toolkit.types.scalars import Duration

if TYPE_CHECKING:
    from toolkit.registry import ModelSpec
    from toolkit.schema import SchemaBuilder

FUNCTIONS = {"sum": Sum, "avg": Avg, "min": Min, "max": Max}
STATISTICS = tuple(FUNCTIONS)


def _sum_type(kind: Kind) -> Any:
    return {
        Kind.INT: graphene.BigInt,
        Kind.BIGINT: graphene.BigInt,
        Kind.FLOAT: graphene.Float,
        Kind.DECIMAL: graphene.Decimal,
        Kind.DURATION: Duration,
    }[kind]


def _avg_type(kind: Kind) -> Any:
    return {Kind.DECIMAL: graphene.Decimal, Kind.DURATION: Duration}.get(kind, graphene.Float)


def _statistic_fields(spec: ModelSpec, statistic: str) -> dict[str, Any]:
    if statistic in ("sum", "avg"):
        type_of = _sum_type if statistic == "sum" else _avg_type
        return {n: graphene.Field(type_of(spec.fields[n].kind)) for n in spec.aggregatable}
    return {n: graphene.Field(SCALARS[spec.fields[n].kind]) for n in spec.comparable}


def _statistic_types(spec: ModelSpec) -> dict[str, Any]:
    """``sum``/``avg``/``min``/``max`` fields, each an object of per-field values."""
    fields = {}
    for statistic in STATISTICS:
        attrs = _statistic_fields(spec, statistic)
        if attrs:
            object_type = type(
                f"{spec.type_name}{statistic.capitalize()}Aggregate",
                (GeneratedObjectType,),
                {**attrs, "Meta": type("Meta", (), {"description": f"{statistic} per field."})},
            )
            fields[statistic] = graphene.Field(object_type)
    return fields


def _annotations(spec: ModelSpec, statistics: set[str], visible: Any = None) -> dict[str, Any]:
    """The aggregate expressions; fields the caller may not see are left out (they read null)."""
    names = {
        "sum": spec.aggregatable,
        "avg": spec.aggregatable,
        "min": spec.comparable,
        "max": spec.comparable,
    }
    return {
        f"agg_{stat}_{name}": FUNCTIONS[stat](name)
        for stat in STATISTICS
        if stat in statistics
        for name in names[stat]
        if visible is None or visible(name)
    }


#: Extra decimal places an average keeps beyond the field's own.
AVG_EXTRA_PLACES = 4


def _normalise(spec: ModelSpec, stat: str, name: str, value: Any) -> Any:
    """Databases return decimals with different scales (SQLite: float-like); use the field's."""
    field = spec.fields[name].field
    if value is None or not isinstance(field, models.DecimalField):
        return value
    places = field.decimal_places + (AVG_EXTRA_PLACES if stat == "avg" else 0)
    return Decimal(value).quantize(Decimal(1).scaleb(-places))


def _split(spec: ModelSpec, row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {stat: {} for stat in STATISTICS}
    for key, value in row.items():
        if key.startswith("agg_"):
            _, stat, name = key.split("_", 2)
            result[stat][name] = _normalise(spec, stat, name, value)
    return result


@dataclass
class AggregateResult:
    builder: SchemaBuilder
    spec: ModelSpec
    queryset: models.QuerySet
    group_by: list[str]
    selected: set[str]

    @cached_property
    def stats(self) -> dict[str, Any]:
        statistics = self.selected & set(STATISTICS)
        if not statistics:
            return {"count": self.queryset.count()}
        row = self.queryset.aggregate(count=Count("pk"), **_annotations(self.spec, statistics, self._visible))
        return {"count": row.pop("count"), **_split(self.spec, row)}

    def groups(self, limit: int | None, offset: int | None, selected: set[str]) -> list[dict[str, Any]]:
        if not self.group_by:
            raise BadUserInput("Argument 'groupBy' is required to select 'groups'.", argument="groupBy")
        size, start = check_size(limit, "groups.limit"), check_offset(offset, "groups.offset")
        keys = self.group_by
        rows = (
            self.queryset.order_by()
            .values(*keys)
            .annotate(count=Count("pk"), **_annotations(self.spec, selected & set(STATISTICS), self._visible))
            .order_by(*[F(k).asc(nulls_last=True) for k in keys])
        )[start : start + size]
        rows = list(rows)
        related = self._related_keys(rows)
        groups = []
        for row in rows:
            key = {k: related[k].get(row[k]) if k in related else row[k] for k in keys}
            groups.append({"key": key, "count": row["count"], **_split(self.spec, row)})
        return groups

    def _visible(self, name: str) -> bool:
        return self.builder.can_see(self.spec.model, name)

    def _related_keys(self, rows: list[dict[str, Any]]) -> dict[str, dict[Any, Any]]:
        related = {}
        for key in self.group_by:
            fs = self.spec.fields[key]
            if fs.kind == Kind.TO_ONE:
                ids = {row[key] for row in rows if row[key] is not None}
                related[key] = self.builder.fetch_by_pk(fs.related_model, ids)
        return related


def build_aggregate_types(builder: SchemaBuilder, spec: ModelSpec) -> tuple[Any, Any]:
    """The ``<Model>Aggregate`` object type and the ``<Model>GroupBy`` enum (or None)."""
    statistic_fields = _statistic_types(spec)
    group_enum = None
    attrs: dict[str, Any] = {
        "count": graphene.Int(required=True),
        "resolve_count": lambda root, info: root.stats["count"],
        **statistic_fields,
        **{f"resolve_{stat}": _stat_resolver(stat) for stat in statistic_fields},
    }
    if spec.groupable:
        group_enum = graphene.Enum(
            f"{spec.type_name}GroupBy", [(constant_case(n), n) for n in spec.groupable]
        )
        key_type = type(
            f"{spec.type_name}GroupKey",
            (GeneratedObjectType,),
            {n: graphene.Field(_key_type(builder, spec, n)) for n in spec.groupable},
        )
        group_type = type(
            f"{spec.type_name}AggregateGroup",
            (GeneratedObjectType,),
            {
                "key": graphene.Field(key_type, required=True),
                "count": graphene.Int(required=True),
                **statistic_fields,
            },
        )
        attrs["groups"] = graphene.Field(
            graphene.NonNull(graphene.List(graphene.NonNull(group_type))),
            limit=graphene.Int(),
            offset=graphene.Int(),
            description="One entry per distinct groupBy key, ordered by the keys (nulls last).",
        )
        attrs["resolve_groups"] = lambda root, info, limit=None, offset=None: root.groups(
            limit, offset, selected_field_names(info)
        )
    attrs["Meta"] = type("Meta", (), {"description": f"Statistics over {spec.type_name} rows."})
    return type(f"{spec.type_name}Aggregate", (GeneratedObjectType,), attrs), group_enum


def _stat_resolver(stat: str) -> Any:
    return lambda root, info: root.stats.get(stat, {})


def _key_type(builder: SchemaBuilder, spec: ModelSpec, name: str) -> Any:
    fs = spec.fields[name]
    if fs.kind == Kind.TO_ONE:
        return lambda: builder.output_type(fs.related_model)
    if fs.kind == Kind.ENUM:
        return builder.choice_enum(fs.field)
    return SCALARS[fs.kind]


def group_keys(group_by: list | None) -> list[str]:
    keys = []
    for value in group_by or []:
        key = value.value if hasattr(value, "value") else value
        if key not in keys:
            keys.append(key)
    return keys
