"""store_upload, link, release, cleanup_on_failure and status_of (the GraphQL layer's API)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import transaction

from demo.models import Book, Publisher
from media_pipeline.errors import UploadRejected
from media_pipeline.models import MediaFile
from media_pipeline.uploads import cleanup_on_failure, link, release, status_of, store_upload
from tests.media.conftest import EICAR, files_in, image_bytes, upload


def new_book(**fields) -> Book:
    publisher = Publisher.objects.create(name="Upload Press", slug="upload-press")
    values = {"title": "Uploads", "slug": "uploads", "isbn": "9990000001001", "price": "9.99"}
    return Book.objects.create(publisher=publisher, **{**values, **fields})


# -- store_upload -----------------------------------------------------------------------------------
def test_store_upload__saves_to_the_field_s_upload_to_and_records_a_pending_file(db, media_dirs):
    book = new_book()
    content = image_bytes(80, 60)
    media = store_upload(upload("My Cover.png", content, "text/plain"), instance=book, field_name="cover")
    assert media.file.name == "covers/My_Cover.png"
    assert files_in(media_dirs["media"]) == ["covers/My_Cover.png"]
    assert (media_dirs["media"] / "covers/My_Cover.png").read_bytes() == content
    row = MediaFile.objects.get(pk=media.pk)
    assert (row.status, row.content_type, row.size, row.width, row.height, row.original_name) == (
        "pending", "image/png", len(content), 80, 60, "My_Cover.png",
    )  # fmt: skip
    assert (row.model_label, row.object_id, row.field_name, row.scanner) == (
        "demo.book",
        str(book.pk),
        "cover",
        "",
    )
    assert book.cover.name == "covers/My_Cover.png"  # set on the instance, not saved
    assert not Book.objects.get(pk=book.pk).cover


def test_store_upload__without_a_field_goes_to_uploads_year_month_with_the_owner(db, media_dirs):
    from django.utils import timezone

    owner = get_user_model().objects.create_user("uploader", password="pw")
    media = store_upload(upload("notes.txt", b"some notes\n"), owner=owner)
    assert media.file.name == timezone.now().strftime("uploads/%Y/%m/notes.txt")
    assert (media.owner, media.model_label, media.field_name, media.content_type) == (
        owner,
        "",
        "",
        "text/plain",
    )


def test_store_upload__the_same_name_twice_gets_two_files(db, media_dirs):
    first = store_upload(upload("same.txt", b"one\n"))
    second = store_upload(upload("same.txt", b"two\n"))
    assert first.file.name != second.file.name
    assert len(files_in(media_dirs["media"])) == 2


def test_store_upload__field_types_come_from_allowed_types(db, media_dirs, media_settings):
    book = new_book()
    pdf = b"%PDF-1.4\n%%EOF\n"
    with pytest.raises(UploadRejected) as caught:
        store_upload(upload("chapter.pdf", pdf), instance=book, field_name="cover")
    assert caught.value.code == "UNSUPPORTED_TYPE"  # an ImageField: default_image
    assert store_upload(
        upload("chapter.pdf", pdf), instance=book, field_name="sample_chapter"
    ).content_type == ("application/pdf")
    media_settings(ALLOWED_TYPES={"demo.Book.sample_chapter": ["text/plain"]})
    with pytest.raises(UploadRejected) as caught:
        store_upload(upload("chapter2.pdf", pdf), instance=book, field_name="sample_chapter")
    assert caught.value.code == "UNSUPPORTED_TYPE"
    assert caught.value.message.endswith("allowed here: text/plain.")


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("cover.pdf", image_bytes(), "EXTENSION_MISMATCH"),
        ("empty.png", b"", "EMPTY_FILE"),
        ("\u202e", image_bytes(), "INVALID_FILENAME"),
        ("page.png", b"<html><script>alert(1)</script></html>", "EXTENSION_MISMATCH"),
        ("page.html", b"<html><script>alert(1)</script></html>", "UNSUPPORTED_TYPE"),
    ],
)
def test_store_upload__a_rejected_file_leaves_nothing_behind(db, media_dirs, new_media, name, content, code):
    book = new_book()
    with pytest.raises(UploadRejected) as caught:
        store_upload(upload(name, content), instance=book, field_name="cover")
    assert caught.value.code == code
    assert files_in(media_dirs["media"]) == []
    assert new_media() == []
    assert not book.cover


def test_store_upload__oversized_is_refused_without_being_stored(db, media_dirs, media_settings, new_media):
    media_settings(MAX_FILE_SIZE=1024)
    with pytest.raises(UploadRejected) as caught:
        store_upload(upload("big.txt", b"x" * 1025))
    assert caught.value.code == "FILE_TOO_LARGE"
    assert files_in(media_dirs["media"]) == [] and new_media() == []


def test_store_upload__a_failing_record_removes_the_stored_file(db, media_dirs, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(MediaFile.objects, "create", fail)
    with pytest.raises(RuntimeError, match="database down"):
        store_upload(upload("a.txt", b"text\n"))
    assert files_in(media_dirs["media"]) == []


def test_store_upload__enqueues_the_scan_on_commit(db, media_dirs, django_capture_on_commit_callbacks):
    """Nothing runs before the commit; at commit the (in-process) scan makes the file clean."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        media = store_upload(upload("a.txt", b"plain text\n"))
    assert MediaFile.objects.get(pk=media.pk).status == "pending"
    for callback in callbacks:
        callback()
    row = MediaFile.objects.get(pk=media.pk)
    assert (row.status, row.scanner, row.scan_attempts) == ("clean", "builtin-test", 1)


