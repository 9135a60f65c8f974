"""Row scoping for the demo (``scope`` options): which rows a user reaches, per action."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q


def reviews_for(queryset: models.QuerySet, user: Any, action: str) -> models.QuerySet:
    """Anyone reads reviews; only their writer (or staff) changes or deletes one."""
    if action == "read" or user.is_staff:
        return queryset
    return queryset.filter(user=user) if user.is_authenticated else queryset.none()


def reading_lists_for(queryset: models.QuerySet, user: Any, action: str) -> models.QuerySet:
    """Public lists and your own are readable; only your own are writable."""
    own = Q(owner=user) if user.is_authenticated else Q(pk__in=[])
    if action == "read":
        return queryset.filter(Q(is_public=True) | own)
    return queryset.filter(own)
