"""GraphQL multipart requests: files sent with an operation, as Apollo and urql clients do.

The format (https://github.com/jaydenseric/graphql-multipart-request-spec) is a
``multipart/form-data`` body with, in order:

- ``operations``: the JSON request (``{"query", "variables", "operationName"}``, or a batch: an
  array of them) with ``null`` where each file goes;
- ``map``: JSON ``{"<part name>": ["variables.file", "0.variables.files.1", ...]}`` saying which
  ``null`` each file part replaces (a leading index selects the operation of a batch);
- the file parts, named as in ``map``.

:func:`parse` streams the body through :class:`LimitedUploadHandler`, which counts files and bytes
as they arrive and stops at the first limit passed (``TOOLKIT["MEDIA"]``: ``MAX_FILES``,
``MAX_FILE_SIZE``, ``MAX_TOTAL_SIZE``) with HTTP 413 ``PAYLOAD_TOO_LARGE``; a ``Content-Length``
beyond the largest acceptable body is refused before a byte is read. Files up to
``FILE_UPLOAD_MAX_MEMORY_SIZE`` (whole body) stay in memory, larger ones go to temporary files,
which are deleted when the request ends or the upload is refused. Malformed bodies are HTTP 400
``BAD_REQUEST`` naming the problem.

Browsers send ``multipart/form-data`` cross-site without a CORS preflight, so a multipart request
must carry one of ``TOOLKIT["CSRF_PREVENTION_HEADERS"]`` (any value; Apollo clients send
``Apollo-Require-Preflight: true``) or a JWT ``Authorization: Bearer`` header, else it is refused
with HTTP 400 ``CSRF_PREVENTED`` (see :func:`preflighted`).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadedfile import InMemoryUploadedFile, TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.template.defaultfilters import filesizeformat

from toolkit.conf import DEFAULTS, get_config

#: Room in a body for everything but file contents: the ``operations`` and ``map`` fields (which
#: Django bounds by ``DATA_UPLOAD_MAX_MEMORY_SIZE``) and the part headers.
PART_OVERHEAD = 16 * 1024


@dataclass(frozen=True)
class UploadLimits:
    """The limits of one multipart request, from ``TOOLKIT["MEDIA"]``."""

    max_file_size: int
    max_files: int
    max_total_size: int

    @property
    def max_body(self) -> int:
        """The largest ``Content-Length`` worth reading: every file at its limit, plus the fields."""
        fields = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440
        return self.max_total_size + fields + PART_OVERHEAD * (self.max_files + 2)


def upload_limits() -> UploadLimits:
    """``MAX_FILE_SIZE``, ``MAX_FILES`` and ``MAX_TOTAL_SIZE`` of ``TOOLKIT["MEDIA"]`` (merged key by
    key over the defaults), read at call time."""
    media = {**DEFAULTS["MEDIA"], **(get_config()["MEDIA"] or {})}
    return UploadLimits(
        max_file_size=int(media["MAX_FILE_SIZE"]),
        max_files=int(media["MAX_FILES"]),
        max_total_size=int(media["MAX_TOTAL_SIZE"]),
    )


class MultipartError(MultiPartParserError):
    """A multipart request refused before execution. A ``MultiPartParserError`` so that Django
    marks the request's POST data as unreadable when it is raised while parsing."""

    def __init__(self, status: int, code: str, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extensions = extensions


def bad_request(message: str) -> MultipartError:
    return MultipartError(400, "BAD_REQUEST", message)


def too_large(message: str, limit: str, maximum: int) -> MultipartError:
    return MultipartError(413, "PAYLOAD_TOO_LARGE", message, limit=limit, max=maximum)


def _size(value: int) -> str:
    return str(filesizeformat(value)).replace("\xa0", " ")


# -- CSRF prevention ----------------------------------------------------------------------------
def preflighted(request: HttpRequest) -> bool:
    """Whether a browser had to ask (CORS preflight) before sending this request: it carries one of
    ``TOOLKIT["CSRF_PREVENTION_HEADERS"]`` or an ``Authorization`` header (a JWT: both are headers
    a cross-site form cannot add)."""
    if request.headers.get("Authorization"):
        return True
    return any(request.headers.get(name) for name in get_config()["CSRF_PREVENTION_HEADERS"])


def csrf_message() -> str:
    names = ", ".join(get_config()["CSRF_PREVENTION_HEADERS"]) or "(none configured)"
    return (
        "Multipart requests must have a non-empty header that forces a CORS preflight "
        f"(one of: {names}) or an 'Authorization: Bearer <token>' header."
    )


# -- streaming ------------------------------------------------------------------------------------
class LimitedUploadHandler(FileUploadHandler):
    """Django upload handler that enforces :class:`UploadLimits` while the body streams in and keeps
    track of every file it opens (:meth:`discard` closes, and so deletes, them all)."""

    chunk_size = 64 * 2**10

    def __init__(self, request: HttpRequest, limits: UploadLimits) -> None:
        super().__init__(request)
        self.limits = limits
        self.files = 0
        self.total = 0
        self.in_memory = False
        self.opened: list[Any] = []

    def handle_raw_input(
        self, input_data: Any, META: Any, content_length: int, boundary: Any, encoding: Any = None
    ) -> None:
        check_content_length(content_length, self.limits)
        self.in_memory = content_length <= settings.FILE_UPLOAD_MAX_MEMORY_SIZE
        return None

    def new_file(self, field_name: str, file_name: str, content_type: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, content_type, *args, **kwargs)
        self.files += 1
        if self.files > self.limits.max_files:
            raise too_large(
                f"Too many files: at most {self.limits.max_files} per request.",
                "files",
                self.limits.max_files,
            )
        if self.content_length is not None and self.content_length > self.limits.max_file_size:
            raise self._file_too_large()
        if self.in_memory:
            self.file = BytesIO()
        else:
            self.file = TemporaryUploadedFile(
                self.file_name, self.content_type, 0, self.charset, self.content_type_extra
            )
        self.opened.append(self.file)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.total += len(raw_data)
        if start + len(raw_data) > self.limits.max_file_size:
            raise self._file_too_large()
        if self.total > self.limits.max_total_size:
            raise too_large(
                f"The files of this request are larger than {_size(self.limits.max_total_size)} in total.",
                "total_size",
                self.limits.max_total_size,
            )
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> UploadedFile:
        self.file.seek(0)
        if self.in_memory:
            uploaded = InMemoryUploadedFile(
                self.file,
                self.field_name,
                self.file_name,
                self.content_type,
                file_size,
                self.charset,
                self.content_type_extra,
            )
            self.opened[-1] = uploaded
            return uploaded
        self.file.size = file_size
        return self.file

    def upload_interrupted(self) -> None:
        self.discard()

    def discard(self) -> None:
        """Close every file opened so far (a temporary file is deleted when closed)."""
        for opened in self.opened:
            with contextlib.suppress(FileNotFoundError):
                opened.close()
        self.opened.clear()

    def _file_too_large(self) -> MultipartError:
        return too_large(
            f"The file '{self.file_name}' is larger than {_size(self.limits.max_file_size)}.",
            "file_size",
            self.limits.max_file_size,
        )


def check_content_length(content_length: int, limits: UploadLimits) -> None:
    if content_length > limits.max_body:
        raise too_large(
            f"The request body ({_size(content_length)}) is larger than the {_size(limits.max_body)} "
            "this endpoint accepts.",
            "body",
            limits.max_body,
        )


# -- the operations --------------------------------------------------------------------------------
def parse(request: HttpRequest) -> dict[str, Any] | list[dict[str, Any]]:
    """The request's operations with each file in place of its ``null``; raises
    :class:`MultipartError` (nothing stays on disk when it does)."""
    limits = upload_limits()
    try:
        content_length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise bad_request("The Content-Length header is not a number.") from None
    check_content_length(content_length, limits)
    handler = LimitedUploadHandler(request, limits)
    request.upload_handlers = [handler]
    try:
        fields, files = request.POST, request.FILES
        return _operations(fields, files)
    except MultipartError:
        handler.discard()
        raise
    except RequestDataTooBig:
        handler.discard()
        request._mark_post_parse_error()
        maximum = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raise too_large(
            f"The fields of this request are larger than {_size(maximum)} (DATA_UPLOAD_MAX_MEMORY_SIZE).",
            "fields",
            maximum,
        ) from None
    except TooManyFilesSent:
        handler.discard()
        maximum = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        raise too_large(f"Too many files: at most {maximum} per request.", "files", maximum) from None
    except TooManyFieldsSent as exc:
        handler.discard()
        request._mark_post_parse_error()
        raise bad_request(f"Malformed multipart request: {exc}") from None
    except MultiPartParserError as exc:
        handler.discard()
        raise bad_request(f"Malformed multipart request: {exc}") from None


def _operations(fields: Any, files: Any) -> dict[str, Any] | list[dict[str, Any]]:
    operations = _json_field(fields, "operations")
    if isinstance(operations, list):
        if not operations or not all(isinstance(o, dict) for o in operations):
            raise bad_request("'operations' must be a JSON object or a non-empty array of objects.")
    elif not isinstance(operations, dict):
        raise bad_request("'operations' must be a JSON object or a non-empty array of objects.")
    mapping = _json_field(fields, "map")
    if not isinstance(mapping, dict):
        raise bad_request("'map' must be a JSON object of file part names to lists of paths.")
    for part, paths in mapping.items():
        if not (isinstance(paths, list) and paths and all(isinstance(p, str) for p in paths)):
            raise bad_request(f"'map' entry '{part}' must be a non-empty list of paths.")
        sent = files.getlist(part)
        if not sent:
            raise bad_request(f"'map' entry '{part}' names a file part the request does not have.")
        if len(sent) > 1:
            raise bad_request(f"The request has {len(sent)} file parts named '{part}'.")
        for path in paths:
            _place(operations, path, sent[0], part)
    return operations


def _json_field(fields: Any, name: str) -> Any:
    values = fields.getlist(name)
    if not values:
        raise bad_request(f"The multipart request has no '{name}' field (it must come before the files).")
    if len(values) > 1:
        raise bad_request(f"The multipart request has {len(values)} '{name}' fields.")
    try:
        return json.loads(values[0], object_pairs_hook=_no_duplicate_keys)
    except DuplicateKey as exc:
        raise bad_request(f"'{name}' has the key '{exc.key}' more than once.") from None
    except ValueError as exc:
        raise bad_request(f"'{name}' is not valid JSON: {exc}.") from None


class DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise DuplicateKey(key)
        found[key] = value
    return found


def _place(operations: Any, path: str, upload: UploadedFile, part: str) -> None:
    """Put ``upload`` at ``path`` (``variables.file``, ``0.variables.files.1``), which must hold null."""
    segments = path.split(".")
    batch = isinstance(operations, list)
    where = 2 if batch else 1
    if len(segments) <= where or segments[where - 1] != "variables":
        shape = "<index>.variables.<name>..." if batch else "variables.<name>..."
        raise bad_request(f"'map' entry '{part}': path '{path}' must have the form {shape}.")
    parent: Any = operations
    for depth, segment in enumerate(segments):
        key: Any = segment
        if isinstance(parent, list):
            if not segment.isdigit() or int(segment) >= len(parent):
                raise _not_a_null(part, path)
            key = int(segment)
        elif not isinstance(parent, dict) or segment not in parent:
            raise _not_a_null(part, path)
        if depth == len(segments) - 1:
            if parent[key] is not None:
                raise _not_a_null(part, path)
            parent[key] = upload
        else:
            parent = parent[key]


def _not_a_null(part: str, path: str) -> MultipartError:
    return bad_request(f"'map' entry '{part}': path '{path}' does not point to a null in 'operations'.")
