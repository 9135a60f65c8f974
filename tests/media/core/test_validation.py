"""Validation at upload time: names, sizes, types from the magic bytes, images opened safely."""

from __future__ import annotations

import io

import pytest

from media_pipeline.errors import REJECTION_CODES, UploadRejected
from media_pipeline.validators import detect_type, sanitize_filename, validate
from tests.media.conftest import EICAR, image_bytes, png_bomb

IMAGES = ["image/jpeg", "image/png", "image/gif", "image/webp"]
FILES = ["application/pdf", "text/plain", *IMAGES]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def rejected(content: bytes, name: str, allowed=FILES, **kwargs) -> UploadRejected:
    with pytest.raises(UploadRejected) as caught:
        validate(io.BytesIO(content), name, allowed=allowed, **kwargs)
    return caught.value


# -- filenames ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\system32\\evil.png", "evil.png"),
        ("/absolute/path/cover.png", "cover.png"),
        ("my holiday photo.jpg", "my_holiday_photo.jpg"),
        ("tab\tand\nnewline\x00nul.png", "tabandnewlinenul.png"),
        ("right\u202eto\u200bleft.png", "righttoleft.png"),  # bidi override and zero-width space
        ("café-ünïcode.png", "café-ünïcode.png"),
        (".hidden.png", "hidden.png"),
        ("a..b...png", "a.b.png"),
        ('quotes"<and>|pipes?.png', "quotesandpipes.png"),
        ("CON.txt", "CON_.txt"),
        ("trailing dot.png.", "trailing_dot.png"),
    ],
)
def test_sanitize_filename__strips_paths_controls_and_unsafe_characters(given, expected):
    assert sanitize_filename(given, max_length=100) == expected


def test_sanitize_filename__bounds_the_length_and_keeps_the_extension():
    assert sanitize_filename("x" * 300 + ".jpeg", max_length=40) == "x" * 35 + ".jpeg"
    assert len(sanitize_filename("y" * 300, max_length=40)) == 40


@pytest.mark.parametrize("given", ["", "..", "../..", "/", "\x00\x01", "...", "???", "\u202e"])
def test_sanitize_filename__nothing_usable_is_invalid_filename(given):
    with pytest.raises(UploadRejected) as caught:
        sanitize_filename(given, max_length=100)
    assert caught.value.code == "INVALID_FILENAME"
    assert "has no usable characters" in caught.value.message


def test_rejection_codes__are_the_documented_ones():
    assert set(REJECTION_CODES) == {
        "FILE_TOO_LARGE", "UNSUPPORTED_TYPE", "EXTENSION_MISMATCH", "INVALID_FILENAME",
        "IMAGE_TOO_LARGE", "INVALID_IMAGE", "EMPTY_FILE",
    }  # fmt: skip


# -- types from the content ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (image_bytes(fmt="PNG"), "image/png"),
        (image_bytes(fmt="JPEG"), "image/jpeg"),
        (image_bytes(fmt="GIF"), "image/gif"),
        (image_bytes(fmt="WEBP"), "image/webp"),
        (PDF, "application/pdf"),
        (b"Chapter 1.\nIt was a dark night.\n", "text/plain"),
        ("Ünïcödé text, € and 日本語\n".encode(), "text/plain"),
        (EICAR, "text/plain"),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "text/html"),
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "image/svg+xml"),
        (b'<?xml version="1.0"?><note/>', "application/xml"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64, "application/x-msdownload"),
        (b"PK\x03\x04" + b"\x00" * 40, "application/zip"),
        (b"\x00\x01\x02binary\xff\xfe", "application/octet-stream"),
        (b"text with a bell \x07 in it", "application/octet-stream"),
    ],
)
def test_detect_type__from_magic_bytes(content, expected):
    assert detect_type(content) == expected


def test_validate__accepts_a_png_and_reports_what_it_found():
    content = image_bytes(64, 48)
    info = validate(io.BytesIO(content), "Cover Art.png", allowed=IMAGES)
    assert (info.name, info.content_type, info.size, info.width, info.height) == (
        "Cover_Art.png", "image/png", len(content), 64, 48,
    )  # fmt: skip
    import hashlib

    assert info.sha256 == hashlib.sha256(content).hexdigest()


def test_validate__a_name_without_extension_gets_the_content_s_one():
    assert validate(io.BytesIO(image_bytes(fmt="JPEG")), "photo", allowed=IMAGES).name == "photo.jpg"
    assert validate(io.BytesIO(b"hello\n"), "README", allowed=FILES).name == "README.txt"


