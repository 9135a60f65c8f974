"""Files set outside the upload path (admin, seeder, shell) enter the pipeline through signals."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from demo.models import Book, Publisher
from media_pipeline.models import MediaFile
from tests.media.conftest import EICAR, files_in, image_bytes


@pytest.fixture
def book(db) -> Book:
    publisher = Publisher.objects.create(name="Signal Press", slug="signal-press")
    return Book.objects.create(
        publisher=publisher, title="Signals", slug="signals", isbn="9990000002001", price="5"
    )


def media_queries(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "media_pipeline_mediafile" in q["sql"]]


def test_seeded_demo_files__were_registered_scanned_and_thumbnailed(db):
    """The session's demo seed saved covers and sample chapters through the ORM."""
    seeded = Book.objects.exclude(cover="").exclude(cover__isnull=True)
    names = {b.cover.name for b in seeded} | {b.sample_chapter.name for b in seeded}
    assert names
    rows = {m.file.name: m for m in MediaFile.objects.filter(file__in=names)}
    assert set(rows) == names
    assert {(m.status, m.scanner) for m in rows.values()} == {("clean", "builtin-test")}
    covers = [rows[b.cover.name] for b in seeded]
    assert all(set(m.thumbnails) == {"small", "medium", "large"} for m in covers)
    assert {m.content_type for m in covers} == {"image/png"}
    assert {rows[b.sample_chapter.name].content_type for b in seeded} == {"text/plain"}
    assert {(m.model_label, m.field_name) for m in covers} == {("demo.book", "cover")}


def test_orm_save__registers_and_scans_a_new_file(
    book, media_dirs, new_media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        book.cover.save("shell.png", ContentFile(image_bytes(400, 300)))  # saves the book too
    [media] = new_media()
    assert (media.file.name, media.status, media.content_type, media.width, media.height) == (
        "covers/shell.png", "clean", "image/png", 400, 300,
    )  # fmt: skip
    assert (media.model_label, media.object_id, media.field_name) == ("demo.book", str(book.pk), "cover")
    assert set(media.thumbnails) == {"small", "medium", "large"}


def test_orm_save__no_rejection_but_eicar_is_quarantined(
    book, media_dirs, new_media, django_capture_on_commit_callbacks
):
    """The file is already stored (no UploadRejected here); the scan still quarantines it."""
    with django_capture_on_commit_callbacks(execute=True):
        book.sample_chapter.save("eicar.exe", ContentFile(EICAR))
    [media] = new_media()
    assert (media.status, media.content_type, media.original_name) == ("infected", "text/plain", "eicar.exe")
    assert files_in(media_dirs["media"]) == []


def test_orm_save__replacing_a_file_releases_the_old_one_on_commit(
    book, media_dirs, new_media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        book.cover.save("old.png", ContentFile(image_bytes(300, 300)))
    [old] = new_media()
    book = Book.objects.get(pk=book.pk)  # as the admin loads it
    with django_capture_on_commit_callbacks(execute=True):
        book.cover.save("new.png", ContentFile(image_bytes(200, 200)))
    [new] = new_media()
    assert new.file.name == "covers/new.png" and new.status == "clean"
    assert not MediaFile.objects.filter(pk=old.pk).exists()
    assert files_in(media_dirs["media"]) == sorted(
        ["covers/new.png", *(f"thumbnails/{new.pk}/{s}.webp" for s in ("small", "medium", "large"))]
    )


def test_orm_save__clearing_and_deleting_release_files(
    book, media_dirs, new_media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        book.cover.save("c.png", ContentFile(image_bytes()))
        book.sample_chapter.save("s.txt", ContentFile(b"chapter\n"))
    assert len(new_media()) == 2
    book = Book.objects.get(pk=book.pk)
    with django_capture_on_commit_callbacks(execute=True):
        book.cover = None
        book.save()
    assert [m.file.name for m in new_media()] == ["samples/s.txt"]
    with django_capture_on_commit_callbacks(execute=True):
        Book.objects.filter(pk=book.pk).delete()
    assert new_media() == [] and files_in(media_dirs["media"]) == []


def test_orm_delete__keeps_a_file_another_row_still_uses(
    book, media_dirs, new_media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        book.cover.save("shared.png", ContentFile(image_bytes()))
        twin = Book.objects.create(
            publisher=book.publisher,
            title="Twin",
            slug="twin",
            isbn="9990000002002",
            price="5",
            cover=book.cover.name,
        )
    with django_capture_on_commit_callbacks(execute=True):
        book.delete()
    assert [m.file.name for m in new_media()] == ["covers/shared.png"]
    assert "covers/shared.png" in files_in(media_dirs["media"])
    assert Book.objects.get(pk=twin.pk).cover.name == "covers/shared.png"


def test_orm_save__saving_without_changing_files_does_not_query_media(
    book, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        book.cover.save("same.png", ContentFile(image_bytes()))
    loaded = Book.objects.get(pk=book.pk)
    loaded.title = "Renamed"
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        loaded.save()
        Book.objects.only("title").get(pk=book.pk).save(update_fields=["title"])
    assert media_queries(queries) == []


def test_orm_save__a_name_without_a_stored_file_is_skipped(book, new_media, caplog):
    book.cover = "covers/not-there.png"
    book.save()
    assert new_media() == []
    assert "covers/not-there.png" in caplog.text and "is not in the storage" in caplog.text


def test_orm_save__models_that_are_not_exposed_are_left_alone(
    book, media_dirs, new_media, settings, django_capture_on_commit_callbacks
):
    settings.TOOLKIT = {**settings.TOOLKIT, "APPS": ["demo.Tag"]}
    with django_capture_on_commit_callbacks(execute=True):
        book.cover.save("hidden.png", ContentFile(image_bytes()))
    assert new_media() == []
