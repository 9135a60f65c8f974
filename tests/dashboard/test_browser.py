"""The dashboard in a real headless Chromium (Debian's, driven by Playwright) against a live server.

Logs in through the admin's login form, opens every page, checks the key figures, clicks through
to a schema diff and to a failed job on django-rq's page, triggers a re-scan, and watches the
overview refresh itself and pause. Screenshots of each page go to ``DASHBOARD_SCREENSHOT_DIR``
(a temporary folder by default; ``scripts/screenshots.py`` points it at docs/img/).

``scripts/services.py chromium`` installs Chromium when it is missing (scripts/test.sh runs it).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rq
from django.test import Client
from django.utils import timezone

from tests.dashboard.conftest import dashboard_settings
from toolkit.lifecycle.diff import diff_schemas
from toolkit.lifecycle.sdl import count as schema_size
from toolkit.lifecycle.sdl import parse_sdl, sdl_hash

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
]  # fmt: skip
FIXTURES = Path(__file__).resolve().parent.parent / "lifecycle" / "fixtures"
BASE = "/admin/dashboard/dashboard/"
PASSWORD = "a-long-browser-password"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One Chromium per module, with a fresh profile directory (the flags of services.md)."""
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), f"{CHROMIUM} is missing: run scripts/services.py chromium"
    # Playwright's sync API keeps an event loop running in this thread while it is open; the
    # test's own ORM calls are still plain synchronous calls.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1280, "height": 900},
            timezone_id="UTC",
        )
        yield context
        context.close()