def test_validate__the_extension_is_compared_case_insensitively():
    assert (
        validate(io.BytesIO(image_bytes(fmt="JPEG")), "IMG_0001.JPEG", allowed=IMAGES).name == "IMG_0001.JPEG"
    )


def test_validate__png_renamed_pdf_is_an_extension_mismatch():
    error = rejected(image_bytes(), "report.pdf")
    assert error.code == "EXTENSION_MISMATCH"
    assert error.message == (
        "The file 'report.pdf' is a PNG image (image/png), which does not match its extension '.pdf'."
    )


def test_validate__the_client_content_type_is_never_trusted():
    """A PDF named .png is refused for an images-only field whatever the client claims."""
    error = rejected(PDF, "cover.png", allowed=IMAGES)
    assert error.code == "EXTENSION_MISMATCH"


def test_validate__a_type_the_field_does_not_allow_is_unsupported():
    error = rejected(PDF, "chapter.pdf", allowed=IMAGES)
    assert error.code == "UNSUPPORTED_TYPE"
    assert error.message == (
        "The file 'chapter.pdf' is a PDF file (application/pdf); allowed here: "
        "image/jpeg, image/png, image/gif, image/webp."
    )


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64, "setup.exe"),
        (b"<html><body>hi</body></html>", "page.html"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.svg"),
        (b"\x00\x01\x02\x03\xff", "blob.bin"),
    ],
)
def test_validate__executables_markup_and_unknown_content_are_refused(content, name):
    assert rejected(content, name).code == "UNSUPPORTED_TYPE"


def test_validate__html_named_txt_is_not_plain_text():
    assert rejected(b"<!doctype html><script>alert(1)</script>", "notes.txt").code == "EXTENSION_MISMATCH"


def test_validate__empty_and_oversized_files(settings):
    assert rejected(b"", "empty.txt").code == "EMPTY_FILE"
    settings.TOOLKIT = {**settings.TOOLKIT, "MEDIA": {"MAX_FILE_SIZE": 1000}}
    error = rejected(b"a" * 1001, "big.txt")
    assert (error.code, error.message) == (
        "FILE_TOO_LARGE", "The file 'big.txt' is 1,001 bytes; the limit is 1,000.",
    )  # fmt: skip
    assert validate(io.BytesIO(b"a" * 1000), "ok.txt", allowed=FILES).size == 1000


def test_validate__a_wrong_claimed_size_does_not_get_past_the_limit(settings):
    settings.TOOLKIT = {**settings.TOOLKIT, "MEDIA": {"MAX_FILE_SIZE": 1000}}
    assert rejected(b"a" * 5000, "big.txt", size=10).code == "FILE_TOO_LARGE"


def test_validate__a_bad_filename_is_refused_before_anything_else():
    assert rejected(image_bytes(), "../").code == "INVALID_FILENAME"


# -- images -------------------------------------------------------------------------------------
def test_validate__decompression_bomb_is_image_too_large():
    """A real 20000x20000 PNG (400 megapixels) of a few kilobytes, with the default limit."""
    bomb = png_bomb()
    assert len(bomb) < 100_000
    error = rejected(bomb, "bomb.png", allowed=IMAGES)
    assert error.code == "IMAGE_TOO_LARGE"
    assert error.message == "The image 'bomb.png' has too many pixels (the limit is 40,000,000)."


def test_validate__pillow_s_warning_zone_is_a_hard_error_too(settings):
    """Pillow only warns between 1x and 2x its limit; the pipeline refuses from 1x."""
    settings.TOOLKIT = {**settings.TOOLKIT, "MEDIA": {"MAX_IMAGE_PIXELS": 10_000}}
    assert rejected(image_bytes(101, 100), "just-over.png", allowed=IMAGES).code == "IMAGE_TOO_LARGE"  # 1.01x
    assert rejected(image_bytes(300, 100), "triple.png", allowed=IMAGES).code == "IMAGE_TOO_LARGE"  # 3x
    assert validate(io.BytesIO(image_bytes(100, 100)), "at-limit.png", allowed=IMAGES).width == 100


def test_validate__a_truncated_or_corrupt_image_is_invalid_image():
    png = image_bytes(64, 64)
    assert rejected(png[:60], "cut.png", allowed=IMAGES).code == "INVALID_IMAGE"
    corrupt = bytearray(png)
    corrupt[40] ^= 0xFF  # inside a chunk: its CRC no longer matches
    assert rejected(bytes(corrupt), "crc.png", allowed=IMAGES).code == "INVALID_IMAGE"
