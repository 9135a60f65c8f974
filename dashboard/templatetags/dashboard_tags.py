"""Formatting filters of the dashboard templates: ``percent``, ``ms`` and ``number``."""

from __future__ import annotations

import datetime
from typing import Any

from django import template

register = template.Library()
DASH = "\u2013"  # an en dash


@register.filter
def percent(value: float | None, digits: int = 1) -> str:
    """``0.9876`` -> ``98.8 %``; ``None`` -> a dash."""
    if value is None or value == "":
        return DASH
    return f"{float(value) * 100:.{int(digits)}f} %"


@register.filter
def ms(value: float | None) -> str:
    """Milliseconds with a precision that suits the size; ``None`` -> a dash."""
    if value is None or value == "":
        return DASH
    value = float(value)
    return f"{value:.1f} ms" if value < 100 else f"{value:,.0f} ms"


@register.filter
def number(value: float | None, digits: int = 1) -> str:
    if value is None or value == "":
        return DASH
    value = float(value)
    return f"{value:,.0f}" if value == int(value) else f"{value:,.{int(digits)}f}"


@register.filter
def epoch(value: float | None) -> datetime.datetime | None:
    return None if value is None else datetime.datetime.fromtimestamp(float(value), tz=datetime.UTC)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return None


@register.filter
def ms_of_seconds(value: float | None) -> str:
    return ms(None if value is None else float(value) * 1000)
