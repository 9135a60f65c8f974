"""The RQ jobs against the real parts: clamd (INSTREAM), Redis, ``manage.py rqworker --burst``.

Transactional tests: the upload commits, django-rq enqueues on that commit, and the real worker
command works the queues off in this process (see conftest.py).
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import django_rq
import pytest
from django.db import transaction
from PIL import Image
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from media_pipeline import jobs
from media_pipeline.models import MediaFile
from media_pipeline.uploads import store_upload
from tests.media.conftest import CLAMD_URL, EICAR, files_in, image_bytes, upload
from tests.services import free_port

pytestmark = pytest.mark.django_db(transaction=True)


def stored(name: str, content: bytes) -> MediaFile:
    with transaction.atomic():  # enqueued when this commits
        return store_upload(upload(name, content))


def reload(media: MediaFile) -> MediaFile:
    return MediaFile.objects.get(pk=media.pk)


# -- with Redis and the real worker -----------------------------------------------------------------
def test_worker__scans_with_clamd_quarantines_eicar_and_thumbnails_a_clean_image(clamd, work, media_dirs):
    image = stored("photo.png", image_bytes(1600, 1200))
    virus = stored("eicar.txt", EICAR)
    media_queue = django_rq.get_queue("media")
    assert media_queue.count == 2  # enqueued on commit, nothing ran yet
    assert (reload(image).status, reload(virus).status) == ("pending", "pending")

    work("media")

    image, virus = reload(image), reload(virus)
    assert (image.status, image.scanner, image.signature, image.scan_attempts) == ("clean", "clamd", "", 1)
    assert (virus.status, virus.scanner, virus.scan_attempts) == ("infected", "clamd", 1)
    assert virus.signature.startswith("Eicar-Test-") and virus.signature.endswith(".UNOFFICIAL")
    assert virus.quarantined_at is not None and virus.quarantine_name == f"{virus.pk}/eicar.txt"
    assert files_in(media_dirs["quarantine"]) == [f"{virus.pk}/eicar.txt"]
    assert (media_dirs["quarantine"] / virus.quarantine_name).read_bytes() == EICAR
    assert files_in(media_dirs["media"]) == sorted(
        [image.file.name, *(f"thumbnails/{image.pk}/{size}.webp" for size in ("small", "medium", "large"))]
    )
    assert {size: (t["width"], t["height"]) for size, t in image.thumbnails.items()} == {
        "small": (160, 120), "medium": (480, 360), "large": (1200, 900),
    }  # fmt: skip
    with Image.open(media_dirs["media"] / image.thumbnails["large"]["name"]) as thumb:
        assert (thumb.format, thumb.size) == ("WEBP", (1200, 900))
    assert media_queue.count == 0 and FailedJobRegistry(queue=media_queue).count == 0
    assert django_rq.get_queue("cache_invalidation").count == 3  # one per verdict, one for the thumbnails
    work("cache_invalidation")
    assert django_rq.get_queue("cache_invalidation").count == 0


def test_worker__jobs_carry_timeouts_and_retries_from_the_settings(rq_redis, media_settings):
    media_settings(JOB_TIMEOUT=42, SCAN_RETRY_INTERVALS=[5, 50, 500])
    media = stored("a.txt", b"text\n")
    [job] = django_rq.get_queue("media").get_jobs()
    assert (job.func_name, job.args, job.timeout) == ("media_pipeline.jobs.scan", (str(media.pk),), 42)
    assert (job.retries_left, job.retry_intervals) == (3, [5, 50, 500])


def test_worker__clamd_down_leaves_the_file_pending_and_a_later_run_scans_it(
    rq_redis, work, media_settings, real_services
):
    """clamd unreachable: never clean by default; the job is scheduled again with backoff; once
    the delay has passed and clamd answers, the next worker run scans it."""
    media_settings(clamd_url=f"tcp://127.0.0.1:{free_port()}", SCAN_RETRY_INTERVALS=[60, 600])
    media = stored("later.txt", b"scan me later\n")
    work("media")
    row = reload(media)
    assert (row.status, row.scan_attempts, row.scanner) == ("pending", 1, "")
    assert row.last_error.startswith("cannot reach clamd at tcp://127.0.0.1:") and "refused" in row.last_error
    queue = django_rq.get_queue("media")
    scheduled = ScheduledJobRegistry(queue=queue)
    [job_id] = scheduled.get_job_ids()
    delay = scheduled.get_scheduled_time(job_id) - datetime.now(UTC)
    assert 50 < delay.total_seconds() <= 60  # the first backoff interval

    work("media")  # before the delay: nothing to do
    assert reload(media).status == "pending" and scheduled.count == 1

    media_settings(clamd_url=CLAMD_URL)  # clamd is back ...
    scheduled.schedule(queue.fetch_job(job_id), datetime.now(UTC))  # ... and the delay has passed
    work("media")
    row = reload(media)
    assert (row.status, row.scanner, row.scan_attempts, row.last_error) == ("clean", "clamd", 2, "")
    assert scheduled.count == 0 and FailedJobRegistry(queue=queue).count == 0


def test_worker__a_scan_failing_every_retry_stays_pending_and_in_the_failed_registry(
    rq_redis, work, media_settings, real_services
):
    media_settings(clamd_url=f"tcp://127.0.0.1:{free_port()}", SCAN_RETRY_INTERVALS=[0, 0])
    media = stored("never.txt", b"x\n")
    work("media")
    row = reload(media)
    assert (row.status, row.scan_attempts) == ("pending", 3)  # the first run and two retries
    failed = FailedJobRegistry(queue=django_rq.get_queue("media"))
    [job_id] = failed.get_job_ids()
    job = django_rq.get_queue("media").fetch_job(job_id)
    assert "ScannerUnavailable: cannot reach clamd" in job.latest_result().exc_string


def test_worker__clamd_answering_an_error_is_scan_failed(clamd, work, media_settings):
    """Larger than clamd's StreamMaxLength (25 MB in scripts/services.py): clamd refuses it."""
    media_settings(MAX_FILE_SIZE=40 * 1024 * 1024, SCAN_RETRY_INTERVALS=[3600])
    media = stored("huge.txt", b"a" * (26 * 1024 * 1024))
    work("media")
    row = reload(media)
    assert (row.status, row.scan_attempts) == ("scan_failed", 1)
    assert row.last_error == "clamd could not scan the stream: INSTREAM size limit exceeded. ERROR"
    assert ScheduledJobRegistry(queue=django_rq.get_queue("media")).count == 1  # retried with backoff


