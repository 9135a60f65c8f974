"""Start-up validation: a missing or invalid environment variable gives one readable error naming
it — from manage.py, from gunicorn, and as system checks in production."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from settings.checks import check_required_environment
from settings.environment import VARIABLES, InvalidEnvironment, check_environment, problems
from tests.production.conftest import PYTHON, ROOT, controlled_env

STRONG_KEY = "k" * 20 + "".join(chr(97 + i % 26) for i in range(40))


def manage(*args, settings_module="settings.test", **env):
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=controlled_env(DJANGO_SETTINGS_MODULE=settings_module, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("DEBUG", "maybe", "must be true or false"),
        ("JWT_ACCESS_MINUTES", "abc", "must be a whole number greater than 0"),
        ("JWT_REFRESH_DAYS", "-3", "must be a whole number greater than 0"),
        ("SECURE_HSTS_SECONDS", "soon", "must be a whole number, 0 or more"),
        ("LOG_LEVEL", "LOUD", "must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ("LOG_FORMAT", "xml", "must be one of json, text"),
        ("SENTRY_TRACES_SAMPLE_RATE", "2", "must be a number between 0 and 1"),
        ("CLAMD_URL", "127.0.0.1:3310", "must be a URL starting with tcp:// or unix://"),
        ("ALLOWED_HOSTS", "a.com,,b.com", "must be a comma-separated list of host names"),
        ("WEB_CONCURRENCY", "many", "must be a whole number greater than 0"),
    ],
)
def test_manage_py__an_invalid_variable_is_one_readable_line(name, value, says):
    result = manage("check", **{name: value})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: Invalid environment variable {name}={value!r}: {says}"), lines
    assert "Traceback" not in result.stderr + result.stdout


def test_manage_py__secret_values_are_not_repeated():
    result = manage("check", DATABASE_URL="mysql-ish://user:hunter2@db/x", SENTRY_DSN="not a url hunter3")
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert "DATABASE_URL=(value hidden): must be a database URL" in line
    assert "SENTRY_DSN=(value hidden)" in line
    assert "hunter2" not in line and "hunter3" not in line


def test_manage_py__every_invalid_variable_is_named_in_the_one_error():
    result = manage("migrate", "--plan", DEBUG="perhaps", PORT="0")
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: Invalid environment variables: ")
    assert "DEBUG='perhaps'" in line and "PORT='0'" in line


def test_manage_py__commands_of_other_apps_report_it_the_same_way():
    result = manage("rqworker", "--burst", REDIS_URL="http://not-redis:6379")
    assert result.returncode != 0
    assert result.stderr.strip() == (
        "error: Invalid environment variable REDIS_URL=(value hidden): "
        "must be a URL starting with redis:// or rediss:// or unix://"
    )


@pytest.mark.parametrize("value", ["", "true", "0", "Yes"])
def test_valid_and_empty_values__pass(value):
    assert problems({"DEBUG": value, "RESULT_CACHE": value}) == []


def test_valid_urls__pass():
    assert (
        problems(
            {
                "DATABASE_URL": "postgres://u:p@db.example.com:5432/app",
                "REDIS_URL": "redis://127.0.0.1:6379/0",
                "CLAMD_URL": "unix:///run/clamav/clamd.ctl",
                "SENTRY_DSN": "https://key@o1.ingest.sentry.io/42",
                "MEDIA_CDN_URL": "https://cdn.example.com",
            }
        )
        == []
    )


def test_check_environment__raises_the_one_error():
    with pytest.raises(InvalidEnvironment, match=r"^Invalid environment variable DEBUG='x': must be true"):
        check_environment({"DEBUG": "x"})


def test_production__missing_database_url_and_allowed_hosts_are_system_checks():
    result = manage(
        "check", settings_module="settings.prod", SECRET_KEY=STRONG_KEY, CLAMD_URL="tcp://127.0.0.1:3310"
    )
    assert result.returncode != 0
    assert "(settings.E004) The environment variable DATABASE_URL is not set" in result.stderr
    assert "(settings.E004) The environment variable ALLOWED_HOSTS is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_required_environment__names_only_what_is_missing(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://db/app")
    monkeypatch.setenv("ALLOWED_HOSTS", " ")
    [error] = check_required_environment()
    assert error.id == "settings.E004" and "ALLOWED_HOSTS" in error.msg


def test_gunicorn__an_invalid_variable_stops_it_with_one_line():
    result = subprocess.run(
        [str(Path(PYTHON).parent / "gunicorn"), "--config", "python:settings.gunicorn", "--check-config",
         "settings.wsgi:application"],
        cwd=ROOT, env=controlled_env(DJANGO_SETTINGS_MODULE="settings.test", GUNICORN_THREADS="lots"),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        "error: Invalid environment variable GUNICORN_THREADS='lots': must be a whole number greater than 0"
    )
    assert "Traceback" not in result.stderr


def test_every_variable__is_documented_in_configuration_md():
    text = (ROOT / "docs" / "configuration.md").read_text()
    section = text.split("## Environment variables", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", section))
    missing = [v.name for v in VARIABLES if v.name not in documented]
    assert missing == [], f"document these in docs/configuration.md: {missing}"
