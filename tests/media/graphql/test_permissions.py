"""Who may upload: ``upload<Type><Field>`` checks what ``update<Type>`` checks (the change permission,
the row scope) and the field's visibility; the per-role SDL shows exactly the uploads a role may run."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client, override_settings
from graphql import build_schema

from demo.models import Book
from media_pipeline.models import MediaFile
from tests.media.graphql.conftest import book_id, image_bytes, logged_in, nothing_stored, upload, user_with
from tests.media.graphql.test_uploads import UPLOAD_COVER
from toolkit.security.roles import sdl_for_role


def drafts_only(queryset, user, action):
    """A row scope for the tests: books may be read by all but changed only while drafts."""
    return queryset.filter(status=Book.Status.DRAFT) if action == "change" else queryset


def send_cover(client: Client, book: Book):
    return upload(
        client,
        UPLOAD_COVER,
        {"id": book_id(book), "file": None},
        {"variables.file": ("c.png", image_bytes())},
    )


def test_anonymous__is_unauthenticated_and_stores_nothing(client, book, media_dirs):
    before = MediaFile.objects.count()
    answer = send_cover(client, book)
    assert answer.error_code() == "UNAUTHENTICATED"
    assert answer.data is None  # the payload is non-null: the error reaches the root
    assert nothing_stored(media_dirs, before)


def test_without_the_change_permission__is_forbidden(book, media_dirs):
    before = MediaFile.objects.count()
    adder = user_with("adder", "add_book", "view_book")
    answer = send_cover(logged_in(adder), book)
    assert answer.error_code() == "FORBIDDEN"
    assert nothing_stored(media_dirs, before)


def test_with_the_change_permission__is_allowed(editor_client, book):
    assert send_cover(editor_client, book).data["uploadBookCover"]["ok"] is True


def test_row_scope__a_row_out_of_reach_reads_as_missing(editor_client, book, media_dirs, settings):
    models = {**settings.TOOLKIT.get("MODELS", {}), "demo.Book": {"scope": f"{__name__}.drafts_only"}}
    settings.TOOLKIT = {**settings.TOOLKIT, "MODELS": models}
    published = Book.objects.create(
        title="On sale", slug="on-sale", isbn="9990000000002", price="5.00", status="published",
        published_on="2024-01-01",
    )  # fmt: skip
    before = MediaFile.objects.count()
    payload = send_cover(editor_client, published).data["uploadBookCover"]
    assert payload["ok"] is False
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("id", "does_not_exist")]
    assert nothing_stored(media_dirs, before)
    assert send_cover(editor_client, book).data["uploadBookCover"]["ok"] is True  # a draft


def test_a_field_the_caller_may_not_see__may_not_be_replaced(
    editor_client, book, media_dirs, settings, admin_client
):
    models = {**settings.TOOLKIT.get("MODELS", {}), "demo.Book": {"field_policies": {"cover": "superuser"}}}
    settings.TOOLKIT = {**settings.TOOLKIT, "MODELS": models}
    before = MediaFile.objects.count()
    answer = send_cover(editor_client, book)
    assert answer.error_code() == "FORBIDDEN"
    assert "cover" in answer.errors[0]["message"]
    assert nothing_stored(media_dirs, before)
    assert send_cover(admin_client, book).data["uploadBookCover"]["ok"] is True


def test_audit__records_an_upload_as_a_mutation_without_the_file(editor_client, book):
    from toolkit.models import AuditEvent

    send_cover(editor_client, book)
    event = AuditEvent.objects.filter(event="mutation").latest("created_at")
    assert (event.model, event.object_ids, event.ok) == ("demo.Book", [book_id(book)], True)
    assert event.details["operation"] == "upload"
    assert event.details["fields"] == ["cover"]


# -- the per-role SDL ----------------------------------------------------------------------------------
def mutations_of(role: str) -> set[str]:
    return set(build_schema(sdl_for_role(role)).mutation_type.fields)


UPLOADS = {"uploadBookCover", "uploadBookSampleChapter", "uploadPublisherLogo", "uploadAuthorProfilePhoto"}


@pytest.mark.parametrize("role", ["anonymous", "member", "staff"])
def test_role_sdl__roles_without_change_permissions_see_no_upload_mutation(role):
    assert mutations_of(role) & UPLOADS == set()


def test_role_sdl__uploads_follow_the_change_permission_and_field_visibility():
    roles = {"book-editor": {"permissions": ["demo.change_book"]}}
    with override_settings(TOOLKIT={**django_settings.TOOLKIT, "ROLES": roles}):
        assert mutations_of("book-editor") & UPLOADS == {"uploadBookCover", "uploadBookSampleChapter"}
        assert "uploadFiles" in mutations_of("book-editor")
    hidden_cover = {"demo.Book": {"field_policies": {"cover": "superuser"}}}
    with override_settings(TOOLKIT={**django_settings.TOOLKIT, "ROLES": roles, "MODELS": hidden_cover}):
        assert mutations_of("book-editor") & UPLOADS == {"uploadBookSampleChapter"}


def test_role_sdl__anonymous_has_no_upload_files_nor_media_file():
    schema = build_schema(sdl_for_role("anonymous"))
    assert "uploadFiles" not in schema.mutation_type.fields
    assert "mediaFile" not in schema.query_type.fields
    assert schema.get_type("Upload") is None  # no input left that takes a file
    assert "status" in schema.get_type("FileInfo").fields


def test_read_only_and_protected_file_fields__get_no_upload(settings):
    import toolkit

    settings.TOOLKIT = {
        **settings.TOOLKIT,
        "MODELS": {"demo.Book": {"read_only_fields": ["cover"]}, "demo.Publisher": {"read_only": True}},
    }
    schema = toolkit.get_schema().graphql_schema
    names = set(schema.mutation_type.fields)
    assert {"uploadBookCover", "uploadPublisherLogo"} & names == set()
    assert "uploadBookSampleChapter" in names
    assert "cover" not in schema.get_type("BookUpdateInput").fields
