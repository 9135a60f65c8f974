"""Upload validation: sizes, filenames, the type decided from the content, images opened safely.

The type comes from the content's magic bytes (``filetype``), never from the client's filename
or ``Content-Type``; the filename's extension must agree with it. Text has no magic bytes: a
file is ``text/plain`` when its start is UTF-8 without control characters (HTML, SVG and XML
are told apart so that they cannot pass as plain text). Images are opened with Pillow with the
decompression-bomb limit (``MAX_IMAGE_PIXELS``) as a hard error, at 1x the limit rather than
Pillow's own 2x, and verified.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import mimetypes
import re
import unicodedata
import warnings
from dataclasses import dataclass
from typing import IO, Any

import filetype
from PIL import Image, UnidentifiedImageError

from media_pipeline.conf import media_config
from media_pipeline.errors import UploadRejected

#: Bytes read to decide the type (``filetype`` needs 8 KiB at most; text is checked on 64 KiB).
HEAD_BYTES = 64 * 1024
#: Accepted extensions per type; the first is added to a name that has none.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image/jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "image/png": (".png",),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "image/avif": (".avif",),
    "image/tiff": (".tif", ".tiff"),
    "image/bmp": (".bmp",),
    "application/pdf": (".pdf",),
    "application/zip": (".zip",),
    "application/epub+zip": (".epub",),
    "text/plain": (".txt", ".text", ".md", ".csv", ".log"),
    "text/html": (".html", ".htm"),
    "image/svg+xml": (".svg",),
    "application/xml": (".xml",),
}
#: Control characters allowed in plain text.
TEXT_CONTROLS = frozenset("\t\n\r\f")
WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
)
MAX_EXTENSION_LENGTH = 16


@dataclass(frozen=True)
class Inspected:
    """What validation found out about a file."""

    name: str  #: the sanitised filename (no directory), its extension matching the content
    content_type: str
    size: int
    sha256: str
    width: int | None = None
    height: int | None = None

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/") and self.content_type != "image/svg+xml"


# -- filenames ------------------------------------------------------------------------------------
def sanitize_filename(name: Any, *, max_length: int | None = None) -> str:
    """A safe filename: no directory part (``/`` and ``\\``), no control or invisible formatting
    characters, only letters, digits, ``-``, ``_`` and ``.``, no leading dot, length bounded
    (the extension is kept). ``UploadRejected("INVALID_FILENAME")`` when nothing usable is left."""
    if max_length is None:
        max_length = media_config()["MAX_FILENAME_LENGTH"]
    original = str(name or "")
    text = unicodedata.normalize("NFC", original)
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith(("C", "Zl", "Zp")))
    text = re.sub(r"\s+", "_", text.strip())
    text = re.sub(r"(?u)[^-\w.]", "", text)
    text = re.sub(r"\.{2,}", ".", text).lstrip(".-_").rstrip(". ")
    stem, ext = split_extension(text)
    if stem.upper() in WINDOWS_RESERVED:
        stem += "_"
    if not stem:
        raise UploadRejected(
            "INVALID_FILENAME", f"The file name {_shown(original)} has no usable characters."
        )
    if len(stem) + len(ext) > max_length:
        stem = stem[: max(1, max_length - len(ext))]
    return stem + ext


def split_extension(name: str) -> tuple[str, str]:
    """``("photo", ".jpg")``; a too long or non-alphanumeric suffix is not an extension."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or not ext.isalnum() or len(ext) + 1 > MAX_EXTENSION_LENGTH:
        return name, ""
    return stem, "." + ext


def _shown(name: str, limit: int = 60) -> str:
    """A filename quoted for a message, with control characters escaped and the length bounded."""
    shown = name if len(name) <= limit else name[: limit - 1] + "…"
    return repr(shown)


def extensions_for(content_type: str) -> tuple[str, ...]:
    known = EXTENSIONS.get(content_type)
    if known:
        return known
    guessed = tuple(sorted(mimetypes.guess_all_extensions(content_type)))
    kind = filetype.get_type(mime=content_type)
    return ((f".{kind.extension}",) if kind else ()) + guessed


# -- content types --------------------------------------------------------------------------------
def detect_type(head: bytes) -> str:
    """The MIME type of content starting with ``head``; ``application/octet-stream`` when unknown."""
    kind = filetype.guess(head[:8192]) if head else None
    if kind is not None:
        return kind.mime
    if looks_like_text(head):
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if start.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script")):
            return "text/html"
        if start.startswith(b"<svg") or (start.startswith(b"<?xml") and b"<svg" in start[:4096]):
            return "image/svg+xml"
        if start.startswith(b"<?xml"):
            return "application/xml"
        return "text/plain"
    return "application/octet-stream"


def looks_like_text(head: bytes) -> bool:
    """UTF-8 (a character cut at the end of ``head`` is fine) without control characters."""
    if not head:
        return False
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return not any(
        unicodedata.category(ch) == "Cc" and ch not in TEXT_CONTROLS for ch in text if ord(ch) < 0xA0
    )


