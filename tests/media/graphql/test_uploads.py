"""Uploads through /graphql/ (multipart) into the media pipeline: ``upload<Type><Field>``, ``Upload``
in create/update inputs, ``uploadFiles``, ``mediaFile`` and ``FileInfo``'s status and URL.

Jobs run on the settings' in-process queues (fakeredis, synchronous) when a test commits with
``django_capture_on_commit_callbacks(execute=True)``; the built-in test scanner decides (EICAR
only). test_end_to_end.py runs the same path with clamd, Redis and a real worker."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from media_pipeline.models import MediaFile
from tests.media.graphql.conftest import (
    EICAR,
    book_id,
    files_in,
    image_bytes,
    nothing_stored,
    png_bomb,
    upload,
)

UPLOAD_COVER = """mutation($id: ID!, $file: Upload!) {
  uploadBookCover(id: $id, file: $file) {
    ok errors { field messages code }
    book { id cover { name status contentType url thumbnails { size url } } }
  }
}"""
UPLOAD_SAMPLE = """mutation($id: ID!, $file: Upload!) {
  uploadBookSampleChapter(id: $id, file: $file) {
    ok errors { field code } book { sampleChapter { name status contentType url } }
  }
}"""
READ_BOOK = """query($id: ID!) { book(id: $id) {
  cover { name status url contentType thumbnails { size url width height } thumbnail(size: SMALL) { url } }
  sampleChapter { name status url contentType }
} }"""
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


# -- upload<Type><Field> -------------------------------------------------------------------------------
def test_upload_cover__stores_the_file_pending_with_no_url(
    editor_client, editor, book, media_dirs, new_media
):
    content = image_bytes(64, 48)
    answer = upload(editor_client, UPLOAD_COVER, {"id": book_id(book), "file": None},
                    {"variables.file": ("My Cover.png", content)})  # fmt: skip
    assert answer.status == 200, answer.body
    payload = answer.data["uploadBookCover"]
    assert (payload["ok"], payload["errors"]) == (True, [])
    book.refresh_from_db()
    assert book.cover.name.startswith("covers/") and book.cover.name.endswith(".png")
    assert payload["book"] == {
        "id": book_id(book),
        "cover": {"name": book.cover.name, "status": "PENDING", "contentType": "image/png", "url": None,
                  "thumbnails": []},
    }  # fmt: skip
    [media] = new_media()
    assert (media.file.name, media.status, media.content_type, media.size) == (
        book.cover.name, "pending", "image/png", len(content),
    )  # fmt: skip
    assert (media.model_label, media.object_id, media.field_name, media.owner) == (
        "demo.book", book_id(book), "cover", editor,
    )  # fmt: skip
    assert files_in(media_dirs["media"]) == [book.cover.name]
    assert default_storage.open(book.cover.name).read() == content


def test_upload_cover__clean_scan_gives_the_url_and_thumbnails(
    editor_client, book, gql, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the scan and thumbnail jobs run in process
        answer = upload(editor_client, UPLOAD_COVER, {"id": book_id(book), "file": None},
                        {"variables.file": ("cover.png", image_bytes(800, 600))})  # fmt: skip
    assert answer.data["uploadBookCover"]["ok"] is True, answer.body
    book.refresh_from_db()
    cover = gql(READ_BOOK, {"id": book_id(book)})["book"]["cover"]
    assert cover["status"] == "CLEAN"
    assert cover["url"] == f"http://testserver/media/{book.cover.name}"
    media = MediaFile.objects.get(file=book.cover.name)
    assert media.scanner == "builtin-test"
    thumbnails = {t["size"]: t for t in cover["thumbnails"]}
    assert list(thumbnails) == ["SMALL", "MEDIUM", "LARGE"]
    assert (thumbnails["SMALL"]["width"], thumbnails["SMALL"]["height"]) == (160, 120)
    assert (thumbnails["MEDIUM"]["width"], thumbnails["MEDIUM"]["height"]) == (480, 360)
    for size, entry in thumbnails.items():
        name = media.thumbnails[size.lower()]["name"]
        assert entry["url"] == f"http://testserver/media/{name}"
        assert default_storage.open(name).read(12)[8:12] == b"WEBP"
    assert cover["thumbnail"] == {"url": thumbnails["SMALL"]["url"]}


def test_eicar__is_quarantined_and_never_given_a_url(
    editor_client, book, gql, media_dirs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = upload(editor_client, UPLOAD_SAMPLE, {"id": book_id(book), "file": None},
                        {"variables.file": ("chapter.txt", EICAR)})  # fmt: skip
    assert answer.data["uploadBookSampleChapter"]["ok"] is True, answer.body
    book.refresh_from_db()
    sample = gql(READ_BOOK, {"id": book_id(book)})["book"]["sampleChapter"]
    assert sample == {
        "name": book.sample_chapter.name,
        "status": "INFECTED",
        "url": None,
        "contentType": "text/plain",
    }
    media = MediaFile.objects.get(file=book.sample_chapter.name)
    assert media.signature and media.quarantined_at is not None
    assert files_in(media_dirs["media"]) == []
    assert files_in(media_dirs["quarantine"]) == [media.quarantine_name]


@pytest.mark.parametrize(
    "filename, content, mutation, code",
    [
        ("chapter.pdf", image_bytes(), UPLOAD_SAMPLE, "extension_mismatch"),
        ("bomb.png", png_bomb(), UPLOAD_COVER, "image_too_large"),
        ("cover.pdf", PDF, UPLOAD_COVER, "unsupported_type"),
        ("empty.png", b"", UPLOAD_COVER, "empty_file"),
        ("broken.png", image_bytes()[:60], UPLOAD_COVER, "invalid_image"),
    ],
    ids=["png-renamed-pdf", "decompression-bomb", "pdf-as-image", "empty", "truncated-image"],
)
def test_rejected_upload__is_a_field_error_on_file_and_stores_nothing(
    editor_client, book, media_dirs, filename, content, mutation, code
):
    before = MediaFile.objects.count()
    answer = upload(editor_client, mutation, {"id": book_id(book), "file": None},
                    {"variables.file": (filename, content)})  # fmt: skip
    assert answer.status == 200, answer.body
    payload = next(iter(answer.data.values()))
    assert payload["ok"] is False and payload["book"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("file", code)]
    book.refresh_from_db()
    assert not book.cover and not book.sample_chapter
    assert nothing_stored(media_dirs, before)


def test_an_oversized_upload__is_refused_without_being_stored(
    editor_client, book, media_dirs, media_settings
):
    media_settings(MAX_FILE_SIZE=2000)
    before = MediaFile.objects.count()
    answer = upload(editor_client, UPLOAD_COVER, {"id": book_id(book), "file": None},
                    {"variables.file": ("big.png", image_bytes() + bytes(3000))})  # fmt: skip
    assert (answer.status, answer.error_code()) == (413, "PAYLOAD_TOO_LARGE")
    book.refresh_from_db()
    assert not book.cover
    assert nothing_stored(media_dirs, before)


def test_unknown_id__is_a_field_error_and_stores_nothing(editor_client, media_dirs):
    before = MediaFile.objects.count()
    answer = upload(editor_client, UPLOAD_COVER, {"id": "999999999", "file": None},
                    {"variables.file": ("cover.png", image_bytes())})  # fmt: skip
    payload = answer.data["uploadBookCover"]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("id", "does_not_exist")]
    assert nothing_stored(media_dirs, before)


def test_replacing_a_cover__releases_the_old_file_on_commit(
    editor_client, book, media_dirs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(editor_client, UPLOAD_COVER, {"id": book_id(book), "file": None},
               {"variables.file": ("one.png", image_bytes(40, 40))})  # fmt: skip
    book.refresh_from_db()
    first = book.cover.name
    with django_capture_on_commit_callbacks(execute=True):
        answer = upload(editor_client, UPLOAD_COVER, {"id": book_id(book), "file": None},
                        {"variables.file": ("two.png", image_bytes(50, 50))})  # fmt: skip
    assert answer.data["uploadBookCover"]["ok"] is True
    book.refresh_from_db()
    assert book.cover.name != first
    assert not MediaFile.objects.filter(file=first).exists()
    assert first not in files_in(media_dirs["media"]) and book.cover.name in files_in(media_dirs["media"])
