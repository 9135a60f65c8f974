"""Alerts when the health state changes: logging, email and webhook built in.

A notifier is any class with ``notify(alert)``, listed in ``TOOLKIT["HEALTH_NOTIFIERS"]`` as a
dotted path or ``[path, {kwargs}]``. A notifier that fails is logged and does not stop the
others, nor change the exit code of ``run_health_checks``.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.mail import mail_admins, send_mail

if TYPE_CHECKING:
    from toolkit.health.runner import RunReport

logger = logging.getLogger("toolkit.health")


@dataclass(frozen=True)
class HealthAlert:
    """The state of a check list changed (``healthy`` is the new state)."""

    report: RunReport

    @property
    def healthy(self) -> bool:
        return self.report.healthy

    @property
    def subject(self) -> str:
        state = "healthy again" if self.healthy else "UNHEALTHY"
        failing = [o.name for o in self.report.outcomes if not o.healthy]
        tail = f": {', '.join(failing)}" if failing else ""
        return f"[health] {self.report.check_list} checks {state}{tail}"

    @property
    def body(self) -> str:
        lines = [self.subject, ""]
        for outcome in self.report.outcomes:
            status = "OK" if outcome.healthy else "FAIL"
            lines.append(
                f"{status:<5} {outcome.name}: {outcome.message or 'OK'} ({outcome.seconds * 1000:.0f} ms)"
            )
        return "\n".join(lines) + "\n"

    def as_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, **self.report.as_dict()}


class Notifier:
    """Base class (optional): subclasses implement :meth:`notify`."""

    def notify(self, alert: HealthAlert) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class LoggingNotifier(Notifier):
    """Logs an error when a list becomes unhealthy and a warning when it recovers."""

    def __init__(self, logger_name: str = "toolkit.health") -> None:
        self.logger = logging.getLogger(logger_name)

    def notify(self, alert: HealthAlert) -> None:
        level = logging.WARNING if alert.healthy else logging.ERROR
        self.logger.log(level, "%s", alert.subject, extra={"health": alert.as_dict()})


class EmailNotifier(Notifier):
    """Emails ``recipients``, or ``settings.ADMINS`` (``mail_admins``) when none are given."""

    def __init__(self, recipients: Sequence[str] | None = None, from_email: str | None = None) -> None:
        self.recipients = list(recipients or [])
        self.from_email = from_email

    def notify(self, alert: HealthAlert) -> None:
        if self.recipients:
            send_mail(alert.subject, alert.body, self.from_email, self.recipients, fail_silently=False)
        else:
            mail_admins(alert.subject, alert.body, fail_silently=False)


class WebhookNotifier(Notifier):
    """POSTs the alert as JSON (``subject``, ``healthy``, ``results``...) to ``url``."""

    def __init__(self, url: str, timeout: float = 5.0, headers: dict[str, str] | None = None) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"webhook url must be http(s), got {url!r}")
        self.url, self.timeout, self.headers = url, timeout, dict(headers or {})

    def notify(self, alert: HealthAlert) -> None:
        body = json.dumps(alert.as_dict()).encode()
        headers = {"Content-Type": "application/json", **self.headers}
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(
            request, timeout=self.timeout
        ) as response:  # http(s) only: checked in __init__
            if not 200 <= response.status < 300:  # pragma: no cover - urlopen raises for 4xx/5xx
                raise urllib.error.HTTPError(
                    self.url, response.status, "webhook refused", response.headers, None
                )
