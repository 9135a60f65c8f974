"""The settings modules: environment parsing, and production refusing insecure configurations.

Settings are read at import time, so most tests run a fresh interpreter with a controlled
environment (nothing inherited from the test run apart from PATH and HOME).
"""

from __future__ import annotations

import json
import os
import secrets
import string
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from django.core import checks
from django.core.checks.security import base as django_security
from django.test import override_settings

from settings.base import INSECURE_DEV_SECRET_KEY
from settings.checks import (
    MIN_SECRET_KEY_LENGTH,
    MIN_SECRET_KEY_UNIQUE_CHARACTERS,
    check_production_settings,
    is_insecure_secret_key,
)

ROOT = Path(__file__).resolve().parents[2]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
PYTHON = str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable
STRONG_KEY = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(60))

needs_no_dotenv = pytest.mark.skipif(
    (ROOT / ".env").exists(), reason="a local .env file supplies defaults for unset variables"
)


def run(args: list[str], settings_module: str, **env: str) -> subprocess.CompletedProcess:
    controlled = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_SETTINGS_MODULE": settings_module,
        **env,
    }
    return subprocess.run(
        [PYTHON, *args], cwd=ROOT, env=controlled, capture_output=True, text=True, timeout=120
    )


def manage_check(**env: str) -> subprocess.CompletedProcess:
    env.setdefault("ALLOWED_HOSTS", "example.com")
    env.setdefault("DATABASE_URL", "sqlite:////tmp/toolkit-settings-test-unused.sqlite3")
    env.setdefault("CLAMD_URL", "tcp://127.0.0.1:3310")  # production refuses the built-in test scanner
    return run(["manage.py", "check"], "settings.prod", **env)


