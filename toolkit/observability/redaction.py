"""Redaction of secrets before anything is written: log lines, audit events, Sentry events.

Values of sensitive-looking keys (passwords, tokens, keys, cookies, ... and the toolkit's
``SENSITIVE_FIELD_PATTERNS``/``SENSITIVE_FIELD_NAMES``) are replaced by ``[redacted]``, and so
are JSON Web Tokens, ``Bearer``/``Basic`` credentials and ``password: "..."``-style assignments
found inside strings. Pure functions, importable before Django's apps are ready (the logging
configuration uses them); the toolkit's settings are read when available.
"""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[redacted]"

#: Key fragments whose values are always redacted, on top of ``SENSITIVE_FIELD_PATTERNS``.
SECRET_KEY_PATTERNS = (
    "password", "passwd", "token", "secret", "key", "authorization", "cookie", "session",
    "csrf", "credential", "signature", "otp", "access", "refresh", "jwt", "dsn",
)  # fmt: skip
#: Keys the audit log and the log lines write themselves: names and ids, never secrets.
PLAIN_KEYS = frozenset(
    {
        "event", "model", "object_ids", "fields", "ok", "operation", "error_codes",
        "operation_name", "operation_type", "request_id", "user_id", "job_id", "logger", "level",
        "message", "time", "duration_ms", "outcome", "http_status", "sql_count", "cache_hit",
        "exc_info", "stack_info", "job_func", "queue",
    }
)  # fmt: skip

JWT_RE = re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
BEARER_RE = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}")
ASSIGNMENT_RE = re.compile(
    r"""(?ix)
    (?P<name>["']?[a-z_]*(?:password|passwd|secret|token|api_?key|refresh|access)[a-z_]*["']?\s*[:=]\s*)
    (?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,)}&]+)
    """
)
#: ``scheme://user:password@host`` in URLs (a DSN or DATABASE_URL quoted in a message).
URL_PASSWORD_RE = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s/]+@")


def _configured() -> tuple[tuple[str, ...], frozenset[str]]:
    """The toolkit's sensitive field patterns and names (none before settings are ready)."""
    try:
        from toolkit.conf import get_config

        config = get_config()
        return (
            tuple(p.lower() for p in config["SENSITIVE_FIELD_PATTERNS"]),
            frozenset(n.lower() for n in config["SENSITIVE_FIELD_NAMES"]),
        )
    except Exception:  # settings not configured (early start-up): the built-in list still applies
        return (), frozenset()


def is_sensitive_key(key: Any) -> bool:
    """True when the value stored under ``key`` must not be written anywhere."""
    name = str(key).lower()
    if name in PLAIN_KEYS:
        return False
    patterns, names = _configured()
    return name in names or any(p in name for p in (*SECRET_KEY_PATTERNS, *patterns))


def redact_text(text: str) -> str:
    """``text`` with JWTs, ``Bearer ...`` credentials, URL passwords and ``password: "..."``
    values replaced."""
    text = JWT_RE.sub(REDACTED, text)
    text = BEARER_RE.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = URL_PASSWORD_RE.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)
    return ASSIGNMENT_RE.sub(lambda m: f"{m.group('name')}{REDACTED}", text)


def redact(value: Any) -> Any:
    """A copy of ``value`` with every sensitive-looking key's value and every token in a string
    replaced by ``[redacted]`` (dicts, lists and tuples are walked)."""
    if isinstance(value, dict):
        return {k: REDACTED if is_sensitive_key(k) else redact(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value
