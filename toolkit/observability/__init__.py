"""Observability: request ids, structured JSON logs, redaction and Sentry (docs/deployment.md).

- ``middleware.RequestIdMiddleware``: ``X-Request-ID`` in, out, and on every log line;
- ``logging``: the JSON/text formatters, the context filter and the per-operation log line;
- ``redaction``: what never reaches a log line, an audit row or a Sentry event;
- ``sentry``: sentry-sdk set up from ``SENTRY_DSN``;
- ``context``: the log context itself (request id, operation, user, job).

:func:`setup` is called once per process by the toolkit's ``AppConfig.ready()``.
"""

from __future__ import annotations

_ready = {"done": False}


def setup() -> None:
    """Connect the operation log line and start Sentry when ``SENTRY_DSN`` is set."""
    if _ready["done"]:
        return
    _ready["done"] = True
    from toolkit import signals
    from toolkit.observability.logging import log_operation
    from toolkit.observability.sentry import init_from_settings

    signals.operation_executed.connect(log_operation, dispatch_uid="toolkit.observability.log_operation")
    init_from_settings()
