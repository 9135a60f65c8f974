"""The panel contract: one class per dashboard page, one data function per panel.

A panel is a class listed (as a dotted path) in ``TOOLKIT["DASHBOARD"]["PANELS"]``:

- ``slug`` names its page (``/admin/dashboard/dashboard/<slug>/``) and its key in the JSON
  status; ``title`` is shown in the tabs and the page title; ``template`` renders its page.
- ``data(params)`` is *the* data function: it takes the query parameters (a mapping of strings,
  e.g. ``{"window": "24h"}``) and returns a dataclass. The HTML page, the JSON status endpoint
  (``status.json?panel=<slug>``) and ``manage.py dashboard_status --panel <slug>`` all render
  that one object. Bad parameters raise :class:`BadParameter` (HTTP 400), unknown objects
  :class:`NotFound` (HTTP 404).
- ``tiles()`` returns the panel's figures for the overview (:class:`Tile`, cheap to compute).
- ``text(data)`` renders ``data`` for the command; ``context(data)`` adds template-only values
  (charts); ``urls(wrap)`` returns extra URL patterns (detail pages, actions), each view
  wrapped by ``wrap`` (the admin's login and permission check).

Panels never raise for an empty database: "nothing recorded yet" is a normal state the page
explains.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from django.urls import NoReverseMatch, URLPattern, reverse

#: Tile and page states, mildest first.
STATES = ("ok", "unknown", "warning", "error")


class BadParameter(Exception):
    """A query parameter the panel cannot use (HTTP 400 with this message)."""


class NotFound(Exception):
    """The page asks for something that does not exist (HTTP 404 with this message)."""


@dataclass
class Tile:
    """One figure of the overview, linking to the page that explains it."""

    key: str
    label: str
    value: str
    #: ``"ok"``, ``"warning"``, ``"error"`` or ``"unknown"`` (nothing to judge yet).
    state: str = "ok"
    url: str = ""
    detail: str = ""
    #: The figure as a number, for machines (``None`` when there is none).
    number: float | None = None


def worst(states: list[str]) -> str:
    """The most serious state; ``unknown`` only when nothing is known at all."""
    known = [s for s in states if s != "unknown"]
    if not known:
        return "unknown"
    return max(known, key=STATES.index)


def level(value: float | None, thresholds: list[float] | tuple[float, float]) -> str:
    """``ok``/``warning``/``error`` for ``value`` against ``[warning, error]`` levels."""
    if value is None:
        return "unknown"
    warning, error = thresholds
    if value >= error:
        return "error"
    if value >= warning:
        return "warning"
    return "ok"


def page_url(slug: str, *args: Any) -> str:
    """The admin URL of a panel page (``""`` when the dashboard is not in the admin URLconf)."""
    try:
        return reverse(f"admin:dashboard_{slug}", args=args)
    except NoReverseMatch:
        return ""


class Panel:
    """Base class of the dashboard's panels (see the module docstring for the contract)."""

    slug: ClassVar[str] = ""
    title: ClassVar[str] = ""
    template: ClassVar[str] = ""

    def data(self, params: Mapping[str, str]) -> Any:
        raise NotImplementedError

    def tiles(self) -> list[Tile]:
        return []

    def text(self, data: Any) -> str:
        return json.dumps(to_json(data), indent=2)

    def context(self, data: Any) -> dict[str, Any]:
        return {}

    def urls(self, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> list[URLPattern]:
        return []

    @property
    def url(self) -> str:
        return page_url(self.slug)


def to_json(value: Any) -> Any:
    """Panel data as JSON-ready values: dataclasses (their ``as_dict()`` when they have one),
    datetimes as ISO 8601, enums by value."""
    if hasattr(value, "as_dict") and callable(value.as_dict):
        return to_json(value.as_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json(v) for v in value]
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value
