"""Overview: one screen that says whether everything is fine — every other panel's tiles."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from dashboard.conf import dashboard_config
from dashboard.panels.base import Panel, Tile, worst

logger = logging.getLogger("dashboard")


@dataclass
class OverviewData:
    #: The worst state of the tiles: ``ok``, ``warning``, ``error`` (``unknown``: nothing to judge).
    state: str
    tiles: list[Tile]
    generated_at: Any = None
    refresh_seconds: int = 0
    panels: list[str] = field(default_factory=list)


def collect_tiles(panels: list[Panel]) -> list[Tile]:
    """The tiles of ``panels``; a panel that fails shows an error tile (and is logged)."""
    tiles: list[Tile] = []
    for panel in panels:
        try:
            tiles.extend(panel.tiles())
        except Exception as exc:  # one broken panel must not hide the others
            logger.exception("dashboard panel %s failed to compute its tiles", panel.slug)
            tiles.append(
                Tile(panel.slug, panel.title, "failed", "error", panel.url, f"{type(exc).__name__}: {exc}")
            )
    return tiles


class OverviewPanel(Panel):
    slug = "overview"
    title = "Overview"
    template = "dashboard/overview.html"

    def data(self, params: Mapping[str, str]) -> OverviewData:
        from dashboard.panels import load_panels

        others = [p for p in load_panels() if p.slug != self.slug]
        tiles = collect_tiles(others)
        return OverviewData(
            state=worst([t.state for t in tiles]),
            tiles=tiles,
            generated_at=timezone.now(),
            refresh_seconds=int(dashboard_config()["REFRESH_SECONDS"]),
            panels=[p.slug for p in others],
        )

    def text(self, data: OverviewData) -> str:
        lines = [f"Overall: {data.state.upper()} ({data.generated_at:%Y-%m-%d %H:%M:%S} UTC)"]
        lines += [f"  {t.state:<8} {t.label:<24} {t.value:<20} {t.detail}" for t in data.tiles]
        return "\n".join(lines) + "\n"
