"""The audit and security log: structured log lines for mutations and auth events.

Secrets (passwords, tokens and sensitive-looking keys) are redacted before anything is written.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from toolkit.conf import get_config
from toolkit.security.context import current_user

logger = logging.getLogger("toolkit.audit")
REDACTED = "[redacted]"


def redact(value: Any) -> Any:
    """A copy of ``value`` with every sensitive-looking key's value replaced."""
    patterns = get_config()["SENSITIVE_FIELD_PATTERNS"]
    if isinstance(value, dict):
        return {
            k: REDACTED if any(p in str(k).lower() for p in patterns) else redact(v) for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    return value


def record(event: str, *, user: Any = None, **details: Any) -> None:
    """Write one audit event (``mutation``, ``login_ok``, ``login_failed``, ...)."""
    user = user if user is not None else current_user()
    entry = {
        "event": event,
        "user_id": getattr(user, "pk", None),
        "username": getattr(user, "get_username", lambda: "")() or None,
        **redact(details),
    }
    logger.info(json.dumps(entry, default=str, sort_keys=True))


def record_limit_errors(errors: list[Any]) -> None:
    """An event per query-limit rejection (``extensions.limit`` set by toolkit.security.limits)."""
    for error in errors:
        limit = (error.extensions or {}).get("limit")
        if limit:
            record("limit_exceeded", limit=limit, message=error.message)
