"""``Upload`` in the generated inputs: ``createBook(input: {cover: $file})``, ``updateBook`` (null clears
the field), nested creates, bulk creates, dry runs; a write that fails keeps no file."""

from __future__ import annotations

from demo.models import Book, Publisher
from media_pipeline.models import MediaFile
from tests.media.graphql.conftest import book_id, files_in, image_bytes, nothing_stored, upload

CREATE = """mutation($input: BookCreateInput!) {
  createBook(input: $input) { ok errors { field code } book { id cover { name status } sampleChapter { name } } }
}"""
UPDATE = """mutation($id: ID!, $input: BookUpdateInput!, $dry: Boolean) {
  updateBook(id: $id, input: $input, dryRun: $dry) { ok errors { field code } book { cover { name status } } }
}"""


def new_book(**extra) -> dict:
    return {
        "title": "With a cover",
        "slug": "with-a-cover",
        "isbn": "9990000000011",
        "price": "12.50",
        **extra,
    }


def test_create__stores_the_file_and_links_it_to_the_new_row(editor_client, editor, media_dirs, new_media):
    answer = upload(
        editor_client, CREATE, {"input": new_book(cover=None, sampleChapter=None)},
        {"variables.input.cover": ("front.png", image_bytes()), "variables.input.sampleChapter": ("ch1.txt", b"Once")},
    )  # fmt: skip
    payload = answer.data["createBook"]
    assert payload["ok"] is True, payload
    book = Book.objects.get(pk=payload["book"]["id"])
    assert payload["book"]["cover"] == {"name": book.cover.name, "status": "PENDING"}
    assert payload["book"]["sampleChapter"] == {"name": book.sample_chapter.name}
    records = {m.field_name: m for m in new_media()}
    assert set(records) == {"cover", "sample_chapter"}
    for field, media in records.items():
        assert (media.model_label, media.object_id, media.owner) == ("demo.book", str(book.pk), editor)
        assert media.file.name == getattr(book, field).name
    assert records["sample_chapter"].content_type == "text/plain"
    assert sorted(files_in(media_dirs["media"])) == sorted([book.cover.name, book.sample_chapter.name])


def test_create__a_rejected_file_is_a_field_error_at_its_input_path(editor_client, media_dirs):
    before, books = MediaFile.objects.count(), Book.objects.count()
    answer = upload(editor_client, CREATE, {"input": new_book(cover=None)},
                    {"variables.input.cover": ("front.png", b"%PDF-1.4 not an image")})  # fmt: skip
    payload = answer.data["createBook"]
    assert payload["ok"] is False
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("cover", "extension_mismatch")]
    assert Book.objects.count() == books
    assert nothing_stored(media_dirs, before)


def test_create__an_invalid_other_field_keeps_no_file(editor_client, media_dirs):
    before = MediaFile.objects.count()
    answer = upload(editor_client, CREATE, {"input": new_book(cover=None, price="-1")},
                    {"variables.input.cover": ("front.png", image_bytes())})  # fmt: skip
    payload = answer.data["createBook"]
    assert payload["ok"] is False and [e["code"] for e in payload["errors"]] == ["negative_price"]
    assert nothing_stored(media_dirs, before)


def test_create__a_nested_publisher_logo_is_linked_to_the_nested_row(editor_client, new_media):
    publisher = {"name": "Logo Press", "slug": "logo-press", "logo": None}
    answer = upload(editor_client, CREATE, {"input": new_book(publisher={"create": publisher})},
                    {"variables.input.publisher.create.logo": ("logo.png", image_bytes(32, 32))})  # fmt: skip
    assert answer.data["createBook"]["ok"] is True, answer.body
    created = Publisher.objects.get(slug="logo-press")
    [media] = new_media()
    assert (media.model_label, media.object_id, media.field_name, media.file.name) == (
        "demo.publisher", str(created.pk), "logo", created.logo.name,
    )  # fmt: skip


