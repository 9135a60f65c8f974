"""The user a GraphQL operation runs for, available to every data access without threading it.

The view (and the toolkit's execution context, for ``schema.execute(context_value=request)``)
sets it for the duration of an operation; without one, the caller is anonymous — the safe default.
The HTTP request being served (for the client IP and request id in the audit log) is kept the
same way: :func:`current_request`, set by :func:`serving` or ``acting_as(user, request=...)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth.models import AnonymousUser

_user: ContextVar[Any] = ContextVar("toolkit_user", default=None)
_request: ContextVar[Any] = ContextVar("toolkit_request", default=None)


def current_user() -> Any:
    user = _user.get()
    return user if user is not None else AnonymousUser()


@contextmanager
def acting_as(user: Any, *, request: Any = None) -> Iterator[None]:
    """Run as ``user`` (and, when given, while serving ``request``)."""
    token = _user.set(user)
    try:
        if request is None:
            yield
        else:
            with serving(request):
                yield
    finally:
        _user.reset(token)


def current_request() -> Any:
    """The HTTP request being served, or None (a management command, a job, a bare execute)."""
    return _request.get()


@contextmanager
def serving(request: Any) -> Iterator[None]:
    """Make ``request`` the current request (anything without ``META`` is ignored)."""
    if getattr(request, "META", None) is None:
        yield
        return
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


def user_of(context: Any) -> Any:
    """The user of a resolve context (a request, or anything with ``user``)."""
    return getattr(context, "user", None)
