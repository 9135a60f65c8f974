"""The dashboard pages in the admin: who gets in, what an empty database shows, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from dashboard.panels import load_panels
from tests.dashboard.conftest import make_user
from toolkit.lifecycle.diff import diff_schemas
from toolkit.lifecycle.sdl import parse_sdl, sdl_hash
from toolkit.models import SchemaVersion

pytestmark = pytest.mark.django_db

BASE = "/admin/dashboard/dashboard/"
PAGES = ["", "overview/", "health/", "operations/", "queues/", "security/", "schema/"]
FIXTURES = Path(__file__).resolve().parent.parent / "lifecycle" / "fixtures"


def version(number: int, sdl_file: str, **extra) -> SchemaVersion:
    sdl = (FIXTURES / sdl_file).read_text()
    return SchemaVersion.objects.create(number=number, sdl=sdl, sdl_hash=sdl_hash(sdl), **extra)


def text(response) -> str:
    return response.content.decode()


# -- who gets in -------------------------------------------------------------------------------------
@pytest.mark.parametrize("page", PAGES)
def test_anonymous__is_sent_to_the_admin_login(client, page):
    response = client.get(BASE + page)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/?next=")


@pytest.mark.parametrize("page", PAGES)
def test_a_user_who_is_not_staff__is_sent_to_the_admin_login(client, page):
    client.force_login(make_user("plain", staff=False, permission=True))
    response = client.get(BASE + page)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("page", PAGES)
def test_staff_without_the_view_permission__get_403(client, light_checks, page):
    client.force_login(make_user("helper", permission=False))
    assert client.get(BASE + page).status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_staff_with_the_view_permission__see_every_page_in_the_admin_frame(dash_client, page):
    response = dash_client.get(BASE + page)
    assert response.status_code == 200
    body = text(response)
    assert 'id="site-name"' in body  # admin/base_site.html's header
    assert body.count('class="dashboard-tabs"') == 1
    assert [p.title for p in load_panels()] == [
        "Overview",
        "Health",
        "GraphQL metrics",
        "Queues and media",
        "Security",
        "Schema versions",
    ]
    for panel in load_panels():
        assert f'href="{BASE}{panel.slug}/"' in body


def test_admin_index__lists_the_dashboard_only_for_those_who_may_see_it(client, light_checks):
    client.force_login(make_user("helper", permission=False))
    assert BASE not in text(client.get("/admin/"))
    client.force_login(make_user("watcher"))
    assert f'href="{BASE}"' in text(client.get("/admin/"))


def test_no_add_change_or_delete_pages(dash_client):
    """The model has no table: only the dashboard's own URLs exist under it."""
    for url in ("add/", "1/change/", "1/delete/", "whatever/"):
        assert dash_client.get(BASE + url).status_code == 404


# -- empty database ------------------------------------------------------------------------------------
def test_empty_database__every_page_explains_instead_of_failing(dash_client, metrics_db, light_checks):
    assert "No GraphQL operation recorded in the last hour" in text(dash_client.get(BASE + "operations/"))
    assert "No recorded runs in the last 7 days" in text(dash_client.get(BASE + "health/"))
    assert "No schema version recorded yet" in text(dash_client.get(BASE + "schema/"))
    security = text(dash_client.get(BASE + "security/"))
    assert (
        "No failed login, rejected token, rate-limit hit" in security
        and "No audit event matches." in security
    )
    queues = text(dash_client.get(BASE + "queues/"))
    assert "No failed job." in queues and queues.count('<p class="empty">None.</p>') == 3
    overview = text(dash_client.get(BASE))
    assert "no version recorded" in overview and "no GraphQL operation in the last 5 minutes" in overview


def test_not_migrated__the_schema_page_says_so(dash_client, monkeypatch):
    from toolkit.lifecycle import versions

    monkeypatch.setattr(versions.SchemaVersion._meta, "db_table", "missing_table")
    response = dash_client.get(BASE + "schema/")
    assert response.status_code == 200 and "the database is not migrated" in text(response)


