"""Multi-table inheritance: parents with exposed children resolve to their concrete child.

Querying ``events`` returns ``BookLaunch`` and ``Signing`` objects where the row is one; the
children are joined with ``select_related`` so downcasting costs no extra query.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models


def child_links(model: type[models.Model], exposed: Any) -> list[str]:
    """``select_related`` paths to every exposed descendant of ``model``, deepest last."""
    paths: list[str] = []
    for rel in model._meta.related_objects:
        if rel.one_to_one and rel.parent_link and rel.related_model in exposed:
            accessor = rel.get_accessor_name()
            paths.append(accessor)
            paths += [f"{accessor}__{p}" for p in child_links(rel.related_model, exposed)]
    return paths


def downcast(obj: models.Model | None, links: list[str]) -> models.Model | None:
    """The most specific exposed child instance of ``obj`` (or ``obj`` itself)."""
    if obj is None or not links:
        return obj
    best = obj
    for path in links:
        current: Any = obj
        try:
            for accessor in path.split("__"):
                current = getattr(current, accessor)
        except ObjectDoesNotExist:
            continue
        best = current  # later paths are deeper, so the last match is the most specific
    return best


def downcast_all(objects: Iterable[models.Model], links: list[str]) -> list[models.Model]:
    return [downcast(o, links) for o in objects] if links else list(objects)


def with_children(queryset: models.QuerySet, links: list[str]) -> models.QuerySet:
    return queryset.select_related(*links) if links else queryset
