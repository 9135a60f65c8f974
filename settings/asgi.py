"""ASGI entry point (``uvicorn settings.asgi:application``)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.prod")

application = get_asgi_application()

from settings.startup import run_startup_checks  # noqa: E402

run_startup_checks()