@pytest.fixture
def page(chromium: Any, live_server: Any) -> Iterator[Any]:
    chromium.clear_cookies()
    tab = chromium.new_page()
    tab.set_default_timeout(20_000)
    tab.goto(f"{live_server.url}/admin/login/")
    tab.evaluate("window.localStorage.clear()")  # a paused refresh from another test
    yield tab
    tab.close()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("DASHBOARD_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def world(settings: Any, rq_redis: Any) -> dict[str, Any]:
    """An admin, recorded operations, health runs, audit events, two schema versions, a failed
    RQ job on a real Redis and media files waiting for a scan."""
    import django_rq
    from django.contrib.auth import get_user_model

    from media_pipeline.models import MediaFile
    from toolkit.models import AuditEvent, HealthCheckRun, SchemaVersion

    dashboard_settings(settings, backend="database")
    settings.TOOLKIT["DASHBOARD"]["REFRESH_SECONDS"] = 2
    settings.TOOLKIT = {**settings.TOOLKIT}
    get_user_model().objects.create_superuser("admin", "admin@example.com", PASSWORD)
    graphql = Client()
    for index in range(12):
        query = (
            "query TopBooks { books(limit: 3) { title } }"
            if index % 3
            else "query Authors { authors(limit: 2) { name } }"
        )
        graphql.post("/graphql/", json.dumps({"query": query}), content_type="application/json")
    graphql.post(
        "/graphql/", json.dumps({"query": "query Typo { books { nope } }"}), content_type="application/json"
    )
    synthetic = history(now=time.time())
    now = timezone.now()
    for hours, redis_ok in ((20, True), (12, False), (11, False), (6, True), (1, True)):
        results = [
            {"check": "Database()", "healthy": True, "message": "", "seconds": 0.002},
            {
                "check": "Redis(queue='default')",
                "healthy": redis_ok,
                "message": "" if redis_ok else "cannot reach Redis",
                "seconds": 0.004,
            },
        ]
        HealthCheckRun.objects.create(
            started_at=now - datetime.timedelta(hours=hours), healthy=redis_ok, duration=0.01, results=results
        )
    for minutes, name, extra in ((5, "login_failed", {"username": "mallory", "ip": "203.0.113.9"}), (9, "rate_limited", {"ip": "203.0.113.9"}),
                                 (30, "permission_denied", {"username": "bob"}), (90, "limit_exceeded", {"details": {"limit": "depth"}})):  # fmt: skip
        AuditEvent.objects.create(
            event=name, created_at=now - datetime.timedelta(minutes=minutes), ok=False, **extra
        )
    for hours in range(2, 20, 3):  # older, for the chart: outside the table's first page of checks below
        AuditEvent.objects.create(
            event="login_failed", created_at=now - datetime.timedelta(hours=hours), ok=False, username="guess"
        )
    old, new = ((FIXTURES / name).read_text() for name in ("old.graphql", "new.graphql"))
    changes = diff_schemas(parse_sdl(old, "old"), parse_sdl(new, "new")).counts
    for number, sdl, tallies, days in ((1, old, {}, 3), (2, new, changes, 1)):
        size = schema_size(parse_sdl(sdl, "sdl"))
        SchemaVersion.objects.create(
            number=number, sdl=sdl, sdl_hash=sdl_hash(sdl), comment=f"release {number}.0", created_by="ci",
            git_commit=hashlib.sha1(sdl.encode()).hexdigest(), type_count=size.types, field_count=size.fields,
            breaking_count=tallies.get("breaking", 0), dangerous_count=tallies.get("dangerous", 0),
            safe_count=tallies.get("safe", 0), created_at=now - datetime.timedelta(days=days),
        )  # fmt: skip
    queue = rq.Queue("default", connection=django_rq.get_connection("default"))
    failed = queue.enqueue("tests.dashboard.test_panels.explode")
    rq.SimpleWorker([queue], connection=queue.connection).work(burst=True)
    media = MediaFile.objects.create(
        file=f"uploads/{uuid.uuid4().hex}.pdf", original_name="report.pdf", content_type="application/pdf", size=2048,
        sha256=hashlib.sha256(b"report").hexdigest(), status="scan_failed", scan_attempts=4, last_error="clamd timed out",
    )  # fmt: skip
    MediaFile.objects.create(
        file=f"quarantine/{uuid.uuid4().hex}.txt", original_name="eicar.txt", content_type="text/plain", size=68,
        sha256=hashlib.sha256(b"eicar").hexdigest(), status="infected", scanner="clamd", signature="Eicar-Test-Signature",
        quarantined_at=now,
    )  # fmt: skip
    return {"failed_job": failed.id, "media": media, "history": synthetic}


#: Operations per minute written straight to the backend for minutes 6 to 58 ago (outside the
#: overview's five minutes): ``(type, name, count, errors, base duration)``.
HISTORY = [
    ("query", "TopBooks", 9, 0, 0.004),
    ("query", "Authors", 4, 0, 0.012),
    ("mutation", "SaveReview", 2, 1, 0.045),
]


def history(now: float) -> int:
    """Minute buckets of the last hour, with a slower stretch in the middle; returns the count."""
    from dashboard.metrics import backend
    from dashboard.metrics.aggregates import Aggregate

    rows, total = [], 0
    for minutes in range(6, 59):  # a minute of slack: the page may be read in the next minute
        start = int(now // 60 * 60) - minutes * 60
        for operation_type, name, count, errors, seconds in HISTORY:
            aggregate = Aggregate()
            slow = 4 if 25 <= minutes <= 35 else 1
            for index in range(count + minutes % 3):
                status = "error" if index < errors else "ok"
                aggregate.observe(
                    seconds * slow * (1 + index / 4),
                    sql=3 if name == "TopBooks" else 1,
                    status=status,
                    cache_hit=index % 4 == 0,
                )
            rows.append((start, operation_type, name, aggregate))
            total += aggregate.count
    backend().write(rows, [], now)
    return total


def login(page: Any, live_server: Any, next_url: str = BASE) -> None:
    page.goto(f"{live_server.url}/admin/login/?next={next_url}")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}{next_url}")


def test_every_page__renders_its_key_figures(page, live_server, world, screenshots):
    from playwright.sync_api import expect

    login(page, live_server)
    expect(page.locator("#site-name")).to_be_visible()  # inside the admin's frame
    expect(page.locator('[data-tile="requests"] [data-value]')).to_have_text("2.6/min")
    expect(page.locator('[data-tile="schema"] [data-value]')).to_have_text("v2")
    expect(page.locator('[data-tile="failed_jobs"] [data-value]')).to_have_text("1")
    expect(page.locator('[data-tile="health"] [data-value]')).to_have_text("all pass")
    page.screenshot(path=str(screenshots / "dashboard-overview.png"), full_page=True)

    page.click(".dashboard-tabs >> text=Health")
    expect(page.locator("#current-checks tbody tr")).to_have_count(2)
    expect(page.locator("#uptime")).to_contain_text("60.0 %")  # Redis passed 3 of 5 runs
    expect(page.locator("svg.dashboard-timeline rect.state-error")).to_have_count(2)
    page.screenshot(path=str(screenshots / "dashboard-health.png"), full_page=True)

    page.click(".dashboard-tabs >> text=GraphQL metrics")
    expect(page.locator("#total-count")).to_have_text(f"{13 + world['history']:,}")
    expect(page.locator("#operations tbody tr")).to_have_count(4)
    expect(page.locator("#operations tbody tr").first).to_contain_text("TopBooks")
    expect(page.locator("svg.dashboard-chart")).to_have_count(2)
    page.screenshot(path=str(screenshots / "dashboard-graphql-metrics.png"), full_page=True)

    page.click(".dashboard-tabs >> text=Security")
    expect(page.locator('[data-category="failed_logins"] .tile-value')).to_have_text("7")
    expect(page.locator("#audit-log tbody tr")).to_have_count(10)
    page.select_option("select[name=event]", "rate_limited")
    page.click(".audit-filters button")
    expect(page.locator("#audit-log tbody tr")).to_have_count(1)
    page.goto(f"{live_server.url}{BASE}security/")
    page.screenshot(path=str(screenshots / "dashboard-security.png"), full_page=True)

    page.click(".dashboard-tabs >> text=Schema versions")
    expect(page.locator("#versions tbody tr")).to_have_count(2)
    page.screenshot(path=str(screenshots / "dashboard-schema.png"), full_page=True)

    page.click(".dashboard-tabs >> text=Queues and media")
    expect(page.locator('[data-queue="default"] a[href$="/failed/"]')).to_have_text("1")
    page.screenshot(path=str(screenshots / "dashboard-queues.png"), full_page=True)


def test_schema__click_through_to_a_diff(page, live_server, world, screenshots):
    from playwright.sync_api import expect

    login(page, live_server, BASE + "schema/")
    page.click("a.diff-link")
    page.wait_for_url(f"{live_server.url}{BASE}schema/diff/1/2/")
    expect(page.locator("h2.criticality-breaking")).to_be_visible()
    expect(page.locator("#changes-breaking")).to_contain_text("FIELD_REMOVED")
    expect(page.locator("#changes-safe")).to_contain_text("TYPE_ADDED")
    page.screenshot(path=str(screenshots / "dashboard-schema-diff.png"), full_page=True)
    page.goto(f"{live_server.url}{BASE}schema/diff/1/99/")
    expect(page.locator(".dashboard-message")).to_contain_text("unknown schema version 99")


def test_queues__click_through_to_the_failed_job_and_rescan(page, live_server, world):
    import django_rq
    from playwright.sync_api import expect

    login(page, live_server, BASE + "queues/")
    expect(page.locator("#failed-jobs")).to_contain_text("RuntimeError: the job exploded on purpose")
    page.click(f"a.failed-job >> text={world['failed_job']}")
    expect(page.locator("#content")).to_contain_text(world["failed_job"])
    expect(page.locator("#content")).to_contain_text(
        "tests.dashboard.test_panels.explode"
    )  # django-rq's job page
    page.go_back()
    page.click(f'[data-media="{world["media"].pk}"] button.rescan')
    expect(page.locator(".messagelist")).to_contain_text("A new scan of report.pdf was queued.")
    jobs = django_rq.get_queue("media").get_jobs()
    assert [(j.func_name, j.args) for j in jobs] == [("media_pipeline.jobs.scan", (str(world["media"].pk),))]


def test_overview__refreshes_itself_and_pauses(page, live_server, world, settings):
    from playwright.sync_api import expect

    login(page, live_server)
    value = page.locator('[data-tile="requests"] [data-value]')
    expect(value).to_have_text("2.6/min")
    graphql = Client()
    for _ in range(5):
        graphql.post(
            "/graphql/",
            json.dumps({"query": "query More { books(limit: 1) { id } }"}),
            content_type="application/json",
        )
    expect(value).to_have_text("3.6/min", timeout=10_000)  # fetched from status.json, no reload
    page.click("[data-pause]")
    expect(page.locator("[data-pause]")).to_have_attribute("aria-pressed", "true")
    refreshed = page.locator("body").get_attribute("data-refreshed")
    graphql.post(
        "/graphql/",
        json.dumps({"query": "query More { books(limit: 1) { id } }"}),
        content_type="application/json",
    )
    page.wait_for_timeout(4500)  # two refresh intervals
    assert page.locator("body").get_attribute("data-refreshed") == refreshed
    expect(value).to_have_text("3.6/min")
    page.reload()
    expect(page.locator("[data-pause]")).to_have_text("Resume")  # remembered in this browser
