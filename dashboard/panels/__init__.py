"""The dashboard's pages: ``TOOLKIT["DASHBOARD"]["PANELS"]`` lists their classes, in order.

The contract is in :mod:`dashboard.panels.base`; the built-in panels are ``overview``,
``health``, ``operations`` (GraphQL metrics), ``queues`` (queues and media), ``security`` and
``schema``.
"""

from __future__ import annotations

from django.utils.module_loading import import_string

from dashboard.conf import dashboard_config
from dashboard.panels.base import BadParameter, NotFound, Panel, Tile, to_json

_memo: tuple[object, list[Panel]] | None = None


def load_panels() -> list[Panel]:
    """The configured panels, instantiated once per settings change."""
    global _memo
    config = dashboard_config()
    if _memo is not None and _memo[0] is config:
        return _memo[1]
    panels = [import_string(path)() for path in config["PANELS"]]
    _memo = (config, panels)
    return panels


def get_panel(slug: str) -> Panel:
    """The configured panel with this slug (``KeyError`` if none)."""
    for panel in load_panels():
        if panel.slug == slug:
            return panel
    raise KeyError(slug)


__all__ = ["BadParameter", "NotFound", "Panel", "Tile", "get_panel", "load_panels", "to_json"]
