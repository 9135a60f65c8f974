"""Health checks for the dashboard tests (no outside service involved)."""

from __future__ import annotations

import dataclasses

from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable


@dataclasses.dataclass
class AlwaysDown(HealthCheck):
    def run(self) -> None:
        raise ServiceUnavailable("down on purpose")


@dataclasses.dataclass
class AlwaysUp(HealthCheck):
    def run(self) -> None:
        self.detail = "fine"
