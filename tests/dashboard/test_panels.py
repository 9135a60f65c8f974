"""The panels' data functions against real rows: health history, the audit log, RQ on a real
Redis with a real worker, media files and the re-scan action."""

from __future__ import annotations

import datetime
import hashlib
import uuid
from collections import Counter

import pytest
import rq
from django.utils import timezone

from dashboard.panels import get_panel
from dashboard.panels.health import history
from media_pipeline.models import MediaFile
from tests.dashboard.conftest import make_user
from toolkit.models import AuditEvent, HealthCheckRun

pytestmark = pytest.mark.django_db

BASE = "/admin/dashboard/dashboard/"


def run(at: datetime.datetime, **checks: bool) -> HealthCheckRun:
    results = [
        {"check": name, "healthy": ok, "message": "" if ok else f"{name} down", "seconds": 0.01}
        for name, ok in checks.items()
    ]
    return HealthCheckRun.objects.create(
        started_at=at, check_list="ready", healthy=all(checks.values()), duration=0.1, results=results
    )


# -- health -------------------------------------------------------------------------------------------
def test_health_history__uptime_per_check_and_state_changes():
    now = timezone.now()
    run(now - datetime.timedelta(days=3), Database=True, Redis=True)
    run(now - datetime.timedelta(hours=3), Database=True, Redis=False)
    run(now - datetime.timedelta(hours=2), Database=True, Redis=False)
    run(now - datetime.timedelta(hours=1), Database=True, Redis=True)
    run(now - datetime.timedelta(days=9), Database=False, Redis=False)  # outside the 7 days
    HealthCheckRun.objects.create(started_at=now, check_list="live", healthy=False, duration=0.1, results=[])
    found = history(now)
    uptime = {u.check: (u.day, u.week, u.runs_day, u.runs_week) for u in found["uptime"]}
    assert uptime == {"Database": (1.0, 1.0, 3, 4), "Redis": (pytest.approx(1 / 3), 0.5, 3, 4)}
    assert [(c.check, c.healthy) for c in found["changes"]] == [("Redis", True), ("Redis", False)]
    assert found["runs_week"] == 4
    segments = found["timeline"]["Redis"]
    assert [ok for *_, ok, _ in segments] == [False, False, True] and segments[-1][1] == now


def test_health_page__runs_the_ready_checks_with_timings(dash_client, settings):
    settings.TOOLKIT = {
        **settings.TOOLKIT,
        "HEALTH_CHECKS": {
            "live": [],
            "ready": ["tests.dashboard.checks.AlwaysUp", "tests.dashboard.checks.AlwaysDown"],
        },
    }
    run(timezone.now() - datetime.timedelta(minutes=5), Database=True)
    page = dash_client.get(BASE + "health/").content.decode()
    assert "1 of 2 checks fail." in page and "down on purpose" in page and " ms</td>" in page
    assert '<svg class="dashboard-timeline"' in page and "100.0 %" in page


def test_health__a_misconfigured_list_is_shown_not_raised(dash_client, settings):
    settings.TOOLKIT = {**settings.TOOLKIT, "HEALTH_CHECKS": {"live": [], "ready": ["nope.Nothing"]}}
    page = dash_client.get(BASE + "health/")
    assert page.status_code == 200 and "cannot load &#x27;nope.Nothing&#x27;" in page.content.decode()
    assert get_panel("health").tiles()[0].state == "error"


# -- security ----------------------------------------------------------------------------------------
def event(name: str, minutes_ago: int, **fields) -> AuditEvent:
    return AuditEvent.objects.create(
        event=name, created_at=timezone.now() - datetime.timedelta(minutes=minutes_ago), **fields
    )


def test_security__counts_each_category_over_the_window_and_filters_the_log():
    event("login_failed", 5, username="eve", ip="10.0.0.7", ok=False)
    event("login_failed", 70, username="eve", ok=False)
    event("token_rejected", 10, ok=False)
    event("rate_limited", 15, ip="10.0.0.7", ok=False)
    event("permission_denied", 20, username="bob", ok=False)
    event("limit_exceeded", 25, ok=False)
    event("login_failed", 60 * 30, username="old")  # 30 hours ago: outside 24 h, inside 7 d
    event("mutation", 3, username="bob", model="demo.Book", ok=True)
    panel = get_panel("security")
    day = panel.data({})
    assert day.totals == {
        "failed_logins": 2,
        "rejected_tokens": 1,
        "rate_limited": 1,
        "permission_denied": 1,
        "limit_exceeded": 1,
    }
    assert sum(counts["failed_logins"] for _, counts in day.series) == 2 and len(day.series) == 24
    assert panel.data({"window": "7d"}).totals["failed_logins"] == 3
    assert [e.username for e in panel.data({"event": "login_failed"}).events] == ["eve", "eve", "old"]
    assert [e.event for e in panel.data({"user": "bob"}).events] == ["mutation", "permission_denied"]
    assert [e.event for e in panel.data({"ip": "10.0.0.7"}).events] == ["login_failed", "rate_limited"]
    assert panel.data({"ip": "not-an-ip"}).events == []
    assert [e.event for e in panel.data({"ok": "yes"}).events] == ["mutation"]


