"""Structured logging: one JSON object per line, with the log context and secrets redacted.

- :class:`ContextFilter` adds the request id, GraphQL operation, user id and job id
  (:func:`toolkit.observability.context.snapshot`) to every record;
- :class:`JsonFormatter` writes ``{"time", "level", "logger", "message", ...extras}`` through
  python-json-logger, after :func:`~toolkit.observability.redaction.redact`;
- :class:`TextFormatter` is the same information on one human-readable line (``LOG_FORMAT=text``);
- :class:`AccessJsonFormatter` turns gunicorn's access log records into the same JSON shape;
- :func:`log_operation` receives :data:`toolkit.signals.operation_executed` and writes the one
  ``toolkit.operations`` line per GraphQL operation (name, type, user id, duration, outcome...).

:func:`logging_config` builds the settings' ``LOGGING`` dict (gunicorn has its own, in settings/gunicorn.py).
Nothing here may raise into the caller: a broken stream is reported by ``logging`` itself
(``Handler.handleError``) and the request goes on.
"""

from __future__ import annotations

import datetime
import json
import logging
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

from toolkit.observability import context
from toolkit.observability.redaction import redact, redact_text

#: Context keys, in the order they are written.
CONTEXT_KEYS = ("request_id", "operation_name", "operation_type", "user_id", "job_id", "job_func")
#: The largest JSON rendering of an operation's variables written to the log.
MAX_VARIABLES_CHARS = 2000

operations_logger = logging.getLogger("toolkit.operations")


class ContextFilter(logging.Filter):
    """Adds the log context to each record (never overriding what the caller passed in ``extra``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            for key, value in context.snapshot().items():
                if getattr(record, key, None) is None:
                    setattr(record, key, value)
        except Exception:  # the context is a nicety: never lose the line for it
            pass
        return True


def _iso(created: float) -> str:
    return datetime.datetime.fromtimestamp(created, tz=datetime.UTC).isoformat(timespec="milliseconds")


class JsonFormatter(_BaseJsonFormatter):
    """``{"time": ..., "level": ..., "logger": ..., "message": ..., <context>, <extra>}``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict) -> None:
        log_data["time"] = _iso(record.created)
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.message
        super().add_fields(log_data, record, message_dict)
        for key in ("color_message",):  # uvicorn/rq leftovers
            log_data.pop(key, None)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        try:
            return {k: v for k, v in redact(log_data).items() if v is not None}
        except Exception:
            return {"time": log_data.get("time"), "level": log_data.get("level"), "message": "[unloggable]"}


class TextFormatter(logging.Formatter):
    """``2025-01-01T12:00:00.000+00:00 INFO toolkit.operations [req=ab12 op=GetBooks] message``."""

    def format(self, record: logging.LogRecord) -> str:
        parts = [f"{key.split('_')[0] if key != 'operation_name' else 'op'}={getattr(record, key)}"
                 for key in ("request_id", "operation_name", "user_id", "job_id")
                 if getattr(record, key, None) is not None]  # fmt: skip
        where = f" [{' '.join(parts)}]" if parts else ""
        line = f"{_iso(record.created)} {record.levelname} {record.name}{where} {redact_text(record.getMessage())}"
        if record.exc_info:
            line += "\n" + redact_text(self.formatException(record.exc_info))
        return line


class AccessJsonFormatter(JsonFormatter):
    """gunicorn's access records (``record.args`` holds its atoms) as JSON lines."""

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict) -> None:
        atoms = record.args if isinstance(record.args, dict) else {}
        log_data["time"] = _iso(record.created)
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = f"{atoms.get('m', '-')} {atoms.get('U', '-')} {atoms.get('s', '-')}"
        request_id = atoms.get("{x-request-id}o")
        fields = {
            "request_id": request_id if request_id not in (None, "-") else None,
            "remote_addr": atoms.get("h"),
            "method": atoms.get("m"),
            "path": atoms.get("U"),
            "query": atoms.get("q") or None,
            "status": _int(atoms.get("s")),
            "bytes": _int(atoms.get("B")),
            "duration_ms": round(_int(atoms.get("D")) / 1000, 2)
            if _int(atoms.get("D")) is not None
            else None,
            "user_agent": atoms.get("a"),
            "protocol": atoms.get("H"),
        }
        log_data.update({k: v for k, v in fields.items() if v not in (None, "-")})


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _variables(request: Any) -> Any:
    variables = getattr(request, "toolkit_variables", None)
    if not variables:
        return None
    try:
        text = json.dumps(redact(variables), default=str, sort_keys=True)
    except (TypeError, ValueError):
        return None
    return json.loads(text) if len(text) <= MAX_VARIABLES_CHARS else {"truncated": True, "chars": len(text)}


def log_operation(
    sender: Any,
    *,
    request: Any,
    operation_name: str | None,
    operation_type: str | None,
    duration: float,
    sql_count: int,
    status: str,
    http_status: int,
    error_codes: list[str],
    cache_hit: bool,
    **kwargs: Any,
) -> None:
    """One ``toolkit.operations`` line per GraphQL operation (receiver of ``operation_executed``)."""
    user = getattr(request, "user", None)
    user_id = str(user.pk) if getattr(user, "is_authenticated", False) else None
    level = logging.WARNING if http_status >= 500 else logging.INFO
    operations_logger.log(
        level,
        "%s %s %s in %.1f ms",
        operation_type or "operation",
        operation_name or "(anonymous)",
        status,
        duration * 1000,
        extra={
            "request_id": getattr(request, "request_id", None),
            "operation_name": operation_name,
            "operation_type": operation_type,
            "user_id": user_id,
            "duration_ms": round(duration * 1000, 2),
            "outcome": status,
            "http_status": http_status,
            "error_codes": error_codes or None,
            "sql_count": sql_count,
            "cache_hit": cache_hit,
            "variables": _variables(request),
        },
    )


def logging_config(fmt: str = "json", level: str = "INFO") -> dict[str, Any]:
    """The ``LOGGING`` dict: everything to standard error through one handler, as JSON lines
    (``fmt="json"``) or text (``fmt="text"``), with the log context on every line."""
    formatter = "json" if fmt == "json" else "text"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "toolkit.observability.logging.ContextFilter"}},
        "formatters": {
            "json": {"()": "toolkit.observability.logging.JsonFormatter"},
            "text": {"()": "toolkit.observability.logging.TextFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": formatter,
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
    }
