"""The GraphQL multipart request spec on /graphql/ (toolkit.multipart): files in place of the
variables ``map`` names, batches, CSRF prevention, limits while streaming, malformed bodies.

These run against a test-only schema extension (echo.py) so that they exercise the transport alone;
test_uploads.py covers the media pipeline's mutations over the same transport."""

from __future__ import annotations

import hashlib
import json
import os

import pytest
from django.test import override_settings

from demo.models import Tag
from tests.media.graphql import echo
from tests.media.graphql.conftest import (
    BOUNDARY,
    PREFLIGHT,
    URL,
    CountingPayload,
    encode,
    media_limits,
    post_parts,
    result,
    upload,
)

pytestmark = pytest.mark.usefixtures("echo")

ECHO = "mutation($file: Upload!) { echoUpload(file: $file) { name size sha256 onDisk } }"
ECHO_MANY = "mutation($files: [Upload!]!) { echoUploads(files: $files) { name size sha256 } }"
CREATE_TAG = 'mutation { createTag(input: {name: "multipart", slug: "multipart"}) { ok } }'


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def extensions(answer) -> dict:
    """The error's extensions without the request id every error carries."""
    return {k: v for k, v in answer.errors[0]["extensions"].items() if k != "requestId"}


# -- the format ------------------------------------------------------------------------------------
def test_single_file__reaches_the_resolver_in_place_of_its_variable(client, db):
    content = b"%PDF-1.4 hello" * 50
    answer = upload(client, ECHO, {"file": None}, {"variables.file": ("report.pdf", content)})
    assert answer.status == 200, answer.body
    assert answer.data == {
        "echoUpload": {"name": "report.pdf", "size": len(content), "sha256": sha(content), "onDisk": False}
    }


def test_several_files__fill_a_list_variable_in_order(client, db):
    files = {f"variables.files.{i}": (f"f{i}.txt", f"file number {i}".encode()) for i in range(3)}
    answer = upload(client, ECHO_MANY, {"files": [None, None, None]}, files)
    assert answer.status == 200, answer.body
    assert answer.data["echoUploads"] == [
        {"name": f"f{i}.txt", "size": len(f"file number {i}"), "sha256": sha(f"file number {i}".encode())}
        for i in range(3)
    ]


def test_one_file_part__may_fill_several_paths(client, db):
    operations = {"query": ECHO_MANY, "variables": {"files": [None, None]}}
    parts = [
        ("operations", json.dumps(operations)),
        ("map", json.dumps({"a": ["variables.files.0", "variables.files.1"]})),
        ("a", ("same.txt", b"shared")),
    ]
    answer = post_parts(client, parts)
    assert answer.status == 200, answer.body
    assert [f["sha256"] for f in answer.data["echoUploads"]] == [sha(b"shared")] * 2


def test_batch__paths_start_with_the_operation_index(client, db):
    operations = [
        {"query": ECHO, "variables": {"file": None}},
        {"query": "{ tags(limit: 1) { id } }"},
        {"query": ECHO_MANY, "variables": {"files": [None]}},
    ]
    parts = [
        ("operations", json.dumps(operations)),
        ("map", json.dumps({"0": ["0.variables.file"], "1": ["2.variables.files.0"]})),
        ("0", ("a.txt", b"first")),
        ("1", ("b.txt", b"second")),
    ]
    answer = post_parts(client, parts)
    assert answer.status == 200, answer.body
    first, second, third = answer.body
    assert first["data"]["echoUpload"]["sha256"] == sha(b"first")
    assert second["data"]["tags"] == [{"id": str(Tag.objects.order_by("name")[0].pk)}]
    assert third["data"]["echoUploads"] == [{"name": "b.txt", "size": 6, "sha256": sha(b"second")}]


def test_batch__is_bounded_by_max_batch(client, db, settings):
    settings.TOOLKIT = {**settings.TOOLKIT, "QUERY_LIMITS": {"max_batch": 1}}
    operations = [{"query": "{ tags(limit: 1) { id } }"}] * 2
    answer = post_parts(client, [("operations", json.dumps(operations)), ("map", "{}")])
    assert answer.status == 400
    assert answer.error_code() == "GRAPHQL_VALIDATION_FAILED"


