"""End to end over real HTTP against the production stack (``bench/stack.py``): JWT login, nested
mutations, uploads scanned by the real clamd on the worker with thumbnails fetched from the media
server, the dashboard's status JSON, a Redis restart, and a short bounded load run.

The tests share one stack and run in file order (later ones restart Redis and load the site).
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from PIL import Image

from bench import load
from bench.stack import ADMIN_USER, Stack
from tests.e2e.conftest import GraphQL, postgres_only

pytestmark = postgres_only

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
COVER = """query E2eCover($id: ID!) { book(id: $id) { cover {
  name status contentType url thumbnails { size url width height } } } }"""
MEDIA_FILE = "query E2eMediaFile($id: ID!) { mediaFile(id: $id) { id name status url contentType thumbnails { size url } } }"
UPLOAD_FILES = """mutation E2eUploadFiles($files: [Upload!]!) {
  uploadFiles(files: $files) { ok errors { field code messages } files { id name status url contentType } } }"""


def poll(fetch: Callable[[], Any], done: Callable[[Any], bool], what: str, timeout: float = 45) -> Any:
    """Call ``fetch`` until ``done`` says its value is final; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value):
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}; last seen: {value}"
        time.sleep(0.1)


def png(width: int, height: int, colour: tuple[int, int, int] = (200, 80, 40)) -> bytes:
    image = Image.new("RGB", (width, height), colour)
    for x in range(0, width, 10):  # some content, so it is not a flat colour
        image.putpixel((x, x * height // width), (255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def media_row(stack: Stack, media_id: str) -> dict[str, Any]:
    [row] = stack.sql(
        "SELECT status, signature, quarantined_at, quarantine_name, file FROM media_pipeline_mediafile WHERE id = %s",
        [media_id],
    )
    return dict(zip(("status", "signature", "quarantined_at", "quarantine_name", "file"), row, strict=True))


def media_states(stack: Stack) -> dict[str, str]:
    return {str(pk): status for pk, status in stack.sql("SELECT id, status FROM media_pipeline_mediafile")}


@pytest.fixture(scope="module")
def created_book(admin: GraphQL) -> dict[str, Any]:
    """A book created through one nested mutation: a new publisher, two new authors (as editors), a tag."""
    data = admin.data(
        """mutation E2eNestedCreate($input: BookCreateInput!) { createBook(input: $input) {
             ok errors { field code messages }
             book { id title price status publisher { id name } authorships { role author { id name email } }
                    tags { name } } } }""",
        {
            "input": {
                "title": "End to End",
                "slug": "end-to-end",
                "isbn": "9780000000999",
                "price": "12.50",
                "publisher": {"create": {"name": "Loopback Press", "slug": "loopback-press"}},
                "authors": {
                    "create": [
                        {"name": "Ada Socket", "email": "ada@example.com"},
                        {"name": "Bo Port", "email": "bo@example.com"},
                    ],
                    "through": {"role": "EDITOR"},
                },
                "tags": {"create": [{"name": "e2e", "slug": "e2e"}]},
            }
        },
    )["createBook"]
    assert data["ok"], data["errors"]
    return data["book"]


def test_jwt_login__me__and_a_bad_token_is_401(stack: Stack, anonymous: GraphQL, admin: GraphQL) -> None:
    me = admin.data("query E2eMe { me { username isStaff permissions } }")["me"]
    assert me["username"] == ADMIN_USER and me["isStaff"] is True
    assert "dashboard.view_dashboard" in me["permissions"] and "demo.add_book" in me["permissions"]
    assert anonymous.data("query E2eMe { me { username } }") == {"me": None}

    wrong = anonymous.data(
        'mutation E2eBadLogin { tokenAuth(username: "e2e-admin", password: "not it") { ok access errors { code } } }'
    )["tokenAuth"]
    assert wrong["ok"] is False and wrong["access"] is None

    response = anonymous.post("query E2eMe { me { username } }", Authorization="Bearer not.a.token")
    assert response.status_code == 401
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["UNAUTHENTICATED"]
    assert response.headers["X-Request-ID"]


def test_nested_mutation__writes_every_row_and_reads_back(
    stack: Stack, admin: GraphQL, created_book: dict
) -> None:
    assert created_book["publisher"]["name"] == "Loopback Press"
    assert sorted((a["role"], a["author"]["name"]) for a in created_book["authorships"]) == [
        ("EDITOR", "Ada Socket"),
        ("EDITOR", "Bo Port"),
    ]
    # Read back through another request (and the planner), then in the database itself.
    book = admin.data(
        """query E2eReadBack($id: ID!) { book(id: $id) { title price publisher { slug } authors { email }
             authorsCount tags { slug } } }""",
        {"id": created_book["id"]},
    )["book"]
    assert book == {
        "title": "End to End",
        "price": "12.50",
        "publisher": {"slug": "loopback-press"},
        "authors": [{"email": "ada@example.com"}, {"email": "bo@example.com"}],
        "authorsCount": 2,
        "tags": [{"slug": "e2e"}],
    }
    [(title, publisher)] = stack.sql(
        "SELECT b.title, p.slug FROM demo_book b JOIN demo_publisher p ON p.id = b.publisher_id WHERE b.id = %s",
        [int(created_book["id"])],
    )
    assert (title, publisher) == ("End to End", "loopback-press")
    assert stack.sql(
        "SELECT count(*) FROM demo_authorship WHERE book_id = %s", [int(created_book["id"])]
    ) == [(2,)]


def test_image_upload__scanned_clean_by_the_worker__thumbnails_served(
    stack: Stack, admin: GraphQL, created_book: dict
) -> None:
    content = png(800, 600)
    payload = admin.upload(
        """mutation E2eUploadCover($id: ID!, $file: Upload!) { uploadBookCover(id: $id, file: $file) {
             ok errors { field code messages } book { cover { name status url } } } }""",
        {"id": created_book["id"], "file": None},
        {"file": ("cover.png", content, "image/png")},
    )["uploadBookCover"]
    assert payload["ok"], payload["errors"]
    cover = payload["book"]["cover"]
    assert cover["status"] in ("PENDING", "CLEAN") and (cover["status"] == "CLEAN" or cover["url"] is None)

    cover = poll(
        lambda: admin.data(COVER, {"id": created_book["id"]})["book"]["cover"],
        lambda c: c["status"] != "PENDING" and len(c["thumbnails"]) == 3,
        "the worker to scan and thumbnail the cover",
    )
    assert cover["status"] == "CLEAN" and cover["contentType"] == "image/png"
    assert cover["url"] == f"http://127.0.0.1:{stack.media_port}/{cover['name']}"
    assert httpx.get(cover["url"]).content == content
    sizes = {t["size"]: t for t in cover["thumbnails"]}
    assert (sizes["SMALL"]["width"], sizes["SMALL"]["height"]) == (160, 120)
    assert (sizes["LARGE"]["width"], sizes["LARGE"]["height"]) == (800, 600)  # never enlarged
    response = httpx.get(sizes["SMALL"]["url"])
    assert response.status_code == 200
    thumbnail = Image.open(io.BytesIO(response.content))
    assert thumbnail.format == "WEBP" and thumbnail.size == (160, 120)


def test_eicar_upload__quarantined_never_served(stack: Stack, admin: GraphQL) -> None:
    payload = admin.upload(UPLOAD_FILES, {"files": [None]}, {"files.0": ("eicar.txt", EICAR, "text/plain")})[
        "uploadFiles"
    ]
    assert payload["ok"], payload["errors"]
    [stored] = payload["files"]
    assert stored["url"] is None

    media = poll(
        lambda: admin.data(MEDIA_FILE, {"id": stored["id"]})["mediaFile"],
        lambda m: m["status"] not in ("PENDING", "SCAN_FAILED"),
        "the worker to scan the EICAR file",
    )
    assert media["status"] == "INFECTED" and media["url"] is None and media["thumbnails"] == []
    row = media_row(stack, stored["id"])
    assert row["quarantined_at"] is not None and "Eicar" in row["signature"]
    assert not (stack.media_root / row["file"]).exists()  # moved out of MEDIA_ROOT ...
    quarantined = stack.quarantine_root / row["quarantine_name"]
    assert quarantined.read_bytes() == EICAR  # ... into the private quarantine
    assert httpx.get(f"http://127.0.0.1:{stack.media_port}/{row['file']}").status_code == 404


def admin_session(stack: Stack) -> httpx.Client:
    """Logged in through /admin/login/ as a browser behind the TLS proxy would be.

    ``settings.prod`` marks the session and CSRF cookies ``Secure``; the proxy's
    ``X-Forwarded-Proto: https`` makes the request secure for Django, and the cookies are sent
    by hand (a cookie jar keeps ``Secure`` cookies away from an ``http://`` URL)."""
    https = {"X-Forwarded-Proto": "https", "Referer": f"https://127.0.0.1:{stack.web_port}/admin/login/"}
    client = httpx.Client(base_url=stack.url, headers=https, timeout=30)
    form = client.get("/admin/login/")
    assert form.status_code == 200
    csrf = form.cookies["csrftoken"]
    response = client.post(
        "/admin/login/?next=/admin/",
        data={
            "username": ADMIN_USER,
            "password": stack.password,
            "csrfmiddlewaretoken": csrf,
            "next": "/admin/",
        },
        headers={"Cookie": f"csrftoken={csrf}"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/admin/", response.text[:500]
    client.cookies.clear()
    client.headers["Cookie"] = f"csrftoken={csrf}; sessionid={response.cookies['sessionid']}"
    return client


def test_dashboard_status_json__healthy_and_counts_the_operations_run(stack: Stack) -> None:
    status_url = "/admin/dashboard/dashboard/status.json"
    assert httpx.get(f"{stack.url}{status_url}").status_code == 401

    robot = httpx.get(f"{stack.url}{status_url}", headers={"Authorization": f"Bearer {stack.status_token}"})
    assert robot.status_code == 200, robot.text[:500]
    overview = robot.json()
    tiles = {tile["key"]: tile for tile in overview["data"]["tiles"]}
    assert overview["status"] != "error" and tiles["health"]["state"] == "ok", tiles["health"]
    assert tiles["media"]["state"] == "warning"  # the EICAR file above

    session = admin_session(stack)
    try:
        page = session.get("/admin/dashboard/dashboard/")
        assert page.status_code == 200 and "Dashboard" in page.text
        operations = session.get(status_url, params={"panel": "operations", "window": "1h"})
        assert operations.status_code == 200, operations.text[:500]
        queues = session.get(status_url, params={"panel": "queues"}).json()["data"]
    finally:
        session.close()
    data = operations.json()["data"]
    assert data["enabled"] and data["backend"] == "redis"
    rows = {(row["operation_type"], row["operation_name"]): row for row in data["operations"]}
    assert rows[("mutation", "E2eNestedCreate")]["count"] == 1
    assert rows[("mutation", "E2eUploadCover")]["count"] == 1
    assert rows[("query", "E2eCover")]["count"] >= 1
    assert rows[("query", "E2eMe")]["count"] >= 2  # the 401 is refused before GraphQL runs
    assert data["total"]["count"] >= sum(row["count"] for row in rows.values())
    assert {row["name"] for row in queues["queues"]} >= {"default", "media", "cache_invalidation"}


def upload_image(admin: GraphQL, name: str) -> dict[str, Any]:
    payload = admin.upload(
        UPLOAD_FILES, {"files": [None]}, {"files.0": (name, png(320, 240, (20, 90, 200)), "image/png")}
    )
    assert payload["uploadFiles"]["ok"], payload["uploadFiles"]["errors"]
    return payload["uploadFiles"]["files"][0]


def wait_clean(admin: GraphQL, media_id: str) -> dict[str, Any]:
    return poll(
        lambda: admin.data(MEDIA_FILE, {"id": media_id})["mediaFile"],
        lambda m: m["status"] == "CLEAN" and len(m["thumbnails"]) == 3,
        f"media file {media_id} to be scanned clean with thumbnails",
    )


def test_redis_restart__acknowledged_uploads_survive_and_the_worker_carries_on(
    stack: Stack, admin: GraphQL
) -> None:
    before = media_states(stack)
    assert before and "pending" not in before.values()  # everything above has been scanned

    # 1. Redis restarts (empty) under a running worker and web server.
    worker_pid = stack.worker.pid
    stack.restart_redis()
    assert media_states(stack) == before  # the pipeline's state lives in PostgreSQL
    after_restart = upload_image(admin, "after-restart.png")
    wait_clean(admin, after_restart["id"])  # the same worker reconnected and scanned it
    assert stack.worker.poll() is None and stack.worker.pid == worker_pid

    # 2. An upload acknowledged while no worker runs, then Redis restarts: its queued scan is
    #    lost with Redis, the upload is not: it stays PENDING in the database until a rescan.
    stack.stop_worker()
    waiting = upload_image(admin, "while-stopped.png")
    assert waiting["status"] == "PENDING"
    stack.restart_redis()
    stack.start_worker()
    stack.wait_ready()  # the new worker has registered
    assert media_row(stack, waiting["id"])["status"] == "pending"
    assert admin.data(MEDIA_FILE, {"id": waiting["id"]})["mediaFile"]["status"] == "PENDING"
    assert "1 scan(s)" in stack.manage("media_rescan", "--no-progress").stdout  # queues what is pending
    wait_clean(admin, waiting["id"])
    assert {k: v for k, v in media_states(stack).items() if k in before} == before


def test_redis_lost_during_a_job__the_worker_waits_for_it_and_carries_on(
    stack: Stack, admin: GraphQL
) -> None:
    """Redis goes away while the worker runs a job and stays away longer than the job.

    rq's own worker would quit ("found an unhandled exception, quitting...": the work horse
    cannot report its job, nor the worker read its status); ``toolkit.workers.Worker`` waits for
    Redis to answer again and carries on, in the same process. Nothing acknowledged is lost and the
    next upload is scanned."""
    before = media_states(stack)
    worker_pid = stack.worker.pid
    stack.manage(
        "shell", "-c", "import time, django_rq; django_rq.get_queue('default').enqueue(time.sleep, 2)"
    )
    connection = redis.Redis(port=stack.redis_port)
    poll(lambda: connection.zcard("rq:wip:default"), bool, "the worker to start the slow job", timeout=20)
    connection.close()
    stack.stop_redis()
    time.sleep(4)  # the outage outlasts the job: the horse ends while Redis is away
    assert stack.worker.poll() is None, stack.tail("worker")
    stack.start_redis()
    stack.wait_ready()
    assert media_states(stack) == before
    wait_clean(admin, upload_image(admin, "after-redis-came-back.png")["id"])
    assert stack.worker.poll() is None and stack.worker.pid == worker_pid, stack.tail("worker")
    assert "Redis is back" in stack.log("worker").read_text(), stack.tail("worker")


def test_load__16_clients__no_5xx_and_no_lost_write(stack: Stack) -> None:
    """A short, bounded run of ``python -m bench.load`` against the same stack."""
    results = asyncio.run(load.run(stack.url, clients=16, duration=5, password=stack.password))
    summary = results.as_dict()
    assert results.server_errors == 0 and results.errors["transport"] == 0, load.report(results)
    assert results.lost == [] and results.acknowledged_requests > 0, load.report(results)
    assert summary["requests"] > 16 and results.statuses[200] > 0
    # Every acknowledged write is in the database, checked there too (not only through the API).
    tables = {
        "reviews": ("demo_review", "title"),
        "tags": ("demo_tag", "name"),
        "books": ("demo_book", "title"),
    }
    for kind, expected in results.acknowledged.items():
        table, column = tables[kind]
        rows = dict(
            stack.sql(
                f"SELECT id::text, {column} FROM {table} WHERE id = ANY(%s)", [[int(i) for i in expected]]
            )
        )
        assert rows == expected, f"{kind}: {len(expected) - len(rows)} acknowledged rows missing"
