"""The audit and security log: every mutation and auth event, as a structured JSON log line
(logger ``toolkit.audit``) and as an :class:`toolkit.models.AuditEvent` row.

Events: ``mutation`` (model, operation, object_ids, fields, ok, error_codes...),
``permission_denied``, ``login_ok``, ``login_failed``, ``token_refreshed``, ``refresh_failed``,
``token_revoked``, ``token_rejected``, ``limit_exceeded`` and ``rate_limited``.

Secrets are redacted before anything is written (:func:`redact`): the values of sensitive-looking
keys (passwords, tokens, keys, ...), JSON Web Tokens and ``Bearer`` credentials found in strings,
and ``password: "..."``-style arguments quoted in messages.

Rows must survive the rollback of a failed or dry-run mutation: while an operation runs under
:class:`toolkit.mutations.execution.MutationExecutionContext`, events are buffered (a context
variable) and written by :func:`buffered` once the operation's transactions have ended. Events
recorded outside an operation (the view's ``token_rejected``, ``limit_exceeded``,
``rate_limited``) are written at once. Recording never raises: a failure to write is logged.
Failed session logins (the Django admin's form) are ``login_failed`` events too, with
``via: "session"`` (:func:`connect_signals`).
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.utils import timezone

from toolkit.conf import get_config
from toolkit.observability.redaction import (  # noqa: F401  (re-exported: the audit log's redaction)
    REDACTED,
    is_sensitive_key,
    redact,
    redact_text,
)
from toolkit.security.context import current_request, current_user, serving

logger = logging.getLogger("toolkit.audit")

#: Events recorded during the current operation, written when it ends (None: write at once).
_buffer: ContextVar[list[dict[str, Any]] | None] = ContextVar("toolkit_audit_buffer", default=None)

REQUEST_ID_RE = re.compile(r"[^A-Za-z0-9._:/+=-]")

#: The outcome of events that do not say (``ok`` in the row and the log line).
OUTCOMES = {
    "login_ok": True,
    "login_failed": False,
    "token_refreshed": True,
    "refresh_failed": False,
    "token_revoked": True,
    "token_rejected": False,
    "permission_denied": False,
    "limit_exceeded": False,
    "rate_limited": False,
}


# -- recording ---------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _ip(value: Any, request: Any) -> str | None:
    """A valid address for the ``ip`` column: the one given, else the request's client IP."""
    if not value and request is not None:
        from toolkit.security.ratelimit import client_ip

        value = client_ip(request)
    try:
        return str(ipaddress.ip_address(str(value))) if value else None
    except ValueError:
        return None


def _request_id(request: Any) -> str:
    if request is None:
        return ""
    value = getattr(request, "request_id", None)  # set by a request-id middleware, if any
    if not isinstance(value, str) or not value:
        header = get_config()["AUDIT_REQUEST_ID_HEADER"]
        if not header:
            return ""
        meta_key = "HTTP_" + header.upper().replace("-", "_")
        value = request.META.get(meta_key, "") if hasattr(request, "META") else ""
    return REQUEST_ID_RE.sub("", str(value))[:64]


