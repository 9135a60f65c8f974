"""Production: secure defaults; refuses to start with an insecure SECRET_KEY or DEBUG on.

Both refusals are Django system check errors (``settings.E001``, ``settings.E002``), so
``manage.py check``, ``runserver``, ``migrate`` and the WSGI/ASGI entry points report them
as one readable line instead of crashing at import time.
"""

from django.core import checks

from media_pipeline.checks import check_scanner_for_production

from .base import *  # noqa: F403
from .base import STORAGES, TOOLKIT, env
from .checks import check_production_settings, check_required_environment

DEBUG = env.bool("DEBUG", default=False)
#: The WSGI/ASGI entry points run the system checks before serving (see settings/wsgi.py).
RUN_CHECKS_AT_STARTUP = True

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=3600)
SECURE_CONTENT_TYPE_NOSNIFF = True
#: The container's HEALTHCHECK and load balancers probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/"]

#: Collected static files with hashed names and pre-compressed copies, served by WhiteNoise.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}

#: No introspection (and no "Did you mean ...?" suggestions) in production; __typename still works.
TOOLKIT = {**TOOLKIT, "INTROSPECTION": False}

checks.register(check_production_settings, checks.Tags.security)
#: DATABASE_URL and ALLOWED_HOSTS must be set (settings.E004): no silent SQLite in production.
checks.register(check_required_environment, checks.Tags.security)
#: Production refuses the built-in EICAR-only test scanner: CLAMD_URL must be set (docs/media.md).
checks.register(check_scanner_for_production, checks.Tags.security)
