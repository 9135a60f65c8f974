"""Thumbnails with Pillow: configured sizes (never enlarged), EXIF orientation applied, WebP (or
the configured format) at the configured quality, metadata (EXIF, GPS) left out.

Names are stable (``thumbnails/<media id>/<size>.webp``): regenerating replaces the files, and
the purge hook is told about them so a CDN drops its copies.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from PIL import Image, ImageOps

from media_pipeline.conf import media_config
from media_pipeline.storage import delete_quietly
from media_pipeline.validators import open_image

if TYPE_CHECKING:
    from media_pipeline.models import MediaFile

EXTENSIONS = {"WEBP": "webp", "JPEG": "jpg", "PNG": "png", "AVIF": "avif"}


@dataclass(frozen=True)
class Thumbnail:
    size: str
    content: bytes
    width: int
    height: int


def render(
    source: IO[bytes],
    *,
    sizes: dict[str, Any],
    image_format: str = "WEBP",
    quality: int = 80,
    max_pixels: int = 40_000_000,
) -> list[Thumbnail]:
    """One thumbnail per configured size, each fitting in its box (aspect ratio kept)."""
    boxes = {name: (int(box[0]), int(box[1])) for name, box in sizes.items()}
    largest = max((max(box) for box in boxes.values()), default=0)
    with open_image(source, max_pixels) as opened:
        if opened.format == "JPEG" and largest:
            # Decode JPEGs at a reduced scale when much larger than needed (a square box, since
            # the EXIF rotation may swap the sides).
            opened.draft("RGB", (largest, largest))
        image = ImageOps.exif_transpose(opened)
        image = _normalise_mode(image)
        result = []
        # Largest first; each smaller size is made from the previous one (fewer pixels to resample).
        previous = image
        for name, box in sorted(boxes.items(), key=lambda item: -(item[1][0] * item[1][1])):
            source_image = previous if previous.width >= box[0] or previous.height >= box[1] else image
            thumb = source_image.copy()
            thumb.thumbnail(box, Image.Resampling.LANCZOS)
            buffer = io.BytesIO()
            options: dict[str, Any] = {"quality": quality}
            if image_format == "WEBP":
                options["method"] = 4
            if image_format == "JPEG" and thumb.mode == "RGBA":
                thumb = thumb.convert("RGB")
            thumb.save(buffer, format=image_format, **options)
            result.append(Thumbnail(name, buffer.getvalue(), thumb.width, thumb.height))
            previous = thumb
    order = list(boxes)
    return sorted(result, key=lambda t: order.index(t.size))


def _normalise_mode(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "RGBA"):
        return image
    has_alpha = image.mode in ("LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    )
    return image.convert("RGBA" if has_alpha else "RGB")


def thumbnail_name(media: MediaFile, size: str, image_format: str) -> str:
    return f"thumbnails/{media.pk}/{size}.{EXTENSIONS.get(image_format, image_format.lower())}"


def generate(media: MediaFile, storage: Storage) -> dict[str, dict[str, Any]]:
    """Render and store every configured size; returns the ``MediaFile.thumbnails`` value."""
    config = media_config()
    image_format = str(config["THUMBNAIL_FORMAT"]).upper()
    with storage.open(media.file.name, "rb") as handle:
        source = io.BytesIO(handle.read())
    thumbs = render(
        source,
        sizes=config["THUMBNAIL_SIZES"],
        image_format=image_format,
        quality=int(config["THUMBNAIL_QUALITY"]),
        max_pixels=int(config["MAX_IMAGE_PIXELS"]),
    )
    stored: dict[str, dict[str, Any]] = {}
    for thumb in thumbs:
        name = thumbnail_name(media, thumb.size, image_format)
        delete_quietly(storage, name)  # same name again, so a CDN purge of it is enough
        saved = storage.save(name, ContentFile(thumb.content))
        stored[thumb.size] = {"name": saved, "width": thumb.width, "height": thumb.height}
    return stored
