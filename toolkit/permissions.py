"""Who may write: generated mutations require the Django model permission (deny by default).

``add_<model>`` for create, ``change_<model>`` for update and method mutations,
``delete_<model>`` for delete. Anonymous callers get ``UNAUTHENTICATED``, others ``FORBIDDEN``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_permission_codename
from django.db import models

from toolkit.exceptions import Forbidden, Unauthenticated
from toolkit.security import audit
from toolkit.security.context import current_user


def model_permission(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{get_permission_codename(action, model._meta)}"


def require(info: Any, permission: str | Callable[[Any, Any], bool], instance: Any = None) -> None:
    """Raise unless the caller is authenticated and has ``permission``."""
    user = current_user()
    if user is None or not user.is_authenticated:
        audit.record("permission_denied", permission=_name(permission), reason="anonymous")
        raise Unauthenticated("Authentication required: log in to make changes.")
    allowed = permission(user, instance) if callable(permission) else user.has_perm(permission)
    if not allowed:
        audit.record("permission_denied", permission=_name(permission), reason="missing permission")
        raise Forbidden("You do not have permission to perform this action.")


def _name(permission: Any) -> str:
    return (
        permission if isinstance(permission, str) else getattr(permission, "__qualname__", repr(permission))
    )
