"""``/health/live/`` and ``/health/ready/``: django-health-check's view with our check lists."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse
from health_check.views import HealthCheckView

from toolkit.health import config

logger = logging.getLogger("toolkit.health")


class ToolkitHealthCheckView(HealthCheckView):
    """Reads ``TOOLKIT["HEALTH_CHECKS"][check_list]`` per request (so settings changes apply);
    JSON, text, OpenMetrics, RSS/Atom and HTML exactly as django-health-check renders them."""

    check_list = "ready"

    def get_checks(self) -> Iterator[Any]:
        yield from self._checks

    async def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            self._checks = config.check_list(self.check_list)
        except config.HealthConfigError:
            # The details name settings: they go to the log, not to an unauthenticated client.
            logger.exception("the %s health checks are misconfigured", self.check_list)
            return HttpResponse(
                "misconfigured: see the server log and manage.py check\n",
                status=500,
                content_type="text/plain",
            )
        return await super().get(request, *args, **kwargs)
