"""The ``uploads`` feature flag: switched off for everything or per model, an upload is refused with
``FEATURE_DISABLED`` and nothing is stored; other models' uploads and non-file writes go on."""

from __future__ import annotations

import pytest

from demo.models import Book
from media_pipeline.models import MediaFile
from tests.media.graphql.conftest import book_id, image_bytes, nothing_stored, upload
from tests.media.graphql.test_inputs import CREATE, new_book
from tests.media.graphql.test_uploads import UPLOAD_COVER
from toolkit import flags
from toolkit.models import FeatureFlag

UPLOAD_FILES = "mutation($files: [Upload!]!) { uploadFiles(files: $files) { ok files { id } } }"


@pytest.fixture(autouse=True)
def fresh_flags():
    """This process's copy of the rows follows the test's (rolled back) rows."""
    flags.reset()
    yield
    flags.reset()
    flags._memo.update(rows={}, generation=flags._generation())


def switch_off(scope: str = "") -> None:
    FeatureFlag.objects.create(name="uploads", scope=scope, enabled=False)
    flags.reset()


def refused(answer, field: str) -> None:
    assert answer.data in (None, {field: None}) or answer.data.get(field) is None, answer.body
    [error] = answer.errors
    assert error["extensions"]["code"] == "FEATURE_DISABLED"
    assert "uploads" in error["message"]


def test_off_for_the_model__upload_mutation_refused_and_nothing_stored(editor_client, book, media_dirs):
    switch_off("demo.Book")
    before = MediaFile.objects.count()
    answer = upload(editor_client, UPLOAD_COVER, {"id": book_id(book), "file": None},
                    {"variables.file": ("cover.png", image_bytes())})  # fmt: skip
    refused(answer, "uploadBookCover")
    book.refresh_from_db()
    assert not book.cover and nothing_stored(media_dirs, before)


def test_off_for_the_model__a_file_in_a_create_input_rolls_the_whole_write_back(editor_client, media_dirs):
    switch_off("demo.Book")
    before = MediaFile.objects.count()
    answer = upload(editor_client, CREATE, {"input": new_book(cover=None)},
                    {"variables.input.cover": ("front.png", image_bytes())})  # fmt: skip
    refused(answer, "createBook")
    assert not Book.objects.filter(slug="with-a-cover").exists() and nothing_stored(media_dirs, before)


def test_off_for_the_model__writes_without_a_file_still_run(editor_client, media_dirs):
    switch_off("demo.Book")
    answer = upload(editor_client, CREATE, {"input": new_book()}, {})
    assert answer.data["createBook"]["ok"] is True, answer.body


def test_off_for_another_model__this_models_uploads_run(editor_client, book, media_dirs):
    switch_off("demo.Author")
    answer = upload(editor_client, UPLOAD_COVER, {"id": book_id(book), "file": None},
                    {"variables.file": ("cover.png", image_bytes())})  # fmt: skip
    assert answer.data["uploadBookCover"]["ok"] is True, answer.body


def test_off_everywhere__generic_uploads_refused_too(editor_client, media_dirs):
    switch_off()
    before = MediaFile.objects.count()
    answer = upload(
        editor_client, UPLOAD_FILES, {"files": [None]}, {"variables.files.0": ("a.txt", b"hello")}
    )
    refused(answer, "uploadFiles")
    assert nothing_stored(media_dirs, before)


def test_on_for_the_model_when_off_everywhere__the_scoped_row_wins(editor_client, book, media_dirs):
    switch_off()
    FeatureFlag.objects.create(name="uploads", scope="demo.Book", enabled=True)
    flags.reset()
    answer = upload(editor_client, UPLOAD_COVER, {"id": book_id(book), "file": None},
                    {"variables.file": ("cover.png", image_bytes())})  # fmt: skip
    assert answer.data["uploadBookCover"]["ok"] is True, answer.body
