"""S3-compatible storage (django-storages) against a local S3 server: moto in server mode."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from media_pipeline.models import MediaFile
from media_pipeline.uploads import release, store_upload
from media_pipeline.urls import media_url
from tests.media.conftest import EICAR, files_in, image_bytes, upload
from tests.services import free_port

BUCKET = "toolkit-media-test"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(s3_endpoint, settings):
    client = boto3.client(
        "s3", endpoint_url=s3_endpoint, aws_access_key_id="testing", aws_secret_access_key="testing",
        region_name="us-east-1",
    )  # fmt: skip
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": BUCKET, "endpoint_url": s3_endpoint, "default_acl": None,
                        "querystring_auth": True, "file_overwrite": False, **CREDENTIALS},
        },
    }  # fmt: skip
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_s3__upload_scan_thumbnails_and_presigned_urls(s3, db, clamd, django_capture_on_commit_callbacks):
    content = image_bytes(900, 600)
    with django_capture_on_commit_callbacks(execute=True):
        media = store_upload(upload("s3 cover.png", content))
    row = MediaFile.objects.get(pk=media.pk)
    assert (row.status, row.scanner) == ("clean", "clamd")  # streamed from S3 to clamd
    assert keys(s3) == sorted(
        [row.file.name, *(f"thumbnails/{row.pk}/{s}.webp" for s in ("small", "medium", "large"))]
    )
    url = media_url(row)
    assert url.startswith(f"{s3.meta.endpoint_url}/{BUCKET}/{row.file.name}?") and "Signature" in url
    with urllib.request.urlopen(url, timeout=10) as response:  # the presigned URL works
        assert response.read() == content
    with urllib.request.urlopen(media_url(row, thumbnail="small"), timeout=10) as response:
        assert response.read()[:4] == b"RIFF"  # WebP

    with django_capture_on_commit_callbacks(execute=True):
        release(row.file.name)
    assert keys(s3) == []


def test_s3__eicar_moves_from_the_bucket_to_the_quarantine(
    s3, db, clamd, media_dirs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        media = store_upload(upload("eicar.txt", EICAR))
    row = MediaFile.objects.get(pk=media.pk)
    assert row.status == "infected" and media_url(row) is None
    assert keys(s3) == []
    assert files_in(media_dirs["quarantine"]) == [f"{row.pk}/eicar.txt"]


def test_s3__a_cdn_in_front_of_the_bucket_with_signed_urls(
    s3, db, media_settings, django_capture_on_commit_callbacks
):
    media_settings(CDN_URL="https://cdn.example.com", SIGNED_URLS={"enabled": True, "expires": 300})
    with django_capture_on_commit_callbacks(execute=True):
        media = store_upload(upload("doc.txt", b"text\n"))
    url = media_url(MediaFile.objects.get(pk=media.pk))
    assert url.startswith(f"https://cdn.example.com/{media.file.name}?expires=") and "&signature=" in url


def test_s3__a_rejected_upload_writes_nothing_to_the_bucket(s3, db, new_media):
    from media_pipeline.errors import UploadRejected

    with pytest.raises(UploadRejected):
        store_upload(upload("fake.pdf", image_bytes()))
    assert keys(s3) == [] and new_media() == []
