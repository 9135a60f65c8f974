"""``uploadFiles(files: [Upload!]!)`` (logged-in users, all or nothing) and ``mediaFile(id)`` (the
uploader or staff)."""

from __future__ import annotations

import json
import uuid

import pytest

from media_pipeline.models import MediaFile
from tests.media.graphql.conftest import (
    EICAR,
    files_in,
    image_bytes,
    logged_in,
    nothing_stored,
    upload,
    user_with,
)

UPLOAD_FILES = """mutation($files: [Upload!]!) {
  uploadFiles(files: $files) {
    ok errors { field messages code }
    files { id name contentType size status url width height thumbnails { size url } createdAt }
  }
}"""
MEDIA_FILE = (
    """query($id: ID!) { mediaFile(id: $id) { id name status url contentType thumbnails { size url } } }"""
)


@pytest.fixture
def member(db):
    return user_with("member")


def send(client, *files):
    paths = {f"variables.files.{i}": f for i, f in enumerate(files)}
    return upload(client, UPLOAD_FILES, {"files": [None] * len(files)}, paths)


def read(client, media_id):
    response = client.post(
        "/graphql/", json.dumps({"query": MEDIA_FILE, "variables": {"id": str(media_id)}}),
        content_type="application/json",
    )  # fmt: skip
    return response.status_code, response.json()


def test_upload_files__stores_each_file_pending_and_owned(member, media_dirs, new_media):
    content = image_bytes(30, 20)
    answer = send(logged_in(member), ("photo.png", content), ("notes.txt", b"plain words\n"))
    payload = answer.data["uploadFiles"]
    assert (payload["ok"], payload["errors"]) == (True, [])
    records = new_media()
    assert [f["id"] for f in payload["files"]] == [str(m.pk) for m in records]
    assert [(f["name"], f["contentType"], f["size"], f["status"], f["url"]) for f in payload["files"]] == [
        ("photo.png", "image/png", len(content), "PENDING", None),
        ("notes.txt", "text/plain", 12, "PENDING", None),
    ]
    assert [(f["width"], f["height"], f["thumbnails"]) for f in payload["files"]] == [
        (30, 20, []),
        (None, None, []),
    ]
    assert all(m.owner == member and m.model_label == "" and m.object_id == "" for m in records)
    assert all(m.file.name.startswith("uploads/") for m in records)
    assert sorted(files_in(media_dirs["media"])) == sorted(m.file.name for m in records)


def test_upload_files__one_rejected_file_stores_none_of_them(member, media_dirs):
    before = MediaFile.objects.count()
    answer = send(
        logged_in(member), ("ok.png", image_bytes()), ("fake.png", b"GIF89a not really"), ("b.txt", b"x")
    )
    payload = answer.data["uploadFiles"]
    assert (payload["ok"], payload["files"]) == (False, [])
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("files.1", "extension_mismatch")]
    assert "fake.png" in payload["errors"][0]["messages"][0]
    assert nothing_stored(media_dirs, before)


def test_upload_files__anonymous_is_unauthenticated(client, db, media_dirs):
    before = MediaFile.objects.count()
    answer = send(client, ("a.txt", b"a"))
    assert answer.error_code() == "UNAUTHENTICATED"
    assert nothing_stored(media_dirs, before)


def test_upload_files__scanned_image_gets_its_url_and_thumbnails(member, django_capture_on_commit_callbacks):
    client = logged_in(member)
    with django_capture_on_commit_callbacks(execute=True):
        [created] = send(client, ("photo.png", image_bytes(400, 200))).data["uploadFiles"]["files"]
    status, body = read(client, created["id"])
    media = MediaFile.objects.get(pk=created["id"])
    assert status == 200 and body["data"]["mediaFile"]["status"] == "CLEAN"
    assert body["data"]["mediaFile"]["url"] == f"http://testserver/media/{media.file.name}"
    assert [t["size"] for t in body["data"]["mediaFile"]["thumbnails"]] == ["SMALL", "MEDIUM", "LARGE"]


def test_upload_files__eicar_is_infected_with_no_url(member, django_capture_on_commit_callbacks):
    client = logged_in(member)
    with django_capture_on_commit_callbacks(execute=True):
        [created] = send(client, ("eicar.txt", EICAR)).data["uploadFiles"]["files"]
    _, body = read(client, created["id"])
    assert body["data"]["mediaFile"] == {
        "id": created["id"], "name": "eicar.txt", "status": "INFECTED", "url": None,
        "contentType": "text/plain", "thumbnails": [],
    }  # fmt: skip


def test_media_file__the_owner_and_staff_read_it_others_get_null(member, db):
    [created] = send(logged_in(member), ("a.txt", b"mine")).data["uploadFiles"]["files"]
    assert read(logged_in(member), created["id"])[1]["data"]["mediaFile"]["name"] == "a.txt"
    other = user_with("other")
    assert read(logged_in(other), created["id"])[1] == {"data": {"mediaFile": None}}
    staff = user_with("staffer", is_staff=True)
    assert read(logged_in(staff), created["id"])[1]["data"]["mediaFile"]["id"] == created["id"]
    assert read(logged_in(member), uuid.uuid4())[1] == {"data": {"mediaFile": None}}


def test_media_file__anonymous_is_unauthenticated(client, db):
    status, body = read(client, uuid.uuid4())
    assert status == 200 and body["data"] == {"mediaFile": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


def test_media_file__a_malformed_id_is_bad_user_input(member):
    _, body = read(logged_in(member), "not-a-uuid")
    [error] = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["argument"]) == ("BAD_USER_INPUT", "id")
