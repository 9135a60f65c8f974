"""Error reporting to Sentry through sentry-sdk, switched on by the ``SENTRY_DSN`` setting.

What is reported, each exactly once:

- a resolver failure: ``toolkit.errors.format_error`` logs the unexpected exception once, with its
  traceback, and sentry-sdk's logging integration turns that one ERROR record into the event;
- a job failure: sentry-sdk's RQ integration reports a job once it has failed for good (not the
  attempts that are retried); rq's own log lines are ignored by sentry-sdk;
- anything Django itself sees (an exception escaping a view: a 500).

Every event is tagged with the log context — ``request_id``, ``operation_name``,
``operation_type``, ``job_id`` — by :func:`before_send`, which also redacts tokens and passwords
from messages and exception values. ``send_default_pii`` stays off (sentry-sdk's default), frames' local
variables are left out and ``before_send`` drops any ``user``: no cookies, credentials, IP
addresses or user details leave the process. Sending happens on sentry-sdk's
background thread: a Sentry that is down or slow never delays or breaks a request.
"""

from __future__ import annotations

import logging
from typing import Any

from toolkit.observability import context
from toolkit.observability.redaction import REDACTED, redact, redact_text

#: Context keys that become Sentry tags (the user id stays out: personal data).
TAG_KEYS = ("request_id", "operation_name", "operation_type", "job_id", "job_func")


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    """Tag the event with the log context and redact secrets from its texts."""
    try:
        tags = event.setdefault("tags", {})
        for key, value in context.snapshot().items():
            if key in TAG_KEYS:
                tags.setdefault(key, str(value)[:200])
        logentry = event.get("logentry") or {}
        params = logentry.get("params")
        if isinstance(params, (list, tuple)) and params:
            formatted = logentry.get("formatted")
            if not isinstance(formatted, str):
                try:
                    formatted = str(logentry.get("message")) % tuple(params)
                except (TypeError, ValueError):
                    formatted = " ".join(map(str, params))
            # A parameter that redaction would hide in the text is withheld as a parameter too.
            logentry["params"] = (
                [REDACTED] * len(params) if redact_text(formatted) != formatted else redact(list(params))
            )
        for key in ("message", "formatted"):
            if isinstance(logentry.get(key), str):
                logentry[key] = redact_text(logentry[key])
        for exception in (event.get("exception") or {}).get("values") or []:
            if isinstance(exception.get("value"), str):
                exception["value"] = redact_text(exception["value"])
        if isinstance(event.get("extra"), dict):
            event["extra"] = redact(event["extra"])
        event.pop("user", None)  # no personal data, whatever an integration found
    except Exception:  # reporting must never fail because of the decoration
        logging.getLogger(__name__).debug("before_send failed", exc_info=True)
    return event


def init_sentry(
    dsn: str | None,
    *,
    environment: str | None = None,
    release: str | None = None,
    traces_sample_rate: float = 0.0,
    transport: Any = None,
) -> bool:
    """Initialise sentry-sdk when ``dsn`` is set; returns whether it was initialised.

    ``transport`` replaces the HTTP transport (tests pass one that captures envelopes)."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration
    from sentry_sdk.integrations.rq import RqIntegration

    options: dict[str, Any] = {
        "dsn": dsn,
        "environment": environment or None,
        "release": release or None,
        # ``send_default_pii`` stays unset, i.e. off (sentry-sdk deprecates passing it in favour of
        # ``data_collection``, whose defaults without it are the same: no personal data).
        # Frames' local variables can hold anything (users, e-mails, request bodies): left out.
        "include_local_variables": False,
        "traces_sample_rate": traces_sample_rate,
        "before_send": before_send,
        # Only the integrations we reason about: each failure reaches Sentry through one of them.
        "auto_enabling_integrations": False,
        "integrations": [
            DjangoIntegration(),
            RqIntegration(),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ],
        "shutdown_timeout": 2,
    }
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(**options)
    return True


def init_from_settings() -> bool:
    """``init_sentry`` with ``SENTRY_DSN``, ``SENTRY_ENVIRONMENT``, ``SENTRY_RELEASE`` and
    ``SENTRY_TRACES_SAMPLE_RATE`` from Django's settings (called once per process)."""
    from django.conf import settings

    return init_sentry(
        getattr(settings, "SENTRY_DSN", ""),
        environment=getattr(settings, "SENTRY_ENVIRONMENT", ""),
        release=getattr(settings, "SENTRY_RELEASE", ""),
        traces_sample_rate=getattr(settings, "SENTRY_TRACES_SAMPLE_RATE", 0.0),
    )
