"""Settings for the test-suite: fast password hashing, media in a temporary directory."""

import tempfile

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, STORAGES, TOOLKIT

#: A test-only app with clashing model names (tests/clash); not exposed unless a test says so.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.clash"]

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="toolkit-test-media-")
QUARANTINE_ROOT = tempfile.mkdtemp(prefix="toolkit-test-quarantine-")
STORAGES = {**STORAGES, "quarantine": {**STORAGES["quarantine"], "OPTIONS": {"location": QUARANTINE_ROOT}}}

#: Tests write through the ORM (QuerySet.update) and roll back: cached results would outlive both.
#: The result cache has tests of its own (tests/optimizer/test_result_cache.py).
TOOLKIT = {**TOOLKIT, "RESULT_CACHE": {"enabled": False, "timeout": 300}}
#: Same for the field cache of ``@computed(cache=...)`` fields (tests/optimizer/test_computed_fields.py).
TOOLKIT["COMPUTED_FIELD_CACHE"] = False
#: Operation metrics are written to the database every few seconds by whichever request comes
#: next: inside another test's SQL count that would be flaky. tests/dashboard turns them on.
TOOLKIT["DASHBOARD"] = {**TOOLKIT["DASHBOARD"], "METRICS": {"enabled": False}}
