"""Parsing client-supplied ids strictly (``"10"`` is an id; ``" 10 "``, ``"1_0"``, ``"1e1"`` are not)."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

MAX_BIGINT = 2**63 - 1
MIN_BIGINT = -(2**63)
_INTEGER = re.compile(r"-?\d+")


def to_pk(field: models.Field, value: Any) -> Any:
    """``value`` converted for ``field`` (a primary key or a relation to one); raises ValueError."""
    while isinstance(field, models.ForeignKey):  # multi-table children: the pk is a parent link
        field = field.target_field
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("NUL character")
    if isinstance(field, models.IntegerField):
        if isinstance(value, bool) or not (isinstance(value, int) or _INTEGER.fullmatch(str(value))):
            raise ValueError("not an integer")
        number = int(value)
        if not MIN_BIGINT <= number <= MAX_BIGINT:
            raise ValueError("out of range")
        return number
    try:
        return field.to_python(value)
    except (ValidationError, TypeError) as exc:
        raise ValueError(str(exc)) from None