# -- bad input -----------------------------------------------------------------------------------------
def test_an_unknown_window__is_a_400_page_naming_the_choices(dash_client, metrics_db):
    response = dash_client.get(BASE + "operations/?window=5y")
    assert response.status_code == 400
    assert "unknown window &#x27;5y&#x27;: use one of 1h, 24h, 7d" in text(response)
    assert dash_client.get(BASE + "security/?window=1h").status_code == 400
    assert dash_client.get(BASE + "security/?event=nope").status_code == 400
    assert dash_client.get(BASE + "security/?page=x").status_code == 400


def test_an_unknown_version__is_a_404_page(dash_client):
    version(1, "old.graphql")
    response = dash_client.get(BASE + "schema/7/")
    assert response.status_code == 404 and "unknown schema version 7 (known: 1-1)" in text(response)
    assert dash_client.get(BASE + "schema/diff/1/7/").status_code == 404
    assert dash_client.get(BASE + "schema/diff/9/1/").status_code == 404
    assert dash_client.get(BASE + "schema/diff/1/..%2Fetc/").status_code in (400, 404)
    assert dash_client.get(BASE + "schema/diff/1/etc/").status_code == 400
    assert dash_client.get(BASE + "schema/diff/?old=1").status_code == 400


# -- schema versions -----------------------------------------------------------------------------------
def test_schema_pages__list_versions_show_sdl_and_classify_the_diff(dash_client):
    version(1, "old.graphql", comment="first")
    version(2, "new.graphql", comment="second", breaking_count=3)
    listing = text(dash_client.get(BASE + "schema/"))
    assert "first" in listing and "second" in listing and f'href="{BASE}schema/diff/1/2/"' in listing
    sdl = text(dash_client.get(BASE + "schema/2/"))
    assert "A book in the catalogue." in sdl
    expected = diff_schemas(
        parse_sdl((FIXTURES / "old.graphql").read_text(), "old"),
        parse_sdl((FIXTURES / "new.graphql").read_text(), "new"),
    )
    assert expected.counts["breaking"] and expected.counts["dangerous"] and expected.counts["safe"]
    page = text(dash_client.get(BASE + "schema/diff/1/2/"))
    for criticality, count in expected.counts.items():
        assert f'data-count="{criticality}">{count} {criticality}</span>' in page
        assert page.count(f'class="change-{criticality}"') == count
    assert "FIELD_REMOVED" in page and "TYPE_ADDED" in page


def test_schema_diff_form__redirects_to_the_diff_and_compares_with_the_live_schema(dash_client):
    version(1, "old.graphql")
    response = dash_client.get(BASE + "schema/diff/?old=1&new=current")
    assert response.status_code == 302 and response["Location"] == BASE + "schema/diff/1/current/"
    page = dash_client.get(response["Location"])
    assert page.status_code == 200 and "to current" in text(page)


def test_schema_overview__warns_when_the_live_schema_differs(dash_client):
    version(1, "old.graphql")
    data = json.loads(dash_client.get(BASE + "status.json").content)
    tile = next(t for t in data["data"]["tiles"] if t["key"] == "schema")
    assert (tile["value"], tile["state"]) == ("v1", "warning")
    assert tile["detail"].startswith("the live schema differs from it")


def test_operations_page__shows_the_recorded_figures(dash_client, metrics_db):
    client = Client()
    for _ in range(3):
        client.post(
            "/graphql/",
            json.dumps({"query": "query TopBooks { books(limit: 2) { title } }"}),
            content_type="application/json",
        )
    client.post(
        "/graphql/", json.dumps({"query": "query Oops { books { nope } }"}), content_type="application/json"
    )
    page = text(dash_client.get(BASE + "operations/?window=24h"))
    assert '<span class="tile-value" id="total-count">4</span>' in page
    assert '<td class="name">TopBooks</td><td class="num">3</td>' in page
    assert (
        '<td class="name">Oops</td><td class="num">1</td><td class="num">0</td><td class="num">1</td>' in page
    )
    assert page.count('<svg class="dashboard-chart"') == 2 and "<title>Operations per hour</title>" in page
