"""Helpers for GraphQL multipart requests (https://github.com/jaydenseric/graphql-multipart-request-spec):
bodies are built byte by byte, so the malformed cases send exactly what a broken client would.
Files, media directories and the RQ/clamd fixtures come from ``tests/media/conftest.py``."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.test.client import FakePayload

from demo.models import Book
from media_pipeline.models import MediaFile
from tests.conftest import GraphQLResult
from tests.media.conftest import CLAMD_URL, EICAR, files_in, image_bytes, oriented_jpeg, png_bomb  # noqa: F401

URL = "/graphql/"
BOUNDARY = "----toolkit-test-boundary"
#: The header Apollo clients send with uploads (one of TOOLKIT["CSRF_PREVENTION_HEADERS"]).
PREFLIGHT = {"HTTP_APOLLO_REQUIRE_PREFLIGHT": "true"}

Part = tuple[str, Any]  # (name, str value) or (name, (filename, bytes[, content type]))


def encode(parts: list[Part], boundary: str = BOUNDARY) -> bytes:
    """A multipart/form-data body with the parts in the given order (names may repeat)."""
    out = io.BytesIO()
    for name, value in parts:
        out.write(f"--{boundary}\r\n".encode())
        if isinstance(value, tuple):
            filename, content, *rest = value
            content_type = rest[0] if rest else "application/octet-stream"
            out.write(f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'.encode())
            out.write(f"Content-Type: {content_type}\r\n\r\n".encode())
            out.write(content)
        else:
            out.write(f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
            out.write(value.encode())
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue()


def result(response: Any) -> GraphQLResult:
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    return GraphQLResult(response.status_code, response.json())


def post_parts(client: Any, parts: list[Part], **extra: Any) -> GraphQLResult:
    headers = {**PREFLIGHT, **extra}
    body = encode(parts)
    return result(
        client.generic("POST", URL, body, content_type=f"multipart/form-data; boundary={BOUNDARY}", **headers)
    )


def upload(
    client: Any,
    query: str | list[dict[str, Any]],
    variables: dict[str, Any] | None = None,
    files: dict[str, tuple] | None = None,
    **extra: Any,
) -> GraphQLResult:
    """Send ``query`` (or a batch of operations) with ``files`` ``{"variables.file": (name, bytes)}``:
    one file part per path, named "0", "1", ... as Apollo's client does."""
    operations: Any = query if isinstance(query, list) else {"query": query, "variables": variables or {}}
    files = files or {}
    mapping = {str(i): [path] for i, path in enumerate(files)}
    parts: list[Part] = [("operations", json.dumps(operations)), ("map", json.dumps(mapping))]
    parts += [(str(i), value) for i, value in enumerate(files.values())]
    return post_parts(client, parts, **extra)


class CountingPayload(FakePayload):
    """A request body that counts the bytes the server reads from it."""

    def __init__(self, content: bytes = b"") -> None:
        super().__init__(content)
        self.bytes_read = 0

    def read(self, size: int = -1, /) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data

    def readline(self, size: int = -1, /) -> bytes:
        data = super().readline(size)
        self.bytes_read += len(data)
        return data


@pytest.fixture
def echo(settings: Any) -> None:
    """The schema with the test-only echo mutations (tests/media/graphql/echo.py)."""
    extensions = settings.TOOLKIT.get("SCHEMA_EXTENSIONS", [])
    settings.TOOLKIT = {
        **settings.TOOLKIT,
        "SCHEMA_EXTENSIONS": [*extensions, "tests.media.graphql.echo.EchoExtension"],
    }


def media_limits(settings: Any, **limits: int) -> None:
    """Override keys of TOOLKIT["MEDIA"] (merged over the defaults)."""
    media = settings.TOOLKIT.get("MEDIA", {})
    settings.TOOLKIT = {**settings.TOOLKIT, "MEDIA": {**media, **limits}}


# -- users, rows and stored files ---------------------------------------------------------------------
def user_with(username: str, *codenames: str, **flags):
    user = get_user_model().objects.create_user(username, f"{username}@example.com", "pw", **flags)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="demo", codename__in=codenames)
    )
    return user


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def editor(db):
    """May add and change books and publishers (and nothing else)."""
    return user_with("editor", "add_book", "change_book", "add_publisher", "change_publisher")


@pytest.fixture
def editor_client(editor) -> Client:
    return logged_in(editor)


@pytest.fixture
def book(db) -> Book:
    return Book.objects.create(title="Uploads", slug="uploads", isbn="9990000000001", price="10.00")


def book_id(book: Book) -> str:
    return str(book.pk)


def nothing_stored(dirs: dict, before: int) -> bool:
    """No file in the media or quarantine directory, no new record."""
    return (
        files_in(dirs["media"]) == []
        and files_in(dirs["quarantine"]) == []
        and (MediaFile.objects.count() == before)
    )
