"""What kind of value a model field holds, for filters, ordering and aggregates.

Types themselves come from graphene-django's ``convert_django_field``; this module only
answers the questions the generated inputs need (which operators, can it be summed, ...).
"""

from __future__ import annotations

from enum import StrEnum

from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.db import models


class Kind(StrEnum):
    ID = "id"
    STRING = "string"
    INT = "int"
    BIGINT = "bigint"
    FLOAT = "float"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    DURATION = "duration"
    UUID = "uuid"
    JSON = "json"
    ENUM = "enum"
    FILE = "file"
    TO_ONE = "to_one"
    TO_MANY = "to_many"
    GENERIC_FK = "generic_fk"


# Order matters: subclasses before their bases (BigAutoField is an AutoField and an IntegerField).
_SCALAR_KINDS: tuple[tuple[type, Kind], ...] = (
    (models.AutoField, Kind.ID),
    (models.BigAutoField, Kind.ID),
    (models.SmallAutoField, Kind.ID),
    (models.FileField, Kind.FILE),
    (models.BooleanField, Kind.BOOLEAN),
    (models.BigIntegerField, Kind.BIGINT),
    (models.PositiveBigIntegerField, Kind.BIGINT),
    (models.IntegerField, Kind.INT),
    (models.SmallIntegerField, Kind.INT),
    (models.PositiveIntegerField, Kind.INT),
    (models.PositiveSmallIntegerField, Kind.INT),
    (models.DecimalField, Kind.DECIMAL),
    (models.FloatField, Kind.FLOAT),
    (models.DateTimeField, Kind.DATETIME),
    (models.DateField, Kind.DATE),
    (models.TimeField, Kind.TIME),
    (models.DurationField, Kind.DURATION),
    (models.UUIDField, Kind.UUID),
    (models.JSONField, Kind.JSON),
    (models.CharField, Kind.STRING),
    (models.TextField, Kind.STRING),
    (models.GenericIPAddressField, Kind.STRING),
    (models.FilePathField, Kind.STRING),
)

NUMERIC = frozenset({Kind.INT, Kind.BIGINT, Kind.FLOAT, Kind.DECIMAL, Kind.DURATION})
TEMPORAL = frozenset({Kind.DATE, Kind.DATETIME, Kind.TIME})
#: Kinds whose values compare with gt/lt and have min/max.
ORDERED = NUMERIC | TEMPORAL | {Kind.ID}
#: Kinds that can be a groupBy key.
GROUPABLE = frozenset(
    {
        Kind.STRING,
        Kind.INT,
        Kind.BIGINT,
        Kind.BOOLEAN,
        Kind.DATE,
        Kind.DATETIME,
        Kind.TIME,
        Kind.DECIMAL,
        Kind.FLOAT,
        Kind.DURATION,
        Kind.UUID,
        Kind.ENUM,
        Kind.TO_ONE,
    }
)
#: Kinds that make sense to order by.
SORTABLE = GROUPABLE | {Kind.ID, Kind.FILE}


def kind_of(field: models.Field | models.ForeignObjectRel | GenericForeignKey) -> Kind:
    if isinstance(field, GenericForeignKey):
        return Kind.GENERIC_FK
    if isinstance(field, GenericRelation):
        return Kind.TO_MANY
    if isinstance(field, models.ForeignObjectRel):
        return Kind.TO_ONE if field.one_to_one else Kind.TO_MANY
    if field.is_relation:
        return Kind.TO_MANY if field.many_to_many else Kind.TO_ONE
    if getattr(field, "choices", None):
        return Kind.ENUM
    for field_class, kind in _SCALAR_KINDS:
        if isinstance(field, field_class):
            return kind
    return Kind.STRING


def is_relation(kind: Kind) -> bool:
    return kind in (Kind.TO_ONE, Kind.TO_MANY, Kind.GENERIC_FK)