def _user_fields(user: Any) -> tuple[str, str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return "", ""
    return str(user.pk)[:64], (user.get_username() or "")[:150]


def entry_for(event: str, user: Any, request: Any, details: dict[str, Any]) -> dict[str, Any]:
    """The redacted, JSON-ready event (the log line and the row hold the same fields)."""
    details = dict(details)
    ip = _ip(details.pop("ip", None), request)
    user_id, username = _user_fields(user)
    model = details.pop("model", None) or ""
    object_ids = details.pop("object_ids", None) or []
    ok = details.pop("ok", OUTCOMES.get(event))
    return {
        "time": timezone.now().isoformat(),
        "event": event,
        "user_id": user_id,
        "username": username,
        "ip": ip,
        "request_id": _request_id(request),
        "model": str(model),
        "object_ids": [redact_text(str(i)) for i in object_ids],
        "ok": None if ok is None else bool(ok),
        "details": _jsonable(redact(details)),
    }


def record(event: str, *, user: Any = None, request: Any = None, **details: Any) -> None:
    """Record one audit event (``mutation``, ``login_ok``, ``login_failed``, ...).

    ``user`` defaults to the current caller and ``request`` to the request being served; the
    detail keys ``ip``, ``model``, ``object_ids`` and ``ok`` fill their own columns.
    """
    try:
        user = user if user is not None else current_user()
        request = request if request is not None else current_request()
        entry = entry_for(event, user, request, details)
        logger.info(json.dumps(entry, sort_keys=True), extra={"audit": entry})
    except Exception:
        logger.exception("Audit event %r could not be recorded.", event)
        return
    buffer = _buffer.get()
    if buffer is not None:
        buffer.append(entry)
    else:
        write([entry])


def record_limit_errors(errors: list[Any]) -> None:
    """An event per query-limit rejection (``extensions.limit`` set by toolkit.security.limits)."""
    for error in errors:
        limit = (error.extensions or {}).get("limit")
        if limit:
            record("limit_exceeded", limit=limit, message=error.message, ok=False)


def write(entries: list[dict[str, Any]]) -> None:
    """Store ``entries`` as AuditEvent rows (one INSERT; a failure is logged, not raised)."""
    if not entries or not get_config()["AUDIT_TABLE"]:
        return
    from toolkit.models import AuditEvent

    rows = [
        AuditEvent(
            created_at=datetime.datetime.fromisoformat(e["time"]),
            event=e["event"][:64],
            user_id=e["user_id"],
            username=e["username"],
            ip=e["ip"],
            request_id=e["request_id"],
            model=e["model"][:100],
            object_ids=e["object_ids"],
            ok=e["ok"],
            details=e["details"],
        )
        for e in entries
    ]
    try:
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():  # a savepoint: a failure here leaves the outer transaction usable
                AuditEvent.objects.bulk_create(rows)
        else:
            AuditEvent.objects.bulk_create(rows)
    except Exception:
        logger.exception("%d audit event(s) could not be stored.", len(rows))


@contextmanager
def buffered(request: Any = None) -> Iterator[None]:
    """Hold the events recorded inside (one GraphQL operation) and store them at the end, after
    the operation's transactions, so rolled-back writes keep their audit rows. Nested use joins
    the outer buffer. ``request`` becomes the current request for the IP and request id."""
    with serving(request):
        if _buffer.get() is not None:
            yield
            return
        token = _buffer.set([])
        try:
            yield
        finally:
            entries = _buffer.get() or []
            _buffer.reset(token)
            write(entries)


def prune(days: int | None = None) -> int:
    """Delete events older than ``days`` (default ``AUDIT_RETENTION_DAYS``; None keeps all).
    Returns the number of rows deleted."""
    from toolkit.models import AuditEvent

    days = get_config()["AUDIT_RETENTION_DAYS"] if days is None else days
    if days is None:
        return 0
    cutoff = timezone.now() - datetime.timedelta(days=days)
    deleted, _ = AuditEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def record_session_login_failure(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    """``user_login_failed`` outside GraphQL (the admin's and any other session login form).

    ``tokenAuth`` records its own ``login_failed`` while a GraphQL request is being served, so
    those are skipped here rather than recorded twice."""
    if current_request() is not None:
        return
    username = credentials.get("username") or credentials.get(get_user_model().USERNAME_FIELD) or ""
    path = getattr(request, "path", "") if request is not None else ""
    record(
        "login_failed",
        user=None,
        request=request,
        attempted_username=str(username)[:150],
        via="session",
        path=path,
    )


def connect_signals() -> None:
    user_login_failed.connect(record_session_login_failure, dispatch_uid="toolkit.audit.session_login_failed")