# -- images ---------------------------------------------------------------------------------------
def image_size(fileobj: IO[bytes], *, name: str, max_pixels: int | None = None) -> tuple[int, int]:
    """Open an image with Pillow (header and structure only, no full decode) and return its
    size. A decompression bomb (more than ``max_pixels`` pixels, default ``MAX_IMAGE_PIXELS``) is
    ``IMAGE_TOO_LARGE``; anything Pillow cannot open or verify is ``INVALID_IMAGE``."""
    if max_pixels is None:
        max_pixels = media_config()["MAX_IMAGE_PIXELS"]
    fileobj.seek(0)
    try:
        with open_image(fileobj, max_pixels) as image:
            width, height = image.size
            image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadRejected(
            "IMAGE_TOO_LARGE",
            f"The image {_shown(name)} has too many pixels (the limit is {max_pixels:,}).",
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError) as exc:
        raise UploadRejected("INVALID_IMAGE", f"The file {_shown(name)} is not a readable image.") from exc
    finally:
        fileobj.seek(0)
    return width, height


class open_image:
    """``Image.open`` with the pixel limit as a hard error (``DecompressionBombError``) from 1x the
    limit; Pillow itself only warns between 1x and 2x."""

    def __init__(self, fileobj: IO[bytes], max_pixels: int) -> None:
        self.fileobj, self.max_pixels = fileobj, max_pixels
        self.image: Image.Image | None = None

    def __enter__(self) -> Image.Image:
        # Pillow's own guard reads this module-level value while opening; ours below is exact.
        previous, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, self.max_pixels
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                self.image = Image.open(self.fileobj)
        finally:
            Image.MAX_IMAGE_PIXELS = previous
        width, height = self.image.size
        if width * height > self.max_pixels:
            self.__exit__()
            raise Image.DecompressionBombError(
                f"{width}x{height} = {width * height} pixels exceeds the limit of {self.max_pixels}"
            )
        return self.image

    def __exit__(self, *exc: Any) -> None:
        # Not ``close()``: that would close the caller's file too; this drops Pillow's reference.
        if self.image is not None:
            self.image.__exit__(*exc)
            self.image = None


# -- the whole check ------------------------------------------------------------------------------
def inspect(fileobj: IO[bytes], name: str, *, size: int | None = None) -> Inspected:
    """Hash and type a file without judging it (used for files set outside the upload path)."""
    fileobj.seek(0)
    head = fileobj.read(HEAD_BYTES)
    fileobj.seek(0)
    digest, total = hashlib.sha256(), 0
    for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
        digest.update(chunk)
        total += len(chunk)
    fileobj.seek(0)
    content_type = detect_type(head)
    width = height = None
    info = Inspected(name, content_type, total if size is None else size, digest.hexdigest())
    if info.is_image:
        with contextlib.suppress(UploadRejected):  # recorded as it is: not judged here
            width, height = image_size(fileobj, name=name)
    return Inspected(info.name, content_type, info.size, info.sha256, width, height)


def validate(fileobj: IO[bytes], name: Any, *, allowed: list[str], size: int | None = None) -> Inspected:
    """Check an upload against the limits and the allowed types; ``UploadRejected`` otherwise.

    Order: filename, size (empty, too large), type from the content, extension against the
    content, type allowed for the field, then images (bomb, readable)."""
    config = media_config()
    clean_name = sanitize_filename(name, max_length=config["MAX_FILENAME_LENGTH"])
    if size is None:
        fileobj.seek(0, 2)
        size = fileobj.tell()
    fileobj.seek(0)
    if size == 0:
        raise UploadRejected("EMPTY_FILE", f"The file {_shown(clean_name)} is empty.")
    if size > config["MAX_FILE_SIZE"]:
        raise UploadRejected(
            "FILE_TOO_LARGE",
            f"The file {_shown(clean_name)} is {size:,} bytes; the limit is {config['MAX_FILE_SIZE']:,}.",
        )
    info = inspect(fileobj, clean_name)
    if info.size > config["MAX_FILE_SIZE"]:  # the claimed size was wrong
        raise UploadRejected(
            "FILE_TOO_LARGE",
            f"The file {_shown(clean_name)} is larger than the limit of {config['MAX_FILE_SIZE']:,} bytes.",
        )
    content_type, extensions = info.content_type, extensions_for(info.content_type)
    stem, ext = split_extension(clean_name)
    if not ext and extensions:
        clean_name = sanitize_filename(stem + extensions[0], max_length=config["MAX_FILENAME_LENGTH"])
    elif ext.lower() not in extensions:
        raise UploadRejected(
            "EXTENSION_MISMATCH",
            f"The file {_shown(clean_name)} is {describe(content_type)}, which does not match "
            f"its extension {ext!r}.",
        )
    if content_type not in allowed:
        raise UploadRejected(
            "UNSUPPORTED_TYPE",
            f"The file {_shown(clean_name)} is {describe(content_type)}; allowed here: "
            f"{', '.join(allowed) or 'nothing'}.",
        )
    width = height = None
    if info.is_image:
        width, height = image_size(fileobj, name=clean_name, max_pixels=config["MAX_IMAGE_PIXELS"])
    return Inspected(clean_name, content_type, info.size, info.sha256, width, height)


def describe(content_type: str) -> str:
    """``"a PNG image (image/png)"`` for messages."""
    if content_type == "application/octet-stream":
        return "of an unrecognised type"
    kind = filetype.get_type(mime=content_type)
    label = kind.extension.upper() if kind else content_type.split("/")[-1].upper()
    noun = "image" if content_type.startswith("image/") else "file"
    if content_type == "text/plain":
        return "plain text (text/plain)"
    article = "an" if label[:1] in "AEFHILMNORSX" else "a"
    return f"{article} {label} {noun} ({content_type})"