def test_operations_without_files__run_like_a_json_request(admin_client):
    answer = post_parts(admin_client, [("operations", json.dumps({"query": CREATE_TAG})), ("map", "{}")])
    assert answer.status == 200, answer.body
    assert answer.data == {"createTag": {"ok": True}}


def test_file_parts_not_in_the_map__are_ignored(client, db):
    parts = [
        ("operations", json.dumps({"query": ECHO, "variables": {"file": None}})),
        ("map", json.dumps({"0": ["variables.file"]})),
        ("0", ("used.txt", b"used")),
        ("extra", ("unused.txt", b"unused")),
    ]
    answer = post_parts(client, parts)
    assert answer.status == 200, answer.body
    assert answer.data["echoUpload"]["name"] == "used.txt"


def test_an_unmapped_null__stays_null(client, db):
    answer = upload(client, "mutation($file: Upload) { echoOptional(file: $file) { name } }", {"file": None})
    assert answer.status == 200, answer.body
    assert answer.data == {"echoOptional": None}


# -- the Upload scalar -----------------------------------------------------------------------------
def test_upload_variable_in_a_json_request__is_a_variable_error(client, db):
    response = client.post(
        URL, json.dumps({"query": ECHO, "variables": {"file": "not-a-file"}}), content_type="application/json"
    )
    answer = result(response)
    assert answer.status == 400
    assert answer.error_code() == "BAD_USER_INPUT"
    assert "multipart request" in answer.errors[0]["message"]


def test_upload_literal_in_the_document__is_refused(client, db):
    response = client.post(
        URL,
        json.dumps({"query": 'mutation { echoUpload(file: "x") { name } }'}),
        content_type="application/json",
    )
    answer = result(response)
    assert answer.status == 400
    assert answer.error_code() == "BAD_USER_INPUT"
    assert "variables" in answer.errors[0]["message"]


# -- CSRF prevention -------------------------------------------------------------------------------
def test_without_a_preflight_header__is_400_csrf_prevented_and_runs_nothing(admin_client):
    before = Tag.objects.count()
    body = encode([("operations", json.dumps({"query": CREATE_TAG})), ("map", "{}")])
    response = admin_client.generic(
        "POST", URL, body, content_type=f"multipart/form-data; boundary={BOUNDARY}"
    )
    answer = result(response)
    assert answer.status == 400
    assert answer.error_code() == "CSRF_PREVENTED"
    assert "Apollo-Require-Preflight" in answer.errors[0]["message"]
    assert Tag.objects.count() == before


@pytest.mark.parametrize(
    "header", ["HTTP_APOLLO_REQUIRE_PREFLIGHT", "HTTP_X_APOLLO_OPERATION_NAME", "HTTP_GRAPHQL_PREFLIGHT"]
)
def test_each_default_preflight_header__is_accepted(admin_client, header):
    body = encode([("operations", json.dumps({"query": CREATE_TAG})), ("map", "{}")])
    response = admin_client.generic(
        "POST", URL, body, content_type=f"multipart/form-data; boundary={BOUNDARY}", **{header: "1"}
    )
    answer = result(response)
    assert answer.status == 200, answer.body
    assert answer.data == {"createTag": {"ok": True}}


def test_an_empty_preflight_header__does_not_count(client, db):
    body = encode([("operations", json.dumps({"query": CREATE_TAG})), ("map", "{}")])
    response = client.generic(
        "POST", URL, body, content_type=f"multipart/form-data; boundary={BOUNDARY}", HTTP_GRAPHQL_PREFLIGHT=""
    )
    assert result(response).error_code() == "CSRF_PREVENTED"


def test_the_preflight_header_list__is_configurable(client, db, settings):
    settings.TOOLKIT = {**settings.TOOLKIT, "CSRF_PREVENTION_HEADERS": ["X-Requested-With"]}
    body = encode([("operations", json.dumps({"query": "{ tags(limit: 1) { id } }"})), ("map", "{}")])
    send = lambda **headers: result(  # noqa: E731
        client.generic("POST", URL, body, content_type=f"multipart/form-data; boundary={BOUNDARY}", **headers)
    )
    assert send(HTTP_APOLLO_REQUIRE_PREFLIGHT="true").error_code() == "CSRF_PREVENTED"
    assert send(HTTP_X_REQUESTED_WITH="XMLHttpRequest").status == 200