# -- link and status_of ------------------------------------------------------------------------------
def test_link__attaches_a_file_stored_before_the_instance_was_saved(db, media_dirs, new_media):
    publisher = Publisher.objects.create(name="Link Press", slug="link-press")
    book = Book(publisher=publisher, title="Linked", slug="linked", isbn="9990000001002", price="1.00")
    media = store_upload(upload("c.png", image_bytes()), instance=book, field_name="cover")
    assert (media.model_label, media.object_id) == ("demo.book", "")
    book.save()
    link(media, book)
    assert MediaFile.objects.filter(pk=media.pk).values_list("model_label", "object_id", "field_name").get() == (
        "demo.book", str(book.pk), "cover",
    )  # fmt: skip
    assert [m.pk for m in new_media()] == [media.pk]  # the post_save handler did not register it again


def test_link__needs_a_saved_instance(db, media_dirs):
    media = store_upload(upload("c.txt", b"x\n"))
    with pytest.raises(ValueError, match="saved instance"):
        link(media, Book())


def test_status_of__reads_many_names_in_one_query(db, media_dirs, django_assert_num_queries):
    a = store_upload(upload("a.txt", b"a\n"))
    b = store_upload(upload("b.txt", b"b\n"))
    with django_assert_num_queries(1):
        found = status_of([a.file.name, b.file.name, "unknown/name.txt", "", a.file.name])
    assert {name: m.pk for name, m in found.items()} == {a.file.name: a.pk, b.file.name: b.pk}
    with django_assert_num_queries(0):
        assert status_of([]) == {} and status_of(["", None]) == {}


# -- release -----------------------------------------------------------------------------------------
def test_release__deletes_file_thumbnails_and_record_on_commit_and_purges(
    db, media_dirs, media_settings, django_capture_on_commit_callbacks, caplog
):
    media_settings(PURGE_BACKEND="media_pipeline.purge.LoggingPurge", CDN_URL="https://cdn.example.com")
    book = new_book()
    with django_capture_on_commit_callbacks(execute=True):
        media = store_upload(upload("c.png", image_bytes(300, 200)), instance=book, field_name="cover")
    media.refresh_from_db()
    assert media.status == "clean" and set(media.thumbnails) == {"small", "medium", "large"}
    assert len(files_in(media_dirs["media"])) == 4
    caplog.set_level("INFO", logger="media_pipeline.purge")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        release(media.file.name)
    assert len(files_in(media_dirs["media"])) == 4  # not before the commit
    for callback in callbacks:
        callback()
    assert files_in(media_dirs["media"]) == [] and not MediaFile.objects.filter(pk=media.pk).exists()
    purged = [r.getMessage() for r in caplog.records if r.name == "media_pipeline.purge"]
    assert purged == [
        f"purge 4 URL(s): https://cdn.example.com/covers/c.png "
        f"https://cdn.example.com/thumbnails/{media.pk}/small.webp "
        f"https://cdn.example.com/thumbnails/{media.pk}/medium.webp "
        f"https://cdn.example.com/thumbnails/{media.pk}/large.webp"
    ]


def test_release__keeps_a_file_still_used_by_its_field(db, media_dirs, django_capture_on_commit_callbacks):
    book = new_book()
    with django_capture_on_commit_callbacks(execute=True):
        media = store_upload(upload("kept.png", image_bytes()), instance=book, field_name="cover")
        book.save()
        release(media.file.name)  # e.g. a stale release: the book still shows it
    assert MediaFile.objects.filter(pk=media.pk).exists()
    assert "covers/kept.png" in files_in(media_dirs["media"])


