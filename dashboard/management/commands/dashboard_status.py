"""``manage.py dashboard_status``: the dashboard's overview (or one panel) as text or JSON.

The same data functions as the admin pages and the JSON status endpoint. Exit codes: 0 when
the overall state is ok, warning or unknown; 1 when it is error (``--fail-on warning`` fails on
warnings too, ``--fail-on never`` never fails); 2 for an unknown panel or a bad parameter.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboard.panels import BadParameter, NotFound, get_panel, load_panels, to_json

FAIL_ON = {"error": ("error",), "warning": ("warning", "error"), "never": ()}


class Command(BaseCommand):
    help = "Print the dashboard's overview (health, metrics, queues, security, schema) or one panel."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print JSON (what status.json returns)")
        parser.add_argument(
            "--panel", default="", help="one panel's data: " + ", ".join(p.slug for p in load_panels())
        )
        parser.add_argument(
            "--window", default="", help="the window of the operations/security panels (1h, 24h, 7d)"
        )
        parser.add_argument(
            "--fail-on",
            choices=sorted(FAIL_ON),
            default="error",
            help="the overview state that exits 1 (default: error)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["panel"] or load_panels()[0].slug
        try:
            panel = get_panel(slug)
        except KeyError:
            raise CommandError(
                f"unknown panel {slug!r} (known: {', '.join(p.slug for p in load_panels())})", returncode=2
            ) from None
        params = {"window": options["window"]} if options["window"] else {}
        try:
            data = panel.data(params)
        except (BadParameter, NotFound) as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if options["json"]:
            payload: dict[str, Any] = {"panel": slug, "data": to_json(data)}
            if hasattr(data, "state"):
                payload["status"] = data.state
            self.stdout.write(json.dumps(payload, indent=2))
        else:
            self.stdout.write(panel.text(data), ending="")
        state = getattr(data, "state", None)
        if state in FAIL_ON[options["fail_on"]]:
            raise CommandError(f"overall state: {state}", returncode=1)
