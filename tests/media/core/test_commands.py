"""media_rescan, media_thumbnails and media_quarantine (each with --dry-run)."""

from __future__ import annotations

import datetime
from io import StringIO

import django_rq
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone

from demo.models import Book
from media_pipeline.models import MediaFile
from tests.media.conftest import EICAR, files_in, image_bytes


def run(name: str, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(name, *args, stdout=out, stderr=err, no_color=True)
    return out.getvalue(), err.getvalue()


def make(
    name: str, content: bytes, status: str = "pending", content_type: str = "text/plain", **extra
) -> MediaFile:
    stored = default_storage.save(name, ContentFile(content))
    return MediaFile.objects.create(
        file=stored, original_name=name, content_type=content_type, size=len(content), sha256="0" * 64,
        status=status, **extra,
    )  # fmt: skip


def queued_ids(queue: str = "media") -> list[str]:
    return sorted(job.args[0] for job in django_rq.get_queue(queue).get_jobs())


# -- media_rescan ---------------------------------------------------------------------------------------------
def test_media_rescan__queues_pending_and_failed_files_by_default(db, rq_redis, media_dirs):
    pending = make("a.txt", b"a\n")
    failed = make("b.txt", b"b\n", status="scan_failed")
    make("c.txt", b"c\n", status="clean")
    make("d.txt", b"d\n", status="infected")
    out, err = run("media_rescan")
    assert out == "2 scan(s) queued on 'media'.\n"
    assert queued_ids() == sorted([str(pending.pk), str(failed.pk)])
    assert "scan:   0%|" in err and "0/2" in err  # the progress bar (tqdm on stderr)
    assert {job.args[1:] for job in django_rq.get_queue("media").get_jobs()} == {()}  # not forced


def test_requeue_stuck_scans__queues_only_files_pending_or_failed_past_the_delay(
    db, rq_redis, media_dirs, settings
):
    from media_pipeline.maintenance import requeue_stuck_scans

    settings.TOOLKIT = {**settings.TOOLKIT, "MEDIA": {"REQUEUE_PENDING_AFTER": 600}}
    stuck = make("a.txt", b"a\n")
    failed = make("b.txt", b"b\n", status="scan_failed")
    make("recent.txt", b"r\n")
    for status in ("clean", "infected"):
        make(f"{status}.txt", b"x\n", status=status)
    long_ago = timezone.now() - datetime.timedelta(seconds=601)
    MediaFile.objects.exclude(original_name="recent.txt").update(updated_at=long_ago)
    assert requeue_stuck_scans() == 2
    assert queued_ids() == sorted([str(stuck.pk), str(failed.pk)])
    assert requeue_stuck_scans() == 2  # queued again next time until a scan changes the file


def test_media_rescan__dry_run_lists_and_changes_nothing(db, rq_redis, media_dirs):
    pending = make("a.txt", b"a\n")
    out, _ = run("media_rescan", "--pending", "--dry-run")
    assert out == f"would scan {pending.pk} pending     a.txt\nDry run: 1 file(s) would be scanned.\n"
    assert queued_ids() == []


def test_media_rescan__inline_scans_here(db, media_dirs):
    pending = make("a.txt", b"a\n")
    virus = make("v.txt", EICAR, status="scan_failed")
    out, _ = run("media_rescan", "--inline", "--no-progress")
    assert out == "2 scan(s) scanned here.\n"
    assert MediaFile.objects.get(pk=pending.pk).status == "clean"
    assert MediaFile.objects.get(pk=virus.pk).status == "infected"


def test_media_rescan__all_forces_clean_files_and_registers_files_written_in_bulk(db, rq_redis, media_dirs):
    clean = make("clean.txt", b"c\n", status="clean")
    make("infected.txt", b"i\n", status="infected")
    book = Book.objects.order_by("pk").first()
    default_storage.save("covers/bulk.png", ContentFile(image_bytes()))
    Book.objects.filter(pk=book.pk).update(cover="covers/bulk.png")  # no signals
    assert not MediaFile.objects.filter(file="covers/bulk.png").exists()

    out, _ = run("media_rescan", "--all", "--no-progress")
    registered = MediaFile.objects.get(file="covers/bulk.png")
    assert (registered.model_label, registered.object_id, registered.status) == (
        "demo.book",
        str(book.pk),
        "pending",
    )
    assert out.splitlines()[0] == f"registered demo.Book {book.pk} cover: covers/bulk.png"
    expected = MediaFile.objects.exclude(status="infected").count()
    assert out.splitlines()[-1] == f"{expected} scan(s) queued on 'media'."
    jobs = {job.args[0]: job.args for job in django_rq.get_queue("media").get_jobs()}
    assert jobs[str(clean.pk)] == (str(clean.pk), True)  # forced
    assert str(registered.pk) in jobs


def test_media_rescan__model_limits_the_files_and_dry_run_does_not_register(db, rq_redis, media_dirs):
    make("free.txt", b"x\n")
    book = Book.objects.order_by("pk").first()
    default_storage.save("samples/bulk.txt", ContentFile(b"chapter\n"))
    Book.objects.filter(pk=book.pk).update(sample_chapter="samples/bulk.txt")
    out, _ = run("media_rescan", "--model", "demo.Book", "--dry-run")
    assert out.splitlines()[0] == f"would register demo.Book {book.pk} sample_chapter: samples/bulk.txt"
    assert not MediaFile.objects.filter(file="samples/bulk.txt").exists()
    assert "free.txt" not in out


@pytest.mark.parametrize(
    ("model", "message"),
    [("demo.Nope", "--model demo.Nope: App 'demo' doesn't have a 'Nope' model."),
     ("demo.Tag", "--model demo.Tag: demo.Tag has no File/Image field")],
)  # fmt: skip
def test_media_rescan__an_unknown_model_is_exit_code_2(db, model, message):
    with pytest.raises(CommandError, match="^" + message.replace(".", r"\.")) as caught:
        run("media_rescan", "--model", model)
    assert caught.value.returncode == 2


def test_media_rescan__all_and_pending_are_exclusive(db):
    with pytest.raises(CommandError, match="not allowed with argument"):
        run("media_rescan", "--all", "--pending")


# -- media_thumbnails -------------------------------------------------------------------------------------------
def test_media_thumbnails__missing_by_default_all_on_request(db, rq_redis, media_dirs):
    MediaFile.objects.filter(status="clean").update(status="scan_failed")  # the seeded ones: out of the way
    bare = make("bare.png", image_bytes(), status="clean", content_type="image/png")
    full = {
        name: {"name": f"t/{name}.webp", "width": 1, "height": 1} for name in ("small", "medium", "large")
    }
    done = make("done.png", image_bytes(), status="clean", content_type="image/png", thumbnails=full)
    make("pending.png", image_bytes(), content_type="image/png")
    make("doc.txt", b"x\n", status="clean")
    out, _ = run("media_thumbnails", "--dry-run")
    assert out == f"would make {bare.pk} bare.png (has: none)\nDry run: 1 image(s) would get thumbnails.\n"
    assert queued_ids() == []
    out, _ = run("media_thumbnails", "--no-progress")
    assert (out, queued_ids()) == ("Thumbnails of 1 image(s) queued on 'media'.\n", [str(bare.pk)])
    django_rq.get_queue("media").empty()
    out, _ = run("media_thumbnails", "--all", "--no-progress")
    assert queued_ids() == sorted([str(bare.pk), str(done.pk)])


def test_media_thumbnails__inline(db, media_dirs):
    MediaFile.objects.filter(status="clean").update(status="scan_failed")
    bare = make("bare.png", image_bytes(500, 500), status="clean", content_type="image/png")
    out, _ = run("media_thumbnails", "--inline", "--no-progress")
    assert out == "Thumbnails of 1 image(s) made here.\n"
    assert set(MediaFile.objects.get(pk=bare.pk).thumbnails) == {"small", "medium", "large"}


# -- media_quarantine -------------------------------------------------------------------------------------------
@pytest.fixture
def infected(db, media_dirs, django_capture_on_commit_callbacks):
    from media_pipeline.uploads import store_upload
    from tests.media.conftest import upload

    with django_capture_on_commit_callbacks(execute=True):
        old = store_upload(upload("old.txt", EICAR))
        new = store_upload(upload("new.txt", EICAR))
    MediaFile.objects.filter(pk=old.pk).update(quarantined_at=timezone.now() - datetime.timedelta(days=40))
    return MediaFile.objects.get(pk=old.pk), MediaFile.objects.get(pk=new.pk)


def test_media_quarantine__list(infected):
    old, _new = infected
    out, _ = run("media_quarantine", "list")
    lines = out.splitlines()
    assert lines[-1] == "2 quarantined file(s)."
    assert lines[0].startswith(f"{old.pk}  ") and lines[0].endswith(f"old.txt  -> {old.quarantine_name}")
    assert "Eicar-Test-Signature (builtin-test)  68\xa0bytes" in lines[0]
    out, _ = run("media_quarantine", "list", "--older-than", "30")
    assert out.splitlines()[-1] == "1 quarantined file(s)."


def test_media_quarantine__purge_older_than_with_dry_run(infected, media_dirs):
    old, new = infected
    out, _ = run("media_quarantine", "purge", "--older-than", "30", "--dry-run")
    assert (
        out
        == f"would delete {old.pk} {old.quarantine_name}\nDry run: 1 quarantined file(s) would be deleted.\n"
    )
    assert len(files_in(media_dirs["quarantine"])) == 2
    out, _ = run("media_quarantine", "purge", "--older-than", "30")
    assert out == f"deleted {old.pk} {old.quarantine_name}\nDeleted 1 quarantined file(s).\n"
    assert files_in(media_dirs["quarantine"]) == [new.quarantine_name]
    assert list(MediaFile.objects.filter(status="infected").values_list("pk", flat=True)) == [new.pk]
    run("media_quarantine", "purge")
    assert (
        files_in(media_dirs["quarantine"]) == [] and not MediaFile.objects.filter(status="infected").exists()
    )


def test_media_quarantine__bad_arguments(db):
    with pytest.raises(CommandError, match="--older-than must be 0 or more days") as caught:
        run("media_quarantine", "purge", "--older-than", "-1")
    assert caught.value.returncode == 2
    with pytest.raises(CommandError, match="invalid choice: 'delete'"):
        run("media_quarantine", "delete")
