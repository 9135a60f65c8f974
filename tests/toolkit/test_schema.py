"""The live schema: its SDL snapshot, caching, rebuilding, naming and hidden fields."""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

import toolkit
from toolkit.exceptions import ConfigurationError
from toolkit.lifecycle import sdl as lifecycle_sdl

SNAPSHOT = Path(settings.BASE_DIR) / toolkit.get_config()["SCHEMA_SNAPSHOT_FILE"]


def sorted_sdl(schema) -> str:
    return lifecycle_sdl.sorted_sdl(schema.graphql_schema)


def test_demo_schema_matches_the_checked_in_snapshot():
    """Any change to the generated API shows up in review (docs/schema/schema.graphql, written by
    ``manage.py graphql snapshot``; ``UPDATE_SNAPSHOTS=1`` makes this test rewrite it)."""
    current = sorted_sdl(toolkit.get_schema())
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(current)
    expected = SNAPSHOT.read_text()
    if current != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(True), current.splitlines(True), "snapshot", "current", n=2
            )
        )
        pytest.fail(f"The demo schema changed (UPDATE_SNAPSHOTS=1 to accept):\n{diff[:6000]}")


#: The login mutations (toolkit.security.auth_schema) are the only fields allowed such names.
AUTH_FIELDS = {"tokenAuth", "refreshToken", "revokeToken"}


def test_sdl_never_contains_passwords_or_secrets():
    sdl = sorted_sdl(toolkit.get_schema())
    field_names = re.findall(r"^\s+(\w+)[(:]", sdl, flags=re.MULTILINE)
    suspicious = [
        n for n in field_names if re.search(r"password|token|secret|hash|signingKey|apiToken", n, re.I)
    ]
    assert sorted(suspicious) == sorted(AUTH_FIELDS)
    viewer = re.search(r"^type Viewer \{(.*?)^\}", sdl, re.S | re.M).group(1)
    assert not re.search(r"password|token|secret|hash", viewer, re.I)
    partner = re.search(r"^type PartnerAccount \{(.*?)^\}", sdl, re.S | re.M).group(1)
    assert "name: String!" in partner and "apiToken" not in partner and "passwordHash" not in partner
    assert "webhookSecret" not in sdl and "signingKey" not in sdl


def test_get_schema_is_built_once_and_cached():
    assert toolkit.get_schema() is toolkit.get_schema()


def test_schema_is_rebuilt_when_the_exposure_settings_change():
    before = toolkit.get_schema()
    with override_settings(TOOLKIT={"APPS": ["demo"], "MODELS": {"demo.Tag": {"exposed": False}}}):
        changed = toolkit.get_schema()
        assert changed is not before
        assert changed.graphql_schema.get_type("Tag") is None
        assert "tags" not in changed.graphql_schema.query_type.fields
        assert "tags" not in changed.graphql_schema.get_type("Book").fields
    assert toolkit.get_schema().graphql_schema.get_type("Tag") is not None


def test_nothing_is_exposed_by_default():
    with override_settings(TOOLKIT={}):
        schema = toolkit.get_schema().graphql_schema
        assert list(schema.query_type.fields) == ["_empty", "me"]  # me: the login's viewer
        assert schema.get_type("Book") is None


def test_django_contrib_apps_are_never_exposed_unless_listed():
    schema = toolkit.get_schema().graphql_schema
    for name in ("User", "Group", "Permission", "ContentType", "Session", "LogEntry"):
        assert schema.get_type(name) is None
    # Review.user points at auth.User, which is not exposed: the relation is not either.
    assert "user" not in schema.get_type("Review").fields
    assert "user" not in schema.get_type("ReviewWhere").fields


def test_listing_a_single_contrib_model_exposes_only_it():
    with override_settings(TOOLKIT={"APPS": ["auth.Group"]}):
        schema = toolkit.get_schema().graphql_schema
        assert schema.get_type("Group") is not None
        assert schema.get_type("User") is None and schema.get_type("Permission") is None
        assert set(schema.get_type("Group").fields) == {"id", "name"}


def test_snake_case_names():
    with override_settings(TOOLKIT={"APPS": ["demo"], "NAME_CASE": "snake"}):
        schema = toolkit.get_schema().graphql_schema
        query = schema.query_type.fields
        assert {"books_page", "books_connection", "books_aggregate", "book_launches"} <= set(query)
        assert "in_stock" in schema.get_type("Book").fields
        assert "reviews_count" in schema.get_type("Book").fields
        assert {"i_contains", "not_in", "is_null", "in"} <= set(schema.get_type("StringFilter").fields)
        assert {"page_size", "order_by"} <= set(query["books_page"].args)


def test_camel_case_names_by_default():
    schema = toolkit.get_schema().graphql_schema
    query = schema.query_type.fields
    assert {
        "book",
        "books",
        "booksPage",
        "booksConnection",
        "booksAggregate",
        "bookLaunch",
        "bookLaunches",
        "publishedBooks",
        "authorProfiles",
    } <= set(query)
    assert {
        "iContains",
        "notIn",
        "isNull",
        "in",
        "startsWith",
        "iStartsWith",
        "endsWith",
        "iEndsWith",
        "iExact",
        "contains",
        "eq",
        "ne",
    } == set(schema.get_type("StringFilter").fields)


def test_clashing_model_names_get_the_app_label_as_prefix():
    with override_settings(TOOLKIT={"APPS": ["demo", "clash"]}):
        schema = toolkit.get_schema().graphql_schema
        assert schema.get_type("DemoBook") is not None and schema.get_type("ClashBook") is not None
        assert schema.get_type("Book") is None
        assert {"demoBook", "demoBooks", "clashBook", "clashBooks"} <= set(schema.query_type.fields)
        assert schema.get_type("Tag") is not None  # no clash, no prefix


def test_graphql_meta_options_apply_and_settings_override_them():
    with override_settings(TOOLKIT={"APPS": ["clash.Gadget"]}):
        widget = toolkit.get_schema().graphql_schema.get_type("Widget")
        assert set(widget.fields) == {"id", "label"}  # weight excluded, serialKey is sensitive
    with override_settings(
        TOOLKIT={
            "APPS": ["clash.Gadget"],
            "MODELS": {"clash.Gadget": {"name": "Gizmo", "exclude": [], "allow_sensitive": ["serial_key"]}},
        }
    ):
        schema = toolkit.get_schema().graphql_schema
        assert schema.get_type("Widget") is None
        assert set(schema.get_type("Gizmo").fields) == {"id", "label", "serialKey", "weight"}


def test_invalid_configuration_refuses_to_build():
    with (
        override_settings(TOOLKIT={"APPS": ["nope"]}),
        pytest.raises(ConfigurationError, match=r"toolkit\.E001"),
    ):
        toolkit.get_schema()


def test_public_api_is_curated():
    assert set(toolkit.__all__) >= {"get_schema", "get_config"}
    assert callable(toolkit.get_schema)
