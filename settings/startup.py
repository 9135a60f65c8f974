"""Run Django's system checks when a server process starts, if the settings ask for it.

``runserver`` runs the checks itself; WSGI/ASGI servers (gunicorn, uvicorn) do not, so the
production settings set ``RUN_CHECKS_AT_STARTUP`` and a failing check stops the process.
"""

from django.conf import settings
from django.core.management import call_command


def run_startup_checks() -> None:
    if getattr(settings, "RUN_CHECKS_AT_STARTUP", False):
        call_command("check")
