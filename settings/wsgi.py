"""WSGI entry point (``gunicorn settings.wsgi``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.prod")

application = get_wsgi_application()

from settings.startup import run_startup_checks  # noqa: E402

run_startup_checks()