def test_a_jwt_bearer_token__replaces_the_preflight_header(client, django_user_model):
    from toolkit.security.tokens import issue

    user = django_user_model.objects.create_user("uploader", password="pw")
    access, _ = issue(user)
    body = encode([("operations", json.dumps({"query": "{ me { username } }"})), ("map", "{}")])
    response = client.generic(
        "POST", URL, body, content_type=f"multipart/form-data; boundary={BOUNDARY}",
        HTTP_AUTHORIZATION=f"Bearer {access}",
    )  # fmt: skip
    answer = result(response)
    assert answer.status == 200, answer.body
    assert answer.data == {"me": {"username": "uploader"}}


def test_an_invalid_bearer_token__is_401_not_a_pass(client, db):
    body = encode([("operations", json.dumps({"query": CREATE_TAG})), ("map", "{}")])
    response = client.generic(
        "POST",
        URL,
        body,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        HTTP_AUTHORIZATION="Bearer junk",
    )
    assert result(response).status == 401


# -- malformed bodies -------------------------------------------------------------------------------
OPS = json.dumps({"query": ECHO, "variables": {"file": None}})
FILE = ("f.txt", b"content")


@pytest.mark.parametrize(
    "parts, message",
    [
        ([("map", "{}")], "no 'operations' field"),
        ([("operations", OPS), ("0", FILE)], "no 'map' field"),
        ([("operations", "{not json"), ("map", "{}")], "'operations' is not valid JSON"),
        ([("operations", OPS), ("map", "[1")], "'map' is not valid JSON"),
        ([("operations", OPS), ("map", '{"0": ["variables.file"], "0": ["variables.file"]}'), ("0", FILE)],
         "'map' has the key '0' more than once"),
        ([("operations", '{"query": "{ tags { id } }", "query": "x"}'), ("map", "{}")],
         "'operations' has the key 'query' more than once"),
        ([("operations", OPS), ("operations", OPS), ("map", "{}")], "2 'operations' fields"),
        ([("operations", OPS), ("map", "{}"), ("map", "{}")], "2 'map' fields"),
        ([("operations", OPS), ("map", '{"0": ["variables.file"]}')], "names a file part the request does not have"),
        ([("operations", OPS), ("map", '{"0": ["variables.file"]}'), ("0", FILE), ("0", FILE)],
         "2 file parts named '0'"),
        ([("operations", OPS), ("map", '{"0": ["variables.other"]}'), ("0", FILE)], "does not point to a null"),
        ([("operations", json.dumps({"query": ECHO, "variables": {"file": "x"}})),
          ("map", '{"0": ["variables.file"]}'), ("0", FILE)], "does not point to a null"),
        ([("operations", OPS), ("map", '{"0": ["variables.file", "variables.file"]}'), ("0", FILE)],
         "does not point to a null"),
        ([("operations", OPS), ("map", '{"0": ["query"]}'), ("0", FILE)], "must have the form variables."),
        ([("operations", OPS), ("map", '{"0": "variables.file"}'), ("0", FILE)], "must be a non-empty list"),
        ([("operations", OPS), ("map", '{"0": []}'), ("0", FILE)], "must be a non-empty list"),
        ([("operations", OPS), ("map", '["variables.file"]'), ("0", FILE)], "'map' must be a JSON object"),
        ([("operations", "[]"), ("map", "{}")], "non-empty array"),
        ([("operations", "[1, 2]"), ("map", "{}")], "non-empty array"),
        ([("operations", '"query"'), ("map", "{}")], "must be a JSON object"),
        ([("operations", json.dumps([{"query": ECHO, "variables": {"file": None}}])),
          ("map", '{"0": ["variables.file"]}'), ("0", FILE)], "must have the form <index>.variables."),
        ([("operations", json.dumps([{"query": ECHO, "variables": {"file": None}}])),
          ("map", '{"0": ["3.variables.file"]}'), ("0", FILE)], "does not point to a null"),
        ([("operations", json.dumps({"query": ECHO_MANY, "variables": {"files": [None]}})),
          ("map", '{"0": ["variables.files.1"]}'), ("0", FILE)], "does not point to a null"),
    ],
    ids=[
        "no-operations", "no-map", "operations-json", "map-json", "map-duplicate-key",
        "operations-duplicate-key", "two-operations", "two-maps", "missing-file", "duplicate-file-part",
        "unknown-variable", "non-null-target", "same-path-twice", "path-outside-variables", "path-not-list",
        "empty-path-list", "map-not-object", "empty-batch", "batch-of-non-objects", "operations-string",
        "batch-path-without-index", "batch-index-out-of-range", "list-index-out-of-range",
    ],
)  # fmt: skip
def test_malformed_body__is_400_bad_request_naming_the_problem(client, db, parts, message):
    answer = post_parts(client, parts)
    assert answer.status == 400, answer.body
    assert answer.error_code() == "BAD_REQUEST"
    assert message in answer.errors[0]["message"]
    assert "data" not in answer.body


