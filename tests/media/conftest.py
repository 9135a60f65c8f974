"""Fixtures for the media pipeline core: a fresh media and quarantine directory per test, real
files (Pillow images, EICAR, a decompression bomb), and the real services (clamd, Redis, RQ).

Jobs run on a real Redis database (``rq_redis``) and are worked off by the real ``rqworker``
command, in this process (``call_command("rqworker", ..., burst=True)`` with RQ's
``SimpleWorker``), so the worker sees the test database; those tests are transactional so the
jobs are enqueued on a real commit. Without ``rq_redis`` the queues are the settings' in-process
fakeredis (synchronous): jobs run at commit inside the test.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from media_pipeline.scanning import EICAR
from tests.services import CLAMD_URL

__all__ = ["CLAMD_URL", "EICAR"]


@pytest.fixture(autouse=True)
def media_dirs(settings: Any, tmp_path: Path) -> dict[str, Path]:
    """Empty media and quarantine directories of this test's own."""
    media, quarantine = tmp_path / "media", tmp_path / "quarantine"
    media.mkdir()
    quarantine.mkdir()
    settings.MEDIA_ROOT = str(media)
    settings.STORAGES = {
        **settings.STORAGES,
        "quarantine": {**settings.STORAGES["quarantine"], "OPTIONS": {"location": str(quarantine)}},
    }
    return {"media": media, "quarantine": quarantine}


@pytest.fixture
def new_media(db: None) -> Any:
    """``new_media()``: the ``MediaFile`` rows this test created (the seeded demo has some too)."""
    from media_pipeline.models import MediaFile

    before = set(MediaFile.objects.values_list("pk", flat=True))

    def rows() -> list[Any]:
        return list(MediaFile.objects.exclude(pk__in=before).order_by("created_at"))

    return rows


def files_in(root: Path) -> list[str]:
    """Every file under ``root``, as sorted relative POSIX paths."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture
def media_settings(settings: Any):
    """Set ``TOOLKIT["MEDIA"]`` keys (and ``CLAMD_URL``) for one test: ``media_settings(KEY=...)``."""

    def apply(clamd_url: str | None = None, **media: Any) -> Any:
        toolkit = {**settings.TOOLKIT}
        toolkit["MEDIA"] = {**toolkit.get("MEDIA", {}), **media}
        if clamd_url is not None:
            toolkit["CLAMD_URL"] = clamd_url
        settings.TOOLKIT = toolkit
        return settings

    return apply


@pytest.fixture
def clamd(real_services: None, media_settings: Any) -> str:
    """Scan with the real clamd (``tests/health/conftest.CLAMD_URL``)."""
    media_settings(clamd_url=CLAMD_URL)
    return CLAMD_URL


# -- files --------------------------------------------------------------------------------------
def image_bytes(width: int = 64, height: int = 48, fmt: str = "PNG", mode: str = "RGB", **save: Any) -> bytes:
    image = Image.new(mode, (width, height), color=(200, 30, 30) if mode == "RGB" else 128)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save)
    return buffer.getvalue()


def oriented_jpeg(width: int = 300, height: int = 200, orientation: int = 6) -> bytes:
    """A landscape JPEG whose EXIF says "rotate 90°" (6): shown as portrait once transposed.
    The left half is red, the right half blue, so the rotation's direction can be checked."""
    image = Image.new("RGB", (width, height), (255, 0, 0))
    image.paste((0, 0, 255), (width // 2, 0, width, height))
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, quality=95)
    return buffer.getvalue()


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A valid 1-bit PNG of ``width`` x ``height`` white pixels: ~50 MB decoded, a few KB stored."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack("!I", len(data)) + kind + data + struct.pack("!I", zlib.crc32(kind + data))

    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack("!IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    """An upload as Django hands it to a view; the client's Content-Type is never trusted."""
    return SimpleUploadedFile(name, content, content_type=content_type)


# -- RQ ---------------------------------------------------------------------------------------------
@pytest.fixture
def work(rq_redis: Any) -> Iterator[Any]:
    """``work("media", ...)``: the real ``manage.py rqworker --burst`` (with the scheduler, so
    retries that are due run), in this process so it sees the test database."""

    def run(*queues: str) -> None:
        call_command(
            "rqworker", *(queues or ("media", "cache_invalidation")),
            burst=True, with_scheduler=True, worker_class="rq.worker.SimpleWorker", verbosity=0,
        )  # fmt: skip

    yield run
