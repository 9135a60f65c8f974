"""Unique checks for many rows at once: one query per constraint instead of one per row.

``full_clean()`` checks ``unique``/``unique_together``/``UniqueConstraint`` with a query per
constraint per row; bulk writes validate with ``validate_unique=False`` and call
:func:`unique_errors` once for the whole batch, which also catches duplicates inside the batch.
Other constraints (checks, conditional or expression uniques) are left to the database: Django
validates each of them with a query per row. When the database refuses a batch, the bulk mutation
redoes it row by row with ``full_clean()`` for precise errors.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

CHUNK = 300


def unique_errors(instances: Sequence[models.Model]) -> dict[int, ValidationError]:
    """Errors by position in ``instances``, in Django's ``ValidationError`` format."""
    if not instances:
        return {}
    errors: dict[int, dict[str, list[ValidationError]]] = {}
    unique_checks, _ = instances[0]._get_unique_checks(include_meta_constraints=True)
    for model_class, field_names in unique_checks:
        fields = [model_class._meta.get_field(name) for name in field_names]
        keys = {index: _key(instance, fields) for index, instance in enumerate(instances)}
        keys = {index: key for index, key in keys.items() if key is not None}
        clashing = _in_batch(keys) | _in_database(model_class, fields, keys, instances)
        for index in sorted(clashing):
            error = instances[index].unique_error_message(model_class, field_names)
            name = field_names[0] if len(field_names) == 1 else "__all__"
            errors.setdefault(index, {}).setdefault(name, []).append(error)
    return {index: ValidationError(by_field) for index, by_field in errors.items()}


def _key(instance: models.Model, fields: list[models.Field]) -> tuple | None:
    values = tuple(getattr(instance, f.attname) for f in fields)
    return None if any(v is None for v in values) else values


def _in_batch(keys: dict[int, tuple]) -> set[int]:
    seen: dict[tuple, int] = {}
    clashing = set()
    for index, key in keys.items():
        if key in seen:
            clashing.add(index)
        else:
            seen[key] = index
    return clashing


def _in_database(
    model_class: type[models.Model],
    fields: list[models.Field],
    keys: dict[int, tuple],
    instances: Sequence[models.Model],
) -> set[int]:
    attnames = [f.attname for f in fields]
    wanted = list(set(keys.values()))
    existing: dict[tuple, set[Any]] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        if len(fields) == 1:
            condition = Q(**{f"{attnames[0]}__in": [k[0] for k in chunk]})
        else:
            condition = functools.reduce(
                operator.or_, (Q(**dict(zip(attnames, k, strict=True))) for k in chunk)
            )
        for *values, pk in model_class._default_manager.filter(condition).values_list(*attnames, "pk"):
            existing.setdefault(tuple(values), set()).add(pk)
    clashing = set()
    for index, key in keys.items():
        owners = existing.get(key, set()) - {instances[index].pk}
        if owners:
            clashing.add(index)
    return clashing
