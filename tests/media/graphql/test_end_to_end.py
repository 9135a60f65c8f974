"""End to end through the real parts: a multipart upload to /graphql/, the real clamd, Redis and the
real ``rqworker --burst`` command (in this process, so it sees the test database; see
tests/media/core/conftest.py), then the result read back through GraphQL and fetched over HTTP.

Transactional tests: the upload commits and django-rq enqueues on that commit, as in production.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlparse

import django_rq
import pytest
from PIL import Image
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from demo.models import Book
from media_pipeline.models import MediaFile
from tests.media.graphql.conftest import (
    CLAMD_URL,
    EICAR,
    files_in,
    image_bytes,
    logged_in,
    oriented_jpeg,
    upload,
    user_with,
)
from tests.media.graphql.test_uploads import READ_BOOK, UPLOAD_COVER, UPLOAD_SAMPLE
from tests.services import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def served(settings):
    """Media served as in DEBUG (only clean files: media_pipeline.views.serve_media)."""
    settings.ROOT_URLCONF = "tests.media.core.urls"


def fetch(client, url: str):
    return client.get(urlparse(url).path)


def read_book(client, book: Book) -> dict:
    response = client.post(
        "/graphql/", json.dumps({"query": READ_BOOK, "variables": {"id": str(book.pk)}}),
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 200 and "errors" not in response.json(), response.content
    return response.json()["data"]["book"]


def test_upload_scan_thumbnails_and_quarantine__read_back_through_graphql(clamd, work, media_dirs, served):
    editor = user_with("e2e-editor", "change_book")
    book = Book.objects.create(title="End to end", slug="end-to-end", isbn="9993000000001", price="9.00")
    client = logged_in(editor)
    variables = {"id": str(book.pk), "file": None}
    cover = upload(
        client, UPLOAD_COVER, variables, {"variables.file": ("photo.jpg", oriented_jpeg(300, 200))}
    )
    sample = upload(client, UPLOAD_SAMPLE, variables, {"variables.file": ("chapter.txt", EICAR)})
    assert cover.data["uploadBookCover"]["ok"] and sample.data["uploadBookSampleChapter"]["ok"]
    assert django_rq.get_queue("media").count == 2  # enqueued on commit; nothing ran yet

    before = read_book(client, book)
    assert (before["cover"]["status"], before["cover"]["url"], before["cover"]["thumbnails"]) == (
        "PENDING",
        None,
        [],
    )
    assert (before["sampleChapter"]["status"], before["sampleChapter"]["url"]) == ("PENDING", None)
    pending_cover = f"/media/{before['cover']['name']}"
    assert client.get(pending_cover).status_code == 404  # not served before the scan

    work("media")

    after = read_book(client, book)
    cover_media = MediaFile.objects.get(file=after["cover"]["name"])
    sample_media = MediaFile.objects.get(file=after["sampleChapter"]["name"])
    assert (cover_media.status, cover_media.scanner) == ("clean", "clamd")
    assert (sample_media.status, sample_media.scanner) == ("infected", "clamd")
    assert sample_media.signature.startswith("Eicar-Test-")

    assert after["cover"]["status"] == "CLEAN"
    assert after["cover"]["url"] == f"http://testserver{pending_cover}"
    response = fetch(client, after["cover"]["url"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == oriented_jpeg(300, 200)
    thumbnails = {t["size"]: t for t in after["cover"]["thumbnails"]}
    assert list(thumbnails) == ["SMALL", "MEDIUM", "LARGE"]
    assert (thumbnails["SMALL"]["width"], thumbnails["SMALL"]["height"]) == (
        107,
        160,
    )  # EXIF rotation applied
    small = fetch(client, thumbnails["SMALL"]["url"])
    assert small.status_code == 200 and small["Content-Type"] == "image/webp"
    with Image.open(media_dirs["media"] / cover_media.thumbnails["small"]["name"]) as image:
        assert (image.format, image.size) == ("WEBP", (107, 160))
    assert after["cover"]["thumbnail"] == {"url": thumbnails["SMALL"]["url"]}

    assert after["sampleChapter"] == {
        "name": sample_media.file.name, "status": "INFECTED", "url": None, "contentType": "text/plain",
    }  # fmt: skip
    assert client.get(f"/media/{sample_media.file.name}").status_code == 404
    assert sample_media.file.name not in files_in(media_dirs["media"])
    assert files_in(media_dirs["quarantine"]) == [sample_media.quarantine_name]
    assert FailedJobRegistry(queue=django_rq.get_queue("media")).count == 0


def test_clamd_down__the_upload_stays_pending_and_a_later_worker_run_scans_it(
    rq_redis, work, media_settings, real_services, served
):
    media_settings(clamd_url=f"tcp://127.0.0.1:{free_port()}", SCAN_RETRY_INTERVALS=[60, 600])
    editor = user_with("e2e-down", "change_book")
    book = Book.objects.create(title="Later", slug="later", isbn="9993000000002", price="9.00")
    client = logged_in(editor)
    answer = upload(client, UPLOAD_COVER, {"id": str(book.pk), "file": None},
                    {"variables.file": ("later.png", image_bytes(50, 40))})  # fmt: skip
    assert answer.data["uploadBookCover"]["ok"] is True

    work("media")  # clamd unreachable: never clean by default

    cover = read_book(client, book)["cover"]
    assert (cover["status"], cover["url"]) == ("PENDING", None)
    assert client.get(f"/media/{cover['name']}").status_code == 404
    queue = django_rq.get_queue("media")
    scheduled = ScheduledJobRegistry(queue=queue)
    [job_id] = scheduled.get_job_ids()

    media_settings(clamd_url=CLAMD_URL)  # clamd is back ...
    scheduled.schedule(queue.fetch_job(job_id), datetime.now(UTC))  # ... and the backoff has passed
    work("media")

    cover = read_book(client, book)["cover"]
    assert cover["status"] == "CLEAN" and cover["url"].endswith(cover["name"])
    assert MediaFile.objects.get(file=cover["name"]).scanner == "clamd"
    assert fetch(client, cover["url"]).status_code == 200
