"""MediaURLBuilder (storage URL, CDN prefix, signed expiring URLs), media_url, serve_media."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import RequestFactory

from media_pipeline.models import MediaFile
from media_pipeline.uploads import store_upload
from media_pipeline.urls import MediaURLBuilder, get_url_builder, media_url, sign, verify_signature
from tests.media.conftest import EICAR, image_bytes, upload

pytestmark = pytest.mark.urls("tests.media.core.urls")


@pytest.fixture
def clean_png(db, media_dirs, django_capture_on_commit_callbacks) -> MediaFile:
    with django_capture_on_commit_callbacks(execute=True):
        media = store_upload(upload("cover.png", image_bytes(600, 400)))
    return MediaFile.objects.get(pk=media.pk)


# -- the builder ------------------------------------------------------------------------------------------
def test_builder__uses_the_storage_url_by_default(db):
    assert MediaURLBuilder().url("covers/a b.png") == "/media/covers/a%20b.png"
    request = RequestFactory().get("/", HTTP_HOST="localhost:8000")
    assert (
        MediaURLBuilder().url("covers/a.png", request=request) == "http://localhost:8000/media/covers/a.png"
    )


def test_builder__prefixes_the_cdn(media_settings):
    media_settings(CDN_URL="https://cdn.example.com/media/")
    builder = get_url_builder()
    assert builder.url("covers/a b.png") == "https://cdn.example.com/media/covers/a%20b.png"
    request = RequestFactory().get("/")
    assert builder.url("covers/a.png", request=request) == "https://cdn.example.com/media/covers/a.png"


def test_builder__signs_urls_with_an_expiry(media_settings):
    media_settings(CDN_URL="https://cdn.example.com", SIGNED_URLS={"enabled": True, "expires": 600})
    before = time.time()
    url = get_url_builder().url("covers/a.png")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://cdn.example.com/covers/a.png"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert set(query) == {"expires", "signature"}
    expires = int(query["expires"])
    assert before + 600 <= expires <= time.time() + 660  # rounded up to a minute
    assert query["signature"] == sign("covers/a.png", expires)
    assert verify_signature("covers/a.png", query["expires"], query["signature"])
    assert get_url_builder().public_url("covers/a.png") == "https://cdn.example.com/covers/a.png"


@pytest.mark.parametrize(
    ("name", "expires", "signature"),
    [
        ("covers/other.png", "VALID", "VALID"),  # signed for another file
        ("covers/a.png", "PAST", "PAST"),  # expired
        ("covers/a.png", "VALID", "0" * 64),  # forged
        ("covers/a.png", "not-a-number", "VALID"),
        ("covers/a.png", None, None),
    ],
)
def test_verify_signature__refuses_other_names_expired_and_forged(name, expires, signature):
    now = int(time.time())
    valid, past = now + 100, now - 1
    values = {
        "VALID": (str(valid), sign("covers/a.png", valid)),
        "PAST": (str(past), sign("covers/a.png", past)),
    }
    expires_value = values[expires][0] if expires in values else expires
    signature_value = values[signature][1] if signature in values else signature
    assert verify_signature(name, expires_value, signature_value) is False


def test_builder__is_pluggable(media_settings):
    media_settings(URL_BUILDER="tests.media.core.test_urls_and_serving.VersionedBuilder")
    assert get_url_builder().url("a.png") == "/media/a.png?v=1"


class VersionedBuilder(MediaURLBuilder):
    def url(self, name, *, request=None):
        return super().url(name, request=request) + "?v=1"


# -- media_url ------------------------------------------------------------------------------------------------
def test_media_url__only_for_clean_files_and_existing_thumbnails(clean_png, media_settings):
    assert media_url(clean_png) == f"/media/{clean_png.file.name}"
    assert media_url(clean_png, thumbnail="small") == f"/media/thumbnails/{clean_png.pk}/small.webp"
    assert media_url(clean_png, thumbnail="huge") is None
    assert media_url(None) is None
    for status in ("pending", "infected", "scan_failed"):
        clean_png.status = status
        assert media_url(clean_png) is None
        assert media_url(clean_png, thumbnail="small") is None


# -- serve_media ---------------------------------------------------------------------------------------------
def test_serve_media__serves_a_clean_file_and_its_thumbnails(client, clean_png, media_dirs):
    response = client.get(f"/media/{clean_png.file.name}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == (media_dirs["media"] / clean_png.file.name).read_bytes()
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    thumb = client.get(f"/media/thumbnails/{clean_png.pk}/medium.webp")
    assert (thumb.status_code, thumb["Content-Type"]) == (200, "image/webp")


def test_serve_media__a_clean_document_is_an_attachment(
    client, db, media_dirs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        media = store_upload(upload("notes.txt", b"notes\n"))
    response = client.get(f"/media/{media.file.name}")
    assert (response.status_code, response["Content-Type"]) == (200, "text/plain")
    assert response["Content-Disposition"] == 'attachment; filename="notes.txt"'


def test_serve_media__eicar_is_never_served(client, db, media_dirs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        media = store_upload(upload("eicar.txt", EICAR))
    assert MediaFile.objects.get(pk=media.pk).status == "infected"
    assert client.get(f"/media/{media.file.name}").status_code == 404
    # even if a copy were put back under its old name, the record says infected
    (media_dirs["media"] / media.file.name).parent.mkdir(parents=True, exist_ok=True)
    (media_dirs["media"] / media.file.name).write_bytes(EICAR)
    assert client.get(f"/media/{media.file.name}").status_code == 404


def test_serve_media__pending_unknown_and_traversal_are_404(client, db, media_dirs, rq_redis):
    media = store_upload(upload("pending.txt", b"not scanned yet\n"))  # Redis queue: not run
    assert MediaFile.objects.get(pk=media.pk).status == "pending"
    (media_dirs["media"] / "unknown.txt").write_bytes(b"not from the pipeline")
    for path in (
        f"/media/{media.file.name}",
        "/media/unknown.txt",
        "/media/../settings/base.py",
        "/media/%2e%2e/%2e%2e/etc/passwd",
        "/media/thumbnails/not-a-uuid/small.webp",
        f"/media/thumbnails/{media.pk}/small.webp",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/media/{media.file.name}").status_code == 405


def test_serve_media__with_signed_urls_needs_a_valid_signature(client, clean_png, media_settings):
    media_settings(SIGNED_URLS={"enabled": True, "expires": 60})
    url = media_url(clean_png)
    assert client.get(url).status_code == 200
    name = clean_png.file.name
    assert client.get(f"/media/{name}").status_code == 403
    expired = int(time.time()) - 5
    assert client.get(f"/media/{name}?expires={expired}&signature={sign(name, expired)}").status_code == 403
    assert client.get(url.replace("signature=", "signature=0")).status_code == 403
    assert client.get(media_url(clean_png, thumbnail="small")).status_code == 200


def test_settings_urls__serve_media_only_in_debug(settings):
    import importlib

    import settings.urls as project_urls

    try:
        settings.DEBUG = True
        assert "media" in {getattr(p, "name", None) for p in importlib.reload(project_urls).urlpatterns}
        settings.DEBUG = False
        assert "media" not in {getattr(p, "name", None) for p in importlib.reload(project_urls).urlpatterns}
    finally:
        importlib.reload(project_urls)