def test_security_page__paginates_the_log(dash_client):
    for minute in range(55):
        event("login_failed", minute, username=f"user{minute}")
    page = dash_client.get(BASE + "security/?event=login_failed&page=2").content.decode()
    assert "55 matching events, page 2 of 2." in page and "user54" in page and "user3<" not in page


# -- queues and media (real Redis, a real worker) --------------------------------------------------------
def explode() -> None:
    raise RuntimeError("the job exploded on purpose")


def test_queues__backlog_and_failed_jobs_from_a_real_worker(rq_redis, light_checks):
    import django_rq

    queue = rq.Queue("default", connection=django_rq.get_connection("default"))
    failing = queue.enqueue(explode)
    rq.SimpleWorker([queue], connection=queue.connection).work(burst=True)
    queue.enqueue(explode)  # waiting: the backlog
    data = get_panel("queues").data({})
    default = next(q for q in data.queues if q.name == "default")
    assert (default.queued, default.failed, default.workers, default.error) == (1, 1, 0, "")
    assert default.failed_url == f"/admin/django_rq/dashboard/queues/{default.index}/failed/"
    assert [(j.id, j.function, j.error) for j in data.failed_jobs] == [
        (failing.id, "tests.dashboard.test_panels.explode", "RuntimeError: the job exploded on purpose")
    ]
    assert data.failed_jobs[0].url == f"/admin/django_rq/dashboard/queues/{default.index}/{failing.id}/"
    tiles = {t.key: (t.value, t.state) for t in get_panel("queues").tiles()}
    assert tiles["queues"] == ("1 jobs", "ok") and tiles["failed_jobs"] == ("1", "warning")


def test_queues__unreachable_redis_is_a_message(settings, light_checks):
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:9/0"}}
    data = get_panel("queues").data({})
    assert data.queues[0].error.startswith("cannot reach Redis")
    assert get_panel("queues").tiles()[0].state == "error"


def media(status: str, name: str) -> MediaFile:
    return MediaFile.objects.create(
        file=f"uploads/{uuid.uuid4().hex}.txt", original_name=name, content_type="text/plain", size=5,
        sha256=hashlib.sha256(name.encode()).hexdigest(), status=status,
    )  # fmt: skip


def test_media__counts_and_lists_by_status(light_checks):
    media("pending", "waiting.txt")
    media("infected", "eicar.txt")
    media("scan_failed", "broken.txt")
    summary = get_panel("queues").data({}).media
    expected = Counter(MediaFile.objects.values_list("status", flat=True))  # with the demo seed's files
    assert expected["infected"] == 1
    assert {k: v for k, v in summary.counts.items() if v} == dict(expected)
    assert [m.name for m in summary.infected] == ["eicar.txt"] and summary.can_rescan
    tile = next(t for t in get_panel("queues").tiles() if t.key == "media")
    assert (tile.value, tile.state, tile.detail) == ("1", "warning", "1 pending, 1 scan failed")


def test_rescan__queues_a_scan_on_the_media_queue(
    rq_redis, client, light_checks, django_capture_on_commit_callbacks
):
    import django_rq

    failed = media("scan_failed", "broken.txt")
    client.force_login(make_user("admin", superuser=True))
    page = client.get(BASE + "queues/").content.decode()
    assert f'action="{BASE}queues/media/{failed.pk}/rescan/"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{BASE}queues/media/{failed.pk}/rescan/", follow=True)
    assert "A new scan of broken.txt was queued." in response.content.decode()
    jobs = django_rq.get_queue("media").get_jobs()
    assert [(j.func_name, j.args) for j in jobs] == [("media_pipeline.jobs.scan", (str(failed.pk),))]


def test_rescan__needs_post_and_the_media_change_permission(dash_client, client, light_checks):
    failed = media("scan_failed", "broken.txt")
    url = f"{BASE}queues/media/{failed.pk}/rescan/"
    assert dash_client.post(url).status_code == 403  # only dashboard.view_dashboard
    client.force_login(make_user("admin", superuser=True))
    assert client.get(url).status_code == 405
    assert client.post(f"{BASE}queues/media/{uuid.uuid4()}/rescan/").status_code == 404
    infected = media("infected", "eicar.txt")
    response = client.post(f"{BASE}queues/media/{infected.pk}/rescan/", follow=True)
    assert "Eicar.txt is in quarantine: it is not scanned again." in response.content.decode()
