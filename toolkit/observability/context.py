"""The log context: what every log line, error and Sentry event of the current work says about
it — the request id, the GraphQL operation, the user, the RQ job.

Values are bound for a block (:func:`bound`) in a context variable, so they follow threads and
asyncio tasks the way Django's request handling does. The operation and the user are read from
the request being served (``toolkit.security.context``) when nothing was bound explicitly.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

#: The request header a request id is taken from, and the response header it is returned in.
REQUEST_ID_HEADER = "X-Request-ID"
#: The longest request id kept (the audit log's column is as long).
MAX_REQUEST_ID_LENGTH = 64
_UNSAFE = re.compile(r"[^A-Za-z0-9._:/+=-]")

_bound: ContextVar[dict[str, Any] | None] = ContextVar("toolkit_log_context", default=None)


def clean_request_id(value: Any) -> str | None:
    """A client-sent request id made safe for logs and headers: characters outside
    ``A-Z a-z 0-9 . _ : / + = -`` removed, cut to 64 characters; None when nothing is left."""
    if not isinstance(value, str):
        return None
    cleaned = _UNSAFE.sub("", value[: MAX_REQUEST_ID_LENGTH * 4])[:MAX_REQUEST_ID_LENGTH]
    return cleaned or None


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def bound(**values: Any) -> Iterator[dict[str, Any]]:
    """Add ``values`` (``request_id=...``, ``job_id=...``) to the log context inside the block."""
    merged = {**(_bound.get() or {}), **{k: v for k, v in values.items() if v is not None}}
    token = _bound.set(merged)
    try:
        yield merged
    finally:
        _bound.reset(token)


def request_id() -> str | None:
    """The id of the request (or of the request that enqueued the running job)."""
    return (_bound.get() or {}).get("request_id")


def snapshot() -> dict[str, Any]:
    """Everything known about the current work: ``request_id``, ``operation_name``,
    ``operation_type``, ``user_id``, ``job_id``... (only the keys that have a value)."""
    values = dict(_bound.get() or {})
    request = _current_request()
    if request is not None:
        name, kind = getattr(request, "toolkit_operation", (None, None))
        values.setdefault("operation_name", name)
        values.setdefault("operation_type", kind)
        values.setdefault("request_id", getattr(request, "request_id", None))
    if "user_id" not in values:
        values["user_id"] = _current_user_id()
    return {k: v for k, v in values.items() if v is not None}


def _current_request() -> Any:
    try:
        from django.apps import apps

        if not apps.ready:
            return None
        from toolkit.security.context import current_request

        return current_request()
    except Exception:
        return None


def _current_user_id() -> str | None:
    try:
        from django.apps import apps

        if not apps.ready:
            return None
        from toolkit.security.context import current_user

        user = current_user()
        if not getattr(user, "is_authenticated", False):
            return None
        return str(user.pk)
    except Exception:
        return None
