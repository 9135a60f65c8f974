"""Who may write: generated mutations require the Django model permission (deny by default).

``add_<model>`` for create, ``change_<model>`` for update and method mutations,
``delete_<model>`` for delete. Anonymous callers get ``UNAUTHENTICATED``, others ``FORBIDDEN``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_permission_codename
from django.db import models

from toolkit.exceptions import ToolkitError


class Unauthenticated(ToolkitError):
    code = "UNAUTHENTICATED"


class Forbidden(ToolkitError):
    code = "FORBIDDEN"


def model_permission(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{get_permission_codename(action, model._meta)}"


def current_user(info: Any) -> Any:
    return getattr(info.context, "user", None)


def require(info: Any, permission: str | Callable[[Any, Any], bool], instance: Any = None) -> None:
    """Raise unless the caller is authenticated and has ``permission``."""
    user = current_user(info)
    if user is None or not user.is_authenticated:
        raise Unauthenticated("Authentication required: log in to make changes.")
    allowed = permission(user, instance) if callable(permission) else user.has_perm(permission)
    if not allowed:
        raise Forbidden("You do not have permission to perform this action.")