def test_worker__a_thumbnail_job_that_keeps_failing_stays_in_the_failed_registry(
    rq_redis, work, media_settings, media_dirs
):
    media_settings(JOB_RETRY_INTERVALS=[0])
    media = MediaFile.objects.create(
        file="gone/missing.png", original_name="missing.png", content_type="image/png", size=10,
        sha256="0" * 64, status="clean",
    )  # fmt: skip
    jobs.enqueue_thumbnail(media, on_commit=False)
    work("media")
    failed = FailedJobRegistry(queue=django_rq.get_queue("media"))
    [job_id] = failed.get_job_ids()
    assert "FileNotFoundError" in django_rq.get_queue("media").fetch_job(job_id).latest_result().exc_string


# -- the jobs themselves (in process) -------------------------------------------------------------------
def test_scan__with_a_timeout_when_clamd_does_not_answer(media_settings, django_capture_on_commit_callbacks):
    """A server that accepts the connection and never answers: the socket timeout applies."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        media_settings(clamd_url=f"tcp://127.0.0.1:{silent.getsockname()[1]}", SCAN_TIMEOUT=0.2)
        media = MediaFile.objects.create(
            file="silent.txt", original_name="silent.txt", content_type="text/plain", size=3, sha256="0" * 64
        )
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        default_storage.save("silent.txt", ContentFile(b"abc"))
        from media_pipeline.errors import ScannerUnavailable

        with pytest.raises(ScannerUnavailable, match=r"did not answer within 0.2s"):
            jobs.scan(str(media.pk))
    row = reload(media)
    assert (row.status, row.scan_attempts) == ("pending", 1)


def test_scan__is_idempotent(media_settings):
    """Running the scan job again does nothing to a file that has its verdict."""
    media = stored("once.png", image_bytes(200, 100))  # the in-process queue scanned it at commit
    row = reload(media)
    assert (row.status, row.scan_attempts) == ("clean", 1)
    thumbs = row.thumbnails
    assert jobs.scan(str(media.pk)) == "clean"
    assert jobs.thumbnail(str(media.pk)) == thumbs
    assert (reload(media).scan_attempts, reload(media).thumbnails) == (1, thumbs)
    assert jobs.scan("00000000-0000-0000-0000-000000000000") == "missing"
    assert jobs.thumbnail("00000000-0000-0000-0000-000000000000") == {}


def test_scan__forced_rescan_of_a_clean_file_that_is_now_detected_quarantines_it(media_dirs):
    media = stored("later-found.txt", b"harmless for now\n")
    assert reload(media).status == "clean"
    (media_dirs["media"] / media.file.name).write_bytes(EICAR)  # e.g. new signatures
    assert jobs.scan(str(media.pk), force=True) == "infected"
    row = reload(media)
    assert (row.status, row.scan_attempts, row.signature) == ("infected", 2, "Eicar-Test-Signature")
    assert files_in(media_dirs["media"]) == []
    assert jobs.scan(str(media.pk), force=True) == "infected"  # quarantined files are left alone


def test_scan__zero_setup_uses_the_builtin_test_scanner(media_dirs):
    """No Redis, no clamd: jobs run in process and the built-in scanner still finds EICAR."""
    clean = stored("ok.txt", b"fine\n")
    virus = stored("eicar.com.txt", b"prefix " + EICAR + b" suffix")
    assert (reload(clean).status, reload(clean).scanner) == ("clean", "builtin-test")
    row = reload(virus)
    assert (row.status, row.scanner, row.signature) == ("infected", "builtin-test", "Eicar-Test-Signature")
    assert files_in(media_dirs["quarantine"]) == [f"{virus.pk}/eicar.com.txt"]


def test_thumbnail__runs_only_after_a_clean_scan(rq_redis):
    media = stored("wait.png", image_bytes())
    assert reload(media).status == "pending"
    assert jobs.thumbnail(str(media.pk)) == {}
    assert reload(media).thumbnails == {}


def test_thumbnail__an_image_pillow_refuses_is_recorded_not_retried(media_dirs, media_settings):
    media = stored("ok.png", image_bytes(300, 300))
    media_settings(MAX_IMAGE_PIXELS=1000)
    assert jobs.thumbnail(str(media.pk), force=True) == {}
    assert reload(media).last_error.startswith("thumbnails: ")


def test_invalidate__bumps_the_result_cache_versions_of_the_model(db):
    from toolkit import caching

    before = caching.versions(["demo.Book", "media_pipeline.MediaFile", "demo.Tag"])
    jobs.invalidate("demo.book", "7")
    jobs.invalidate("demo.book", "7")  # again: harmless
    after = caching.versions(["demo.Book", "media_pipeline.MediaFile", "demo.Tag"])
    assert after == {
        "demo.Book": before["demo.Book"] + 2,
        "media_pipeline.MediaFile": before["media_pipeline.MediaFile"] + 2,
        "demo.Tag": before["demo.Tag"],
    }
    jobs.invalidate("", "")
    jobs.invalidate("nope.model", "1")
    assert (
        caching.versions(["media_pipeline.MediaFile"])["media_pipeline.MediaFile"]
        == after["media_pipeline.MediaFile"] + 2
    )
