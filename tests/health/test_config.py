"""System checks for the lifecycle and health keys of TOOLKIT (toolkit.E020, toolkit.E021)."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.core import checks
from django.test import override_settings


def messages(**keys) -> list[checks.CheckMessage]:
    with override_settings(TOOLKIT={**django_settings.TOOLKIT, **keys}):
        return checks.run_checks(tags=["toolkit"])


def only(**keys) -> checks.CheckMessage:
    found = messages(**keys)
    assert len(found) == 1, found
    return found[0]


def test_the_project_settings_are_clean():
    assert messages() == []


@pytest.mark.parametrize(
    ("keys", "text"),
    [
        ({"SCHEMA_SNAPSHOT_FILE": ""}, 'TOOLKIT["SCHEMA_SNAPSHOT_FILE"] must be a non-empty path.'),
        (
            {"SCHEMA_GENERATION_CHECK_SECONDS": -1},
            'TOOLKIT["SCHEMA_GENERATION_CHECK_SECONDS"] must be a number >= 0.',
        ),
        (
            {"HEALTH_RUN_RETENTION_DAYS": 0},
            'TOOLKIT["HEALTH_RUN_RETENTION_DAYS"] must be a positive integer, got 0.',
        ),
        (
            {"CLAMD_URL": "127.0.0.1:3310"},
            "TOOLKIT[\"CLAMD_URL\"] must start with tcp:// or unix://, got '127.0.0.1:3310'.",
        ),
        (
            {"HEALTH_CHECKS": {"ready": []}},
            'TOOLKIT["HEALTH_CHECKS"] must be a dict with "live" and "ready" lists.',
        ),
        (
            {"HEALTH_NOTIFIERS": "toolkit.health.notifiers.LoggingNotifier"},
            'TOOLKIT["HEALTH_NOTIFIERS"] must be a list.',
        ),
    ],
)
def test_e020__wrong_type_or_value(keys, text):
    message = only(**keys)
    assert (message.id, message.level, message.msg) == ("toolkit.E020", checks.ERROR, text)


def test_e021__an_entry_that_cannot_be_imported():
    message = only(HEALTH_CHECKS={"live": [], "ready": ["toolkit.health.checks.Nope"]})
    assert message.id == "toolkit.E021"
    assert message.msg.startswith(
        "TOOLKIT[\"HEALTH_CHECKS\"] entry 'toolkit.health.checks.Nope' cannot be loaded:"
    )
    assert message.hint == "Use a dotted path to a class, or [path, {kwargs}]."
    message = only(HEALTH_NOTIFIERS=[["toolkit.health.notifiers.LoggingNotifier"]])
    assert message.id == "toolkit.E021" and "is neither a dotted path nor [path, {kwargs}]" in message.msg