def test_release__twice_is_harmless(db, media_dirs, new_media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        media = store_upload(upload("twice.txt", b"x\n"))
    with django_capture_on_commit_callbacks(execute=True):
        release(media.file.name)
        release(media.file.name)
        release("")
    assert files_in(media_dirs["media"]) == [] and new_media() == []


def test_release__an_infected_file_keeps_its_record_and_quarantined_copy(
    db, media_dirs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        media = store_upload(upload("eicar.txt", EICAR))
    with django_capture_on_commit_callbacks(execute=True):
        release(media.file.name)
    row = MediaFile.objects.get(pk=media.pk)
    assert row.status == "infected"
    assert files_in(media_dirs["quarantine"]) == [f"{media.pk}/eicar.txt"]


def test_release__is_forgotten_when_the_transaction_rolls_back(
    db, media_dirs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        media = store_upload(upload("stay.txt", b"x\n"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                release(media.file.name)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert callbacks == []
    assert files_in(media_dirs["media"]) == [media.file.name]
    assert MediaFile.objects.filter(pk=media.pk).exists()


# -- cleanup_on_failure --------------------------------------------------------------------------------
def test_cleanup_on_failure__an_exception_removes_the_block_s_files(db, media_dirs, new_media):
    kept = store_upload(upload("before.txt", b"x\n"))
    with pytest.raises(RuntimeError), cleanup_on_failure():
        store_upload(upload("one.txt", b"1\n"))
        store_upload(upload("two.png", image_bytes()))
        raise RuntimeError("a later field failed")
    assert files_in(media_dirs["media"]) == [kept.file.name]
    assert [m.pk for m in new_media()] == [kept.pk]


def test_cleanup_on_failure__a_rejected_upload_in_the_block_removes_earlier_ones(db, media_dirs, new_media):
    with pytest.raises(UploadRejected), cleanup_on_failure():
        store_upload(upload("ok.txt", b"fine\n"))
        store_upload(upload("bad.pdf", image_bytes()))
    assert files_in(media_dirs["media"]) == [] and new_media() == []


def test_cleanup_on_failure__a_rolled_back_savepoint_removes_its_files(db, media_dirs, new_media):
    """The GraphQL dryRun: the block succeeds but its transaction is rolled back."""
    with cleanup_on_failure(), transaction.atomic():
        store_upload(upload("dry.txt", b"dry\n"))
        transaction.set_rollback(True)
    assert files_in(media_dirs["media"]) == [] and new_media() == []


def test_cleanup_on_failure__files_wait_for_the_enclosing_commit(
    db, media_dirs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with cleanup_on_failure():
            media = store_upload(upload("waits.txt", b"x\n"))
        assert files_in(media_dirs["media"]) == [media.file.name]
    assert len(callbacks) >= 2  # the commit marker and the scan (and the result cache's)
    assert MediaFile.objects.filter(pk=media.pk).exists()


def test_cleanup_on_failure__a_successful_block_keeps_its_files(
    db, media_dirs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), cleanup_on_failure(), transaction.atomic():
        media = store_upload(upload("kept.txt", b"kept\n"))
    assert files_in(media_dirs["media"]) == [media.file.name]
    assert MediaFile.objects.get(pk=media.pk).status == "clean"


def test_cleanup_on_failure__an_outer_failure_removes_inner_successes(db, media_dirs, new_media):
    with pytest.raises(RuntimeError), cleanup_on_failure():
        with cleanup_on_failure():
            inner = store_upload(upload("inner.txt", b"inner\n"))
        assert files_in(media_dirs["media"]) == [inner.file.name]
        raise RuntimeError("outer failed")
    assert files_in(media_dirs["media"]) == [] and new_media() == []


@pytest.mark.django_db(transaction=True)
def test_cleanup_on_failure__with_autocommit_a_failure_removes_scanned_files_and_thumbnails(
    media_dirs, new_media
):
    """Without a transaction the scan and thumbnails ran at once (in-process queue): all go."""
    with pytest.raises(RuntimeError), cleanup_on_failure():
        media = store_upload(upload("auto.png", image_bytes(400, 300)))
        assert MediaFile.objects.get(pk=media.pk).status == "clean"
        assert len(files_in(media_dirs["media"])) == 4
        raise RuntimeError("failed after the scan")
    assert files_in(media_dirs["media"]) == [] and new_media() == []
    assert default_storage.exists(media.file.name) is False