def test_bulk_create__each_row_gets_its_own_file(admin_client, new_media):
    query = """mutation($inputs: [BookCreateInput!]!) {
      bulkCreateBooks(inputs: $inputs) { ok results { book { id cover { name } } } }
    }"""
    inputs = [new_book(slug=f"bulk-{i}", isbn=f"999000000002{i}", cover=None) for i in range(2)]
    files = {f"variables.inputs.{i}.cover": (f"bulk-{i}.png", image_bytes(20 + i, 20)) for i in range(2)}
    answer = upload(admin_client, query, {"inputs": inputs}, files)
    assert answer.data["bulkCreateBooks"]["ok"] is True, answer.body
    rows = [Book.objects.get(pk=r["book"]["id"]) for r in answer.data["bulkCreateBooks"]["results"]]
    by_name = {m.file.name: m for m in new_media()}
    assert [by_name[b.cover.name].object_id for b in rows] == [str(b.pk) for b in rows]
    assert [by_name[b.cover.name].width for b in rows] == [20, 21]


def test_update__null_clears_the_field_and_releases_the_file_on_commit(
    editor_client, book, media_dirs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(editor_client, UPDATE, {"id": book_id(book), "input": {"cover": None}},
               {"variables.input.cover": ("front.png", image_bytes())})  # fmt: skip
    book.refresh_from_db()
    stored = book.cover.name
    assert stored and files_in(media_dirs["media"])
    with django_capture_on_commit_callbacks(execute=True):
        answer = upload(editor_client, UPDATE, {"id": book_id(book), "input": {"cover": None}})
    assert answer.data["updateBook"] == {"ok": True, "errors": [], "book": {"cover": None}}
    book.refresh_from_db()
    assert not book.cover
    assert not MediaFile.objects.filter(file=stored).exists()
    assert files_in(media_dirs["media"]) == []


def test_update__dry_run_shows_the_file_then_keeps_nothing(editor_client, book, media_dirs):
    before = MediaFile.objects.count()
    answer = upload(editor_client, UPDATE, {"id": book_id(book), "input": {"cover": None}, "dry": True},
                    {"variables.input.cover": ("front.png", image_bytes())})  # fmt: skip
    payload = answer.data["updateBook"]
    assert payload["ok"] is True and payload["book"]["cover"]["status"] == "PENDING"
    assert payload["book"]["cover"]["name"].startswith("covers/")
    book.refresh_from_db()
    assert not book.cover
    assert nothing_stored(media_dirs, before)


def test_update__a_failing_write_keeps_no_file(editor_client, book, media_dirs):
    before = MediaFile.objects.count()
    answer = upload(editor_client, UPDATE, {"id": book_id(book), "input": {"cover": None, "title": ""}},
                    {"variables.input.cover": ("front.png", image_bytes())})  # fmt: skip
    payload = answer.data["updateBook"]
    assert payload["ok"] is False and [e["field"] for e in payload["errors"]] == ["title"]
    assert nothing_stored(media_dirs, before)


def test_one_operation_two_mutations__the_failed_one_keeps_no_file(
    editor_client, book, media_dirs, new_media
):
    """Each root mutation field has its own transaction and its own cleanup."""
    query = """mutation($id: ID!, $a: Upload!, $b: Upload!) {
      ok: uploadBookCover(id: $id, file: $a) { ok }
      bad: uploadBookSampleChapter(id: $id, file: $b) { ok }
    }"""
    answer = upload(editor_client, query, {"id": book_id(book), "a": None, "b": None},
                    {"variables.a": ("a.png", image_bytes()), "variables.b": ("b.pdf", image_bytes())})  # fmt: skip
    assert answer.data == {"ok": {"ok": True}, "bad": {"ok": False}}
    book.refresh_from_db()
    assert [m.file.name for m in new_media()] == [book.cover.name]
    assert files_in(media_dirs["media"]) == [book.cover.name]
