"""Feature flags: defaults per environment in settings, rows in the database edited in the admin,
read through the cache and applied on the next request without a restart."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from demo.models import Book, Tag
from toolkit import caching, flags
from toolkit.exceptions import FeatureDisabled
from toolkit.models import FeatureFlag

INTROSPECT = "{ __schema { queryType { name } } }"


@pytest.fixture(autouse=True)
def fresh_flags():
    """Rows are rolled back after each test: so must be this process's copy of them. Afterwards
    the process knows there are no rows (as at the session's start), so the next test that pins
    its SQL count does not pay for reading them again."""
    flags.reset()
    yield
    flags.reset()
    flags._memo.update(rows={}, generation=flags._generation())


def post(client, query, variables=None):
    body = {"query": query, **({"variables": variables} if variables else {})}
    return client.post("/graphql/", body, content_type="application/json")


def switch(name, enabled, scope=""):
    FeatureFlag.objects.update_or_create(name=name, scope=scope, defaults={"enabled": enabled})


def staff_client(**permissions):
    user = get_user_model().objects.create_superuser("flags-admin", "flags@example.com", "pw-flags-123456")
    client = Client()
    client.force_login(user)
    return client


# -- values: built-in default, settings, database row -------------------------------------------


def test_defaults__follow_the_toolkit_settings(settings, db):
    assert flags.is_enabled("introspection") is True  # TOOLKIT["INTROSPECTION"] in the test settings
    assert flags.is_enabled("bulk_mutations") is True
    assert flags.is_enabled("uploads", scope="demo.Book") is True
    assert flags.is_enabled("result_caching") is False  # settings/test.py turns the result cache off
    settings.TOOLKIT = {**settings.TOOLKIT, "INTROSPECTION": False}
    assert flags.is_enabled("introspection") is False


def test_settings_feature_flags__override_the_built_in_defaults(settings, db):
    settings.TOOLKIT = {
        **settings.TOOLKIT,
        "FEATURE_FLAGS": {"bulk_mutations": False, "uploads:demo.Book": False},
    }
    assert flags.is_enabled("bulk_mutations") is False
    assert flags.is_enabled("uploads", scope="demo.Book") is False
    assert flags.is_enabled("uploads", scope="demo.Author") is True
    assert flags.is_enabled("uploads") is True


def test_a_database_row__wins_over_the_settings(settings, db):
    settings.TOOLKIT = {**settings.TOOLKIT, "FEATURE_FLAGS": {"bulk_mutations": False}}
    switch("bulk_mutations", True)
    assert flags.is_enabled("bulk_mutations") is True
    assert flags.default("bulk_mutations") is False


def test_a_scoped_row__wins_over_the_unscoped_one(db):
    switch("uploads", False)
    switch("uploads", True, scope="demo.Book")
    assert flags.uploads_enabled(Book) is True
    assert flags.uploads_enabled("demo.Author") is False


def test_a_scope_on_an_unscoped_flag__is_ignored(db):
    switch("bulk_mutations", False)
    assert flags.is_enabled("bulk_mutations", scope="demo.Book") is False


def test_an_unknown_flag__is_a_value_error(db):
    with pytest.raises(ValueError, match="Unknown feature flag 'nope'; known: bulk_mutations, introspection"):
        flags.is_enabled("nope")


def test_require__raises_feature_disabled_naming_the_flag(db):
    switch("uploads", False, scope="demo.Book")
    with pytest.raises(FeatureDisabled) as raised:
        flags.require("uploads", scope="demo.Book")
    assert raised.value.extensions == {"code": "FEATURE_DISABLED", "flag": "uploads"}
    assert "demo.Book" in raised.value.message
    flags.require("uploads", scope="demo.Author")  # on: no error


def test_state__lists_every_flag_with_default_and_value(db):
    switch("bulk_mutations", False)
    state = {f["name"]: f for f in flags.state()}
    assert set(state) == {"introspection", "bulk_mutations", "uploads", "result_caching"}
    assert state["bulk_mutations"]["default"] is True and state["bulk_mutations"]["enabled"] is False
    assert state["uploads"]["scoped"] is True


# -- the cache: one entry, filled once, dropped on every change -------------------------------------


def test_rows_are_kept_per_process__one_query_then_none(db):
    with CaptureQueriesContext(connection) as first:
        flags.is_enabled("bulk_mutations")
    with CaptureQueriesContext(connection) as again:
        for name in flags.FLAGS:
            flags.is_enabled(name)
    assert len(first) == 1 and len(again) == 0


def test_a_change_in_another_process__is_seen_through_the_cache_generation(db, monkeypatch):
    assert flags.is_enabled("bulk_mutations") is True  # this process keeps the rows now
    FeatureFlag.objects.bulk_create([FeatureFlag(name="bulk_mutations", enabled=False)])  # no signal here
    cache.set(flags.GENERATION_KEY, (cache.get(flags.GENERATION_KEY) or 0) + 1, timeout=None)  # "elsewhere"
    monkeypatch.setattr(flags, "CHECK_SECONDS", 0)  # as if a second went by
    assert flags.is_enabled("bulk_mutations") is False


def test_a_cleared_cache__keeps_the_rows_without_asking_the_database(db, monkeypatch):
    flags.is_enabled("bulk_mutations")
    cache.clear()
    monkeypatch.setattr(flags, "CHECK_SECONDS", 0)
    with CaptureQueriesContext(connection) as captured:
        assert flags.is_enabled("bulk_mutations") is True
    assert len(captured) == 0


def test_saving_or_deleting_a_row__applies_on_the_next_read(db, django_capture_on_commit_callbacks):
    assert flags.is_enabled("bulk_mutations") is True  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        switch("bulk_mutations", False)
    assert flags.is_enabled("bulk_mutations") is False
    with django_capture_on_commit_callbacks(execute=True):
        FeatureFlag.objects.filter(name="bulk_mutations").delete()
    assert flags.is_enabled("bulk_mutations") is True


def test_the_cache_down__reads_the_database(db, monkeypatch):
    switch("bulk_mutations", False)

    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    assert flags.is_enabled("bulk_mutations") is False


def test_the_table_missing__falls_back_to_the_defaults(db, monkeypatch):
    def missing(*args, **kwargs):
        raise RuntimeError("no such table: toolkit_featureflag")

    monkeypatch.setattr(FeatureFlag.objects, "values_list", missing)
    assert flags.is_enabled("bulk_mutations") is True


# -- wired: introspection, bulk mutations, result caching (at runtime, no restart) -------------------


def test_introspection__switched_off_and_on_at_runtime(client, db):
    assert post(client, INTROSPECT).status_code == 200
    switch("introspection", False)
    refused = post(client, INTROSPECT)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert post(client, "{ __typename }").status_code == 200  # still allowed
    FeatureFlag.objects.filter(name="introspection").update(enabled=True)
    flags.invalidate()
    assert post(client, INTROSPECT).json()["data"]["__schema"]["queryType"]["name"] == "Query"


def test_introspection__a_row_can_turn_it_on_in_production(client, db, settings):
    settings.TOOLKIT = {**settings.TOOLKIT, "INTROSPECTION": False}
    assert post(client, INTROSPECT).status_code == 400
    switch("introspection", True)
    assert post(client, INTROSPECT).status_code == 200


def test_bulk_mutations__refused_with_feature_disabled_when_off(db):
    client = staff_client()
    query = "mutation($ids: [ID!]!) { bulkDeleteTags(ids: $ids) { ok } }"
    tag = Tag.objects.create(name="flag-tag", slug="flag-tag")
    switch("bulk_mutations", False)
    body = post(client, query, {"ids": [str(tag.pk)]}).json()
    [error] = body["errors"]
    assert (
        error["extensions"]["code"] == "FEATURE_DISABLED" and error["extensions"]["flag"] == "bulk_mutations"
    )
    assert Tag.objects.filter(pk=tag.pk).exists()
    switch("bulk_mutations", True)
    assert post(client, query, {"ids": [str(tag.pk)]}).json()["data"]["bulkDeleteTags"]["ok"] is True
    assert not Tag.objects.filter(pk=tag.pk).exists()


def test_single_mutations__are_not_affected_by_the_bulk_flag(db):
    switch("bulk_mutations", False)
    body = post(staff_client(), 'mutation { createTag(input: {name: "one", slug: "one"}) { ok } }').json()
    assert body["data"]["createTag"]["ok"] is True


def test_result_caching__switched_on_at_runtime(db):
    assert caching.is_enabled() is False
    switch("result_caching", True)
    assert caching.is_enabled() is True


# -- admin editing and the system check ----------------------------------------------------------------


def test_admin__adds_a_flag_and_records_who(db):
    client = staff_client()
    response = client.post(
        "/admin/toolkit/featureflag/add/",
        {"name": "bulk_mutations", "scope": "", "enabled": "", "note": "incident 42"},
    )
    assert response.status_code == 302, response.content
    row = FeatureFlag.objects.get(name="bulk_mutations")
    assert (row.enabled, row.updated_by, row.note) == (False, "flags-admin", "incident 42")
    assert flags.is_enabled("bulk_mutations") is False  # applied without a restart


@pytest.mark.parametrize(
    ("name", "scope", "error"),
    [
        ("nope", "", "Select a valid choice"),
        ("bulk_mutations", "demo.Book", "is not set per model"),
        ("uploads", "demo.Nope", "is not a model"),
    ],
)
def test_admin__refuses_unknown_flags_and_bad_scopes(db, name, scope, error):
    response = staff_client().post(
        "/admin/toolkit/featureflag/add/", {"name": name, "scope": scope, "enabled": "on"}
    )
    assert response.status_code == 200 and error in response.content.decode()
    assert not FeatureFlag.objects.exists()


def test_admin__changelist_shows_the_default_and_edits_in_place(db):
    switch("uploads", False, scope="demo.Book")
    response = staff_client().get("/admin/toolkit/featureflag/")
    assert response.status_code == 200
    assert "demo.Book" in response.content.decode()


@pytest.mark.parametrize(
    ("configured", "message"),
    [
        ({"nope": True}, "unknown flag 'nope'"),
        ({"bulk_mutations:demo.Book": True}, "is not set per model"),
        ({"bulk_mutations": "yes"}, "must be True or False"),
        (["bulk_mutations"], "must be a dict"),
    ],
)
def test_check__feature_flags_setting_is_toolkit_e060(settings, configured, message):
    settings.TOOLKIT = {**settings.TOOLKIT, "FEATURE_FLAGS": configured}
    [error] = flags.check_flags()
    assert error.id == "toolkit.E060" and message in error.msg


def test_check__a_valid_setting_is_clean(settings):
    settings.TOOLKIT = {
        **settings.TOOLKIT,
        "FEATURE_FLAGS": {"uploads:demo.Book": False, "introspection": True},
    }
    assert flags.check_flags() == []
