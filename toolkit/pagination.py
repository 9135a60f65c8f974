"""The three pagination styles: limit/offset lists, numbered pages and Relay connections.

Every style is bounded: sizes default to ``TOOLKIT["DEFAULT_LIMIT"]`` and may not exceed
``TOOLKIT["MAX_LIMIT"]``. Connection cursors are opaque offsets (``base64("cursor:<n>")``).
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import graphene
from django.db import models
from graphene.relay import PageInfo

from toolkit.exceptions import BadUserInput
from toolkit.security import limits
from toolkit.security.context import current_user
from toolkit.types.base import GeneratedObjectType

CURSOR_PREFIX = "cursor:"


def check_size(value: int | None, argument: str) -> int:
    """A list size: the caller's default when absent, otherwise 0..their maximum page size
    (``TOOLKIT["DEFAULT_LIMIT"]``/``["MAX_LIMIT"]``, or the per-role query limits)."""
    caller = limits.limits_for(current_user())
    if value is None:
        return caller.default_limit
    if value < 0:
        raise BadUserInput(f"Argument '{argument}' must not be negative, got {value}.", argument=argument)
    if value > caller.max_page_size:
        raise BadUserInput(
            f"Argument '{argument}' must be at most {caller.max_page_size}, got {value}.",
            argument=argument,
        )
    return value


def check_offset(value: int | None, argument: str = "offset") -> int:
    if value is None:
        return 0
    if value < 0:
        raise BadUserInput(f"Argument '{argument}' must not be negative, got {value}.", argument=argument)
    return value


# -- numbered pages ---------------------------------------------------------------------------
@dataclass
class PageSlice:
    queryset: models.QuerySet
    page: int
    page_size: int
    fetch: Callable[[models.QuerySet], list]

    @cached_property
    def total_count(self) -> int:
        return self.queryset.count()

    @property
    def page_count(self) -> int:
        return math.ceil(self.total_count / self.page_size) if self.page_size else 0

    @cached_property
    def items(self) -> list:
        start = (self.page - 1) * self.page_size
        return self.fetch(self.queryset[start : start + self.page_size])


def page_slice(
    queryset: models.QuerySet,
    page: int | None,
    page_size: int | None,
    fetch: Callable[[models.QuerySet], list],
    size_argument: str = "pageSize",
) -> PageSlice:
    page = 1 if page is None else page
    if page < 1:
        raise BadUserInput(f"Argument 'page' must be 1 or more, got {page}.", argument="page")
    size = check_size(page_size, size_argument)
    if size == 0:
        raise BadUserInput(f"Argument '{size_argument}' must be at least 1.", argument=size_argument)
    result = PageSlice(queryset, page, size, fetch)
    last_page = max(result.page_count, 1)
    if page > last_page:
        raise BadUserInput(
            f"Argument 'page' is {page} but there {'is' if last_page == 1 else 'are'} only "
            f"{last_page} page{'s' if last_page != 1 else ''}.",
            argument="page",
        )
    return result


def build_page_type(type_name: str, item_type: Any) -> type[graphene.ObjectType]:
    attrs = {
        "items": graphene.NonNull(graphene.List(graphene.NonNull(item_type))),
        "total_count": graphene.Int(required=True),
        "page": graphene.Int(required=True),
        "page_size": graphene.Int(required=True),
        "page_count": graphene.Int(required=True),
        "has_next_page": graphene.Boolean(required=True),
        "has_previous_page": graphene.Boolean(required=True),
        "resolve_items": lambda root, info: root.items,
        "resolve_total_count": lambda root, info: root.total_count,
        "resolve_page_count": lambda root, info: root.page_count,
        "resolve_has_next_page": lambda root, info: root.page < root.page_count,
        "resolve_has_previous_page": lambda root, info: root.page > 1,
        "Meta": type("Meta", (), {"description": "One numbered page of results."}),
    }
    return type(f"{type_name}Page", (GeneratedObjectType,), attrs)


# -- Relay connections ------------------------------------------------------------------------
def encode_cursor(offset: int) -> str:
    return base64.b64encode(f"{CURSOR_PREFIX}{offset}".encode()).decode()


def decode_cursor(cursor: str, argument: str) -> int:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        if not text.startswith(CURSOR_PREFIX):
            raise ValueError
        offset = int(text[len(CURSOR_PREFIX) :])
        if offset < 0:
            raise ValueError
        return offset
    except (ValueError, binascii.Error, UnicodeError):
        raise BadUserInput(f"Argument '{argument}' is not a valid cursor.", argument=argument) from None


@dataclass
class Edge:
    cursor: str
    node: Any


@dataclass
class ConnectionSlice:
    queryset: models.QuerySet
    start: int
    end: int | None  # exclusive; None = up to the total
    fetch: Callable[[models.QuerySet], list]
    last: int | None

    @cached_property
    def total_count(self) -> int:
        return self.queryset.count()

    @cached_property
    def bounds(self) -> tuple[int, int]:
        end = self.total_count if self.end is None else min(self.end, self.total_count)
        start = min(self.start, end)
        if self.last is not None:
            start = max(start, end - self.last)
        return start, end

    @cached_property
    def edges(self) -> list[Edge]:
        start, end = self.bounds
        nodes = self.fetch(self.queryset[start:end]) if end > start else []
        return [Edge(encode_cursor(start + i), node) for i, node in enumerate(nodes)]

    def page_info(self) -> PageInfo:
        start, end = self.bounds
        edges = self.edges
        return PageInfo(
            has_previous_page=start > 0,
            has_next_page=end < self.total_count,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        )


def connection_slice(
    queryset: models.QuerySet,
    fetch: Callable[[models.QuerySet], list],
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> ConnectionSlice:
    start = decode_cursor(after, "after") + 1 if after is not None else 0
    end = decode_cursor(before, "before") if before is not None else None
    if first is None and last is None:
        first = check_size(None, "first")
    if first is not None:
        first = check_size(first, "first")
        end = start + first if end is None else min(end, start + first)
    if last is not None:
        last = check_size(last, "last")
    return ConnectionSlice(queryset, start, end, fetch, last)


def build_connection_types(type_name: str, node_type: Any) -> type[graphene.ObjectType]:
    edge = type(
        f"{type_name}Edge",
        (GeneratedObjectType,),
        {
            "cursor": graphene.String(required=True),
            "node": graphene.Field(graphene.NonNull(node_type)),
            "Meta": type("Meta", (), {"description": f"A {type_name} with its cursor."}),
        },
    )
    return type(
        f"{type_name}Connection",
        (GeneratedObjectType,),
        {
            "edges": graphene.NonNull(graphene.List(graphene.NonNull(edge))),
            "page_info": graphene.Field(PageInfo, required=True),
            "total_count": graphene.Int(required=True),
            "resolve_edges": lambda root, info: root.edges,
            "resolve_page_info": lambda root, info: root.page_info(),
            "resolve_total_count": lambda root, info: root.total_count,
            "Meta": type("Meta", (), {"description": f"A Relay connection of {type_name} rows."}),
        },
    )
