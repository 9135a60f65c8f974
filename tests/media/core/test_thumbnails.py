"""Thumbnails: sizes, EXIF orientation, WebP output, quality, modes; never enlarged."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from media_pipeline.jobs import thumbnail
from media_pipeline.models import MediaFile
from media_pipeline.thumbnails import render
from media_pipeline.uploads import store_upload
from tests.media.conftest import files_in, image_bytes, oriented_jpeg, upload

SIZES = {"small": [160, 160], "medium": [480, 480]}


def opened(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


def test_render__fits_each_box_keeping_the_aspect_ratio():
    thumbs = render(io.BytesIO(image_bytes(1000, 500)), sizes=SIZES)
    assert [(t.size, t.width, t.height) for t in thumbs] == [("small", 160, 80), ("medium", 480, 240)]
    for thumb in thumbs:
        image = opened(thumb.content)
        assert (image.format, image.size) == ("WEBP", (thumb.width, thumb.height))


def test_render__never_enlarges_a_small_image():
    thumbs = render(io.BytesIO(image_bytes(100, 50)), sizes=SIZES)
    assert [(t.width, t.height) for t in thumbs] == [(100, 50), (100, 50)]


def test_render__applies_the_exif_orientation():
    """Stored 300x200 (red left, blue right) with orientation 6: shown rotated 90° clockwise,
    i.e. 200x300 with red on top."""
    [thumb] = render(io.BytesIO(oriented_jpeg(300, 200, orientation=6)), sizes={"s": [1000, 1000]})
    image = opened(thumb.content).convert("RGB")
    assert image.size == (200, 300)
    top, bottom = image.getpixel((100, 20)), image.getpixel((100, 280))
    assert top[0] > 200 and top[2] < 60, top  # red
    assert bottom[2] > 200 and bottom[0] < 60, bottom  # blue
    assert "exif" not in opened(thumb.content).info  # metadata (EXIF, GPS) is not copied


def test_render__quality_changes_the_size_of_the_output():
    import random

    rng = random.Random(3)
    noisy = Image.frombytes("RGB", (400, 400), bytes(rng.getrandbits(8) for _ in range(400 * 400 * 3)))
    buffer = io.BytesIO()
    noisy.save(buffer, format="PNG")
    low = render(io.BytesIO(buffer.getvalue()), sizes={"s": [400, 400]}, quality=20)[0]
    high = render(io.BytesIO(buffer.getvalue()), sizes={"s": [400, 400]}, quality=95)[0]
    assert len(low.content) < len(high.content) * 0.6


@pytest.mark.parametrize(
    ("mode", "fmt", "expected_mode"),
    [
        ("RGBA", "PNG", "RGBA"),
        ("L", "PNG", "RGB"),
        ("P", "GIF", "RGB"),
        ("CMYK", "JPEG", "RGB"),
        ("1", "PNG", "RGB"),
    ],
)
def test_render__converts_modes_webp_cannot_store(mode, fmt, expected_mode):
    content = image_bytes(50, 40, fmt=fmt, mode=mode)
    [thumb] = render(io.BytesIO(content), sizes={"s": [20, 20]})
    assert opened(thumb.content).mode == expected_mode


def test_render__jpeg_and_png_formats():
    [jpeg] = render(io.BytesIO(image_bytes(50, 50, mode="RGB")), sizes={"s": [20, 20]}, image_format="JPEG")
    [png] = render(
        io.BytesIO(image_bytes(50, 50, mode="RGBA", fmt="PNG")), sizes={"s": [20, 20]}, image_format="PNG"
    )
    assert (opened(jpeg.content).format, opened(png.content).format) == ("JPEG", "PNG")


def test_thumbnail_job__uses_the_configured_sizes_and_regenerates_in_place(
    db, media_dirs, media_settings, django_capture_on_commit_callbacks
):
    media_settings(THUMBNAIL_SIZES={"tiny": [32, 32], "wide": [300, 100]}, THUMBNAIL_QUALITY=50)
    with django_capture_on_commit_callbacks(execute=True):
        media = store_upload(upload("wide.png", image_bytes(600, 300)))
    row = MediaFile.objects.get(pk=media.pk)
    assert row.thumbnails == {
        "tiny": {"name": f"thumbnails/{media.pk}/tiny.webp", "width": 32, "height": 16},
        "wide": {"name": f"thumbnails/{media.pk}/wide.webp", "width": 200, "height": 100},
    }
    before = files_in(media_dirs["media"])
    media_settings(THUMBNAIL_SIZES={"tiny": [64, 64]})
    with django_capture_on_commit_callbacks(execute=True):
        made = thumbnail(str(media.pk), force=True)
    assert made == {"tiny": {"name": f"thumbnails/{media.pk}/tiny.webp", "width": 64, "height": 32}}
    after = files_in(media_dirs["media"])
    assert after == sorted([media.file.name, f"thumbnails/{media.pk}/tiny.webp"])
    assert len(before) == 3


def test_thumbnail_job__not_for_files_that_are_not_images(db, media_dirs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        media = store_upload(upload("doc.txt", b"text\n"))
    assert MediaFile.objects.get(pk=media.pk).status == "clean"
    assert thumbnail(str(media.pk)) == {}
    assert files_in(media_dirs["media"]) == [media.file.name]