def test_a_body_without_boundary__is_400(client, db):
    response = client.generic("POST", URL, b"garbage", content_type="multipart/form-data", **PREFLIGHT)
    answer = result(response)
    assert answer.status == 400
    assert answer.error_code() == "BAD_REQUEST"
    assert "boundary" in answer.errors[0]["message"].lower()


def test_a_file_with_an_empty_filename__is_missing(client, db):
    """Django drops file parts without a filename: the map then names a missing file."""
    answer = post_parts(
        client, [("operations", OPS), ("map", '{"0": ["variables.file"]}'), ("0", ("", b"x"))]
    )
    assert answer.status == 400
    assert "names a file part the request does not have" in answer.errors[0]["message"]


# -- limits while streaming ------------------------------------------------------------------------------
def send_counted(client, body: bytes, content_length: int | None = None):
    payload = CountingPayload(body)
    response = client.generic(
        "POST",
        URL,
        b"",
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        **{
            **PREFLIGHT,
            "wsgi.input": payload,
            "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
            "CONTENT_LENGTH": str(content_length or len(body)),
        },
    )
    return result(response), payload


def test_a_2gb_content_length__is_413_before_reading_the_body(client, db):
    answer, payload = send_counted(client, b"", content_length=2 * 1024**3)
    assert answer.status == 413
    assert answer.error_code() == "PAYLOAD_TOO_LARGE"
    assert answer.errors[0]["extensions"]["limit"] == "body"
    assert payload.bytes_read == 0


def test_content_length_just_over_the_body_limit__is_413(client, db, settings):
    from toolkit.multipart import upload_limits

    media_limits(settings, MAX_TOTAL_SIZE=1000)
    limit = upload_limits().max_body
    answer, payload = send_counted(client, b"", content_length=limit + 1)
    assert (answer.status, answer.errors[0]["extensions"]["max"]) == (413, limit)
    assert payload.bytes_read == 0


def test_a_file_over_max_file_size__is_413_while_streaming(client, db, settings):
    media_limits(settings, MAX_FILE_SIZE=100_000)
    big = b"a" * 3_000_000
    body = encode([("operations", OPS), ("map", '{"0": ["variables.file"]}'), ("0", ("big.txt", big))])
    answer, payload = send_counted(client, body)
    assert answer.status == 413, answer.body
    assert answer.error_code() == "PAYLOAD_TOO_LARGE"
    assert extensions(answer) == {"code": "PAYLOAD_TOO_LARGE", "limit": "file_size", "max": 100_000}
    assert "big.txt" in answer.errors[0]["message"]
    assert payload.bytes_read < 500_000, "the rest of the body must not be read"


def test_a_file_of_exactly_max_file_size__is_accepted(client, db, settings):
    media_limits(settings, MAX_FILE_SIZE=1000)
    answer = upload(client, ECHO, {"file": None}, {"variables.file": ("exact.txt", b"x" * 1000)})
    assert answer.status == 200, answer.body
    assert answer.data["echoUpload"]["size"] == 1000


