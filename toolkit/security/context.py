"""The user a GraphQL operation runs for, available to every data access without threading it.

The view (and the toolkit's execution context, for ``schema.execute(context_value=request)``)
sets it for the duration of an operation; without one, the caller is anonymous — the safe default.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth.models import AnonymousUser

_user: ContextVar[Any] = ContextVar("toolkit_user", default=None)


def current_user() -> Any:
    user = _user.get()
    return user if user is not None else AnonymousUser()


@contextmanager
def acting_as(user: Any) -> Iterator[None]:
    token = _user.set(user)
    try:
        yield
    finally:
        _user.reset(token)


def user_of(context: Any) -> Any:
    """The user of a resolve context (a request, or anything with ``user``)."""
    return getattr(context, "user", None)
