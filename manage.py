#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.dev")
    from django.core.management import execute_from_command_line

    from settings.environment import InvalidEnvironment

    try:
        execute_from_command_line(sys.argv)
    except InvalidEnvironment as exc:  # one readable line, not a traceback (settings/environment.py)
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