def test_files_over_max_total_size__are_413(client, db, settings):
    media_limits(settings, MAX_FILE_SIZE=1000, MAX_TOTAL_SIZE=2500)
    files = {f"variables.files.{i}": (f"{i}.txt", b"x" * 900) for i in range(3)}
    answer = upload(client, ECHO_MANY, {"files": [None] * 3}, files)
    assert answer.status == 413, answer.body
    assert answer.errors[0]["extensions"]["limit"] == "total_size"


def test_more_files_than_max_files__are_413(client, db, settings):
    media_limits(settings, MAX_FILES=2)
    files = {f"variables.files.{i}": (f"{i}.txt", b"x") for i in range(3)}
    answer = upload(client, ECHO_MANY, {"files": [None] * 3}, files)
    assert answer.status == 413, answer.body
    assert extensions(answer) == {"code": "PAYLOAD_TOO_LARGE", "limit": "files", "max": 2}


def test_max_files__counts_parts_not_mapped_paths(client, db, settings):
    media_limits(settings, MAX_FILES=2)
    files = {f"variables.files.{i}": (f"{i}.txt", b"x") for i in range(2)}
    assert upload(client, ECHO_MANY, {"files": [None] * 2}, files).status == 200


def test_an_oversized_upload__is_recorded_in_the_audit_log(client, db, settings):
    from toolkit.models import AuditEvent

    media_limits(settings, MAX_FILES=1)
    files = {f"variables.files.{i}": (f"{i}.txt", b"x") for i in range(2)}
    assert upload(client, ECHO_MANY, {"files": [None] * 2}, files).status == 413
    event = AuditEvent.objects.filter(event="limit_exceeded").latest("created_at")
    assert event.details["limit"] == "upload_files"
    assert event.ok is False


# -- temporary files -------------------------------------------------------------------------------------
@pytest.fixture
def temp_dir(settings, tmp_path):
    """Every upload goes to a temporary file in an empty directory of its own."""
    directory = tmp_path / "upload-tmp"
    directory.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(directory)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    echo.SEEN_PATHS.clear()
    return directory


def test_large_uploads__go_to_temporary_files_removed_after_the_request(client, db, temp_dir):
    content = os.urandom(200_000)
    answer = upload(client, ECHO, {"file": None}, {"variables.file": ("big.bin", content)})
    assert answer.status == 200, answer.body
    assert answer.data["echoUpload"] == {
        "name": "big.bin",
        "size": 200_000,
        "sha256": sha(content),
        "onDisk": True,
    }
    assert len(echo.SEEN_PATHS) == 1 and echo.SEEN_PATHS[0].startswith(str(temp_dir))
    assert list(temp_dir.iterdir()) == []


def test_a_refused_upload__leaves_no_temporary_file(client, db, temp_dir, settings):
    media_limits(settings, MAX_FILE_SIZE=100_000)
    body = encode(
        [
            ("operations", json.dumps({"query": ECHO_MANY, "variables": {"files": [None, None]}})),
            ("map", '{"0": ["variables.files.0"], "1": ["variables.files.1"]}'),
            ("0", ("ok.bin", b"y" * 50_000)),
            ("1", ("big.bin", b"z" * 1_000_000)),
        ]
    )
    answer, _ = send_counted(client, body)
    assert answer.status == 413
    assert list(temp_dir.iterdir()) == []


def test_a_malformed_map__leaves_no_temporary_file(client, db, temp_dir):
    answer = post_parts(
        client, [("operations", OPS), ("map", '{"0": ["variables.nope"]}'), ("0", ("a.bin", b"a" * 10_000))]
    )
    assert answer.status == 400
    assert list(temp_dir.iterdir()) == []


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_operations_over_data_upload_max_memory_size__are_413(client, db):
    operations = json.dumps({"query": ECHO, "variables": {"file": None, "padding": "p" * 2000}})
    answer = post_parts(client, [("operations", operations), ("map", "{}")])
    assert answer.status == 413
    assert answer.errors[0]["extensions"]["limit"] == "fields"
