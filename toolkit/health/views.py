"""``/health/live/`` and ``/health/ready/``: django-health-check's view with our check lists."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from health_check.views import HealthCheckView

from toolkit.health import config


class ToolkitHealthCheckView(HealthCheckView):
    """Reads ``TOOLKIT["HEALTH_CHECKS"][check_list]`` per request (so settings changes apply);
    JSON, text, OpenMetrics, RSS/Atom and HTML exactly as django-health-check renders them."""

    check_list = "ready"

    def get_checks(self) -> Iterator[Any]:
        yield from config.check_list(self.check_list)