PROBE = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "host": db.get("HOST"), "port": db.get("PORT"),
    "user": db.get("USER"), "password": db.get("PASSWORD"),
    "cache": settings.CACHES["default"],
    "allowed_hosts": settings.ALLOWED_HOSTS, "debug": settings.DEBUG,
    "secret_key": settings.SECRET_KEY,
}))
"""


@cache
def _probe(settings_module: str, env: frozenset) -> dict:
    result = run(["-c", PROBE], settings_module, **dict(env))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def probe(settings_module: str = "settings.dev", **env: str) -> dict:
    """The settings a fresh process sees with exactly ``env`` set."""
    return _probe(settings_module, frozenset(env.items()))


# -- production refuses to start insecurely ---------------------------------------------------


def test_prod_check__default_insecure_key__fails_with_settings_e001():
    result = manage_check()
    assert result.returncode != 0
    assert "settings.E001" in result.stderr
    assert "SECRET_KEY is missing or insecure" in result.stderr
    assert "settings.E002" not in result.stderr


def test_prod_check__debug_true__fails_with_settings_e002():
    result = manage_check(SECRET_KEY=STRONG_KEY, DEBUG="true")
    assert result.returncode != 0
    assert "settings.E002" in result.stderr
    assert "settings.E001" not in result.stderr


def test_prod_check__insecure_key_and_debug__reports_both():
    result = manage_check(DEBUG="true")
    assert result.returncode != 0
    assert "settings.E001" in result.stderr and "settings.E002" in result.stderr


def test_prod_check__strong_key_and_debug_unset__passes():
    result = manage_check(SECRET_KEY=STRONG_KEY)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "settings.E00" not in result.stdout + result.stderr


def test_prod_check__explicit_debug_false__passes():
    result = manage_check(SECRET_KEY=STRONG_KEY, DEBUG="false")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("module", ["settings.wsgi", "settings.asgi"])
def test_server_entry_point__refuses_to_import_with_an_insecure_key(module):
    result = run(
        ["-c", f"import {module}"],
        "settings.prod",
        ALLOWED_HOSTS="example.com",
        DATABASE_URL="sqlite:////tmp/toolkit-settings-test-unused.sqlite3",
    )
    assert result.returncode != 0
    assert "SystemCheckError" in result.stderr
    assert "settings.E001" in result.stderr


@pytest.mark.parametrize("module", ["settings.wsgi", "settings.asgi"])
def test_server_entry_point__imports_with_a_good_environment(module):
    result = run(
        ["-c", f"import {module}; print(type({module}.application).__name__)"],
        "settings.prod",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="example.com",
        CLAMD_URL="tcp://127.0.0.1:3310",
        DATABASE_URL="sqlite:////tmp/toolkit-settings-test-unused.sqlite3",
    )
    assert result.returncode == 0, result.stderr
    expected = "WSGIHandler" if module == "settings.wsgi" else "ASGIHandler"
    assert result.stdout.strip().splitlines()[-1] == expected


# -- the production check function, in process -----------------------------------------------


def check_ids() -> list[str]:
    return [m.id for m in check_production_settings()]


def test_check_production_settings__strong_key_and_no_debug__is_clean():
    with override_settings(SECRET_KEY=STRONG_KEY, DEBUG=False):
        assert check_ids() == []


@pytest.mark.parametrize(
    "key",
    [
        INSECURE_DEV_SECRET_KEY,
        "django-insecure-" + STRONG_KEY,
        STRONG_KEY[: MIN_SECRET_KEY_LENGTH - 1],
        "abcd" * 20,
    ],
)
def test_check_production_settings__insecure_key__is_e001_error(key):
    with override_settings(SECRET_KEY=key, DEBUG=False):
        messages = check_production_settings()
    assert [(m.id, m.level) for m in messages] == [("settings.E001", checks.ERROR)]
    assert str(MIN_SECRET_KEY_LENGTH) in messages[0].hint


def test_check_production_settings__debug__is_e002_error():
    with override_settings(SECRET_KEY=STRONG_KEY, DEBUG=True):
        messages = check_production_settings()
    assert [(m.id, m.level) for m in messages] == [("settings.E002", checks.ERROR)]


# -- is_insecure_secret_key --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "insecure"),
    [
        (None, True),
        ("", True),
        (INSECURE_DEV_SECRET_KEY, True),
        ("django-insecure-" + STRONG_KEY, True),
        (STRONG_KEY[: MIN_SECRET_KEY_LENGTH - 1], True),
        (STRONG_KEY[:MIN_SECRET_KEY_LENGTH], False),
        (STRONG_KEY, False),
        ("x" * 100, True),
        ("abcd" * 25, True),  # 4 distinct characters
        ("abcde" * 10, False),  # exactly 5 distinct characters, exactly 50 long
        ("abcde" * 10 + "django-insecure", False),  # only the prefix marks a development key
    ],
)
def test_is_insecure_secret_key(key, insecure):
    assert is_insecure_secret_key(key) is insecure


def test_is_insecure_secret_key__thresholds_match_djangos_rule():
    assert MIN_SECRET_KEY_LENGTH == django_security.SECRET_KEY_MIN_LENGTH
    assert MIN_SECRET_KEY_UNIQUE_CHARACTERS == django_security.SECRET_KEY_MIN_UNIQUE_CHARACTERS


@needs_no_dotenv
def test_dev_settings__default_secret_key_is_the_insecure_dev_key():
    assert probe()["secret_key"] == INSECURE_DEV_SECRET_KEY


# -- DATABASE_URL --------------------------------------------------------------------------------


@needs_no_dotenv
def test_database_url_unset__uses_sqlite_in_the_project():
    values = probe()
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"].endswith("db.sqlite3")
    assert Path(values["name"]) == ROOT / "db.sqlite3"


def test_database_url_postgres__is_parsed():
    values = probe(DATABASE_URL="postgres://catalogue_user:s3cret@db.example.com:6543/catalogue")
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["host"] == "db.example.com"
    assert int(values["port"]) == 6543
    assert values["name"] == "catalogue"
    assert values["user"] == "catalogue_user"
    assert values["password"] == "s3cret"


def test_database_url_sqlite_path__is_parsed(tmp_path):
    target = tmp_path / "other.sqlite3"
    values = probe(DATABASE_URL=f"sqlite:///{target}")
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(target)


# -- REDIS_URL -----------------------------------------------------------------------------------


def test_redis_url_set__enables_the_redis_cache():
    values = probe(REDIS_URL="redis://cache.example.com:6380/2")
    assert values["cache"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://cache.example.com:6380/2",
    }


@needs_no_dotenv
def test_redis_url_unset__uses_the_local_memory_cache():
    assert probe()["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_redis_url_empty__uses_the_local_memory_cache():
    assert probe(REDIS_URL="")["cache"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


# -- ALLOWED_HOSTS and DEBUG ------------------------------------------------------------------


def test_allowed_hosts__comma_separated_list():
    assert probe(ALLOWED_HOSTS="a.com,b.com")["allowed_hosts"] == ["a.com", "b.com"]


@needs_no_dotenv
def test_allowed_hosts_unset__local_hosts_only():
    assert probe()["allowed_hosts"] == ["localhost", "127.0.0.1", "[::1]"]


@needs_no_dotenv
@pytest.mark.parametrize(("module", "debug"), [("settings.dev", True), ("settings.prod", False)])
def test_debug_default_per_environment(module, debug):
    assert probe(module)["debug"] is debug


@pytest.mark.parametrize(("value", "debug"), [("false", False), ("0", False), ("true", True), ("1", True)])
def test_debug_from_the_environment(value, debug):
    assert probe(DEBUG=value)["debug"] is debug
