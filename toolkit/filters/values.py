"""Checking operator values the GraphQL scalars accept but the database cannot use.

Each check raises ``BadUserInput`` naming the argument path, so nothing reaches the database
that would turn into a 500 (NaN decimals, NUL characters, malformed IP addresses, ...).
"""

from __future__ import annotations

import datetime
import enum
import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.db import models
from django.utils import timezone

from toolkit.exceptions import BadUserInput
from toolkit.fieldkinds import Kind
from toolkit.ids import MAX_BIGINT, MIN_BIGINT, to_pk

#: Operators that compare whole values (an IP address must then be a valid address).
WHOLE_VALUE_OPERATORS = frozenset({"eq", "ne", "in_", "not_in", "gt", "gte", "lt", "lte", "range"})


def check_scalar(kind: Kind, field: Any, op: str, value: Any, path: str) -> Any:
    """The database-ready value of one operand of ``op`` on a field of ``kind``."""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, str) and "\x00" in value:
        raise BadUserInput(f"Argument '{path}' must not contain NUL characters.", argument=path)
    if kind == Kind.ID:
        try:
            return to_pk(field, value)
        except ValueError:
            raise BadUserInput(f"Argument '{path}' has an invalid id {value!r}.", argument=path) from None
    if kind == Kind.BIGINT and isinstance(value, int) and not MIN_BIGINT <= value <= MAX_BIGINT:
        raise BadUserInput(f"Argument '{path}' is out of the 64-bit integer range.", argument=path)
    if isinstance(value, Decimal) and not value.is_finite():
        raise BadUserInput(f"Argument '{path}' must be a finite number, got {value}.", argument=path)
    if isinstance(value, datetime.datetime) and timezone.is_naive(value):
        return timezone.make_aware(value)  # read in the current time zone, as Django forms do
    if isinstance(field, models.GenericIPAddressField) and op in WHOLE_VALUE_OPERATORS:
        try:
            validate_ipv46_address(value)
        except ValidationError:
            raise BadUserInput(f"Argument '{path}' is not an IP address: {value!r}.", argument=path) from None
    return value


def check_regex(value: str, path: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise BadUserInput(
            f"Argument '{path}' is not a valid regular expression: {exc}.", argument=path
        ) from None
    return value


def check_json(value: Any, path: str) -> Any:
    """JSON operands: no NUL characters anywhere (PostgreSQL's jsonb cannot store them)."""
    if isinstance(value, str) and "\x00" in value:
        raise BadUserInput(f"Argument '{path}' must not contain NUL characters.", argument=path)
    if isinstance(value, dict):
        for key, item in value.items():
            check_json(key, path)
            check_json(item, path)
    elif isinstance(value, list):
        for item in value:
            check_json(item, path)
    return value
