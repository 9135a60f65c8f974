#!/usr/bin/env python3
"""Regenerate the dashboard screenshots in docs/img/ (dashboard-*.png).

They are taken by the browser tests (tests/dashboard/test_browser.py: a real headless Chromium
against a live server with sample data); this runs those tests on SQLite with
``DASHBOARD_SCREENSHOT_DIR=docs/img``. Elsewhere the tests write to a temporary folder, so a
changed screenshot never fails a test run. Needs Redis and Chromium (scripts/services.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    target = ROOT / "docs" / "img"
    target.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TEST_DATABASES": "sqlite", "DASHBOARD_SCREENSHOT_DIR": str(target)}
    command = [
        str(ROOT / "scripts" / "test.sh"),
        "tests/dashboard/test_browser.py",
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)
    if result.returncode == 0:
        print(
            f"screenshots written to {target.relative_to(ROOT)}/:",
            ", ".join(sorted(p.name for p in target.glob("dashboard-*.png"))),
        )
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
