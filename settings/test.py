"""Settings for the test-suite: fast password hashing, media in a temporary directory."""

import tempfile

from .base import *  # noqa: F403
from .base import INSTALLED_APPS

#: A test-only app with clashing model names (tests/clash); not exposed unless a test says so.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.clash"]

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="toolkit-test-media-")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
