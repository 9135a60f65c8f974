"""``extensions.debug``: SQL (count, time, text), the optimizer's plan, cache hits and timings —
with DEBUG on, or for a staff user sending the debug header in production; nobody else."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

from demo.models import Book
from toolkit import debug, documents

NESTED = "query Shelf { books(limit: 2) { id title publisher { name } reviews(limit: 1) { rating } } }"


def post(client, query=NESTED, **headers):
    response = client.post("/graphql/", {"query": query}, content_type="application/json", **headers)
    assert response.status_code == 200, response.content
    return response.json()


def user(**flags):
    name = "dbg-" + "-".join(sorted(flags)) if flags else "dbg-member"
    account = get_user_model().objects.create_user(name, password="pw-debug-123456", **flags)
    client = Client()
    client.force_login(account)
    return client


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True
    settings.TOOLKIT = {**settings.TOOLKIT, "DEBUG_SQL": True}
    documents.clear()


def test_debug_on__sql_plan_cache_and_timings(client, db, debug_on):
    body = post(client)
    extension = body["extensions"]["debug"]
    assert extension["sql"]["count"] >= 1 and extension["sql"]["timeMs"] >= 0
    assert len(extension["sql"]["statements"]) == extension["sql"]["count"]
    assert extension["timings"]["totalMs"] >= extension["sql"]["timeMs"]
    assert extension["cache"] == {"result": "off", "parse": "miss", "validation": "miss"}
    [plan] = extension["plan"]
    assert plan["path"] == "books" and plan["model"] == "demo.Book"
    assert plan["selectRelated"] == ["publisher"]
    assert "title" in plan["only"] and "publisher" in plan["only"]
    assert plan["prefetch"] == ["reviews"]
    [nested] = plan["nested"]
    assert nested["model"] == "demo.Review" and "rating" in nested["only"]


def test_debug_on__a_repeated_document_hits_the_parse_and_validation_caches(client, db, debug_on):
    post(client)
    assert post(client)["extensions"]["debug"]["cache"] == {
        "result": "off",
        "parse": "hit",
        "validation": "hit",
    }


def test_debug_on__a_result_cache_hit_is_reported(client, db, debug_on, settings):
    settings.TOOLKIT = {**settings.TOOLKIT, "RESULT_CACHE": {"enabled": True, "timeout": 60}}
    cache.clear()
    try:
        first = post(client, "{ tags(limit: 2) { id } }")["extensions"]["debug"]
        second = post(client, "{ tags(limit: 2) { id } }")["extensions"]["debug"]
    finally:
        cache.clear()
    assert first["cache"]["result"] == "miss" and first["sql"]["count"] >= 1
    assert second["cache"]["result"] == "hit" and second["sql"]["count"] == 0 and second["plan"] == []


def test_debug_sql_off__counts_without_the_statements(client, db, settings):
    settings.DEBUG = True
    assert "statements" not in post(client)["extensions"]["debug"]["sql"]


def test_production__no_debug_without_the_header(db):
    assert "extensions" not in post(user(is_staff=True))


@pytest.mark.parametrize("value", ["1", "true", "yes", "ON"])
def test_production__staff_with_the_header_get_debug(db, value):
    body = post(user(is_staff=True), HTTP_X_DEBUG=value)
    assert body["extensions"]["debug"]["sql"]["count"] >= 1
    assert body["extensions"]["debug"]["plan"][0]["model"] == "demo.Book"


@pytest.mark.parametrize("value", ["0", "false", "", "please"])
def test_production__a_false_header_value_is_ignored_even_for_staff(db, value):
    assert "extensions" not in post(user(is_staff=True), HTTP_X_DEBUG=value)


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_production__anyone_else_sending_the_header_gets_nothing_extra(client, db, who):
    caller = client if who == "anonymous" else user()
    body = post(caller, HTTP_X_DEBUG="1")
    assert "extensions" not in body
    assert len(body["data"]["books"]) == min(2, Book.objects.count())


def test_production__the_header_name_is_configurable_and_can_be_switched_off(db, settings):
    staff = user(is_staff=True)
    settings.TOOLKIT = {**settings.TOOLKIT, "DEBUG_HEADER": "X-Toolkit-Debug"}
    assert "extensions" not in post(staff, HTTP_X_DEBUG="1")
    assert "debug" in post(staff, HTTP_X_TOOLKIT_DEBUG="1")["extensions"]
    settings.TOOLKIT = {**settings.TOOLKIT, "DEBUG_HEADER": ""}
    assert "extensions" not in post(staff, HTTP_X_TOOLKIT_DEBUG="1")


@pytest.mark.parametrize(("value", "ok"), [("X-Debug", True), ("", True), ("X Debug", False), (3, False)])
def test_debug_header_setting__checked_by_toolkit_e061(settings, value, ok):
    settings.TOOLKIT = {**settings.TOOLKIT, "DEBUG_HEADER": value}
    assert [m.id for m in debug.check_debug_header()] == ([] if ok else ["toolkit.E061"])
