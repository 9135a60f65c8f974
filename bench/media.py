"""Media pipeline benchmark: ``python -m bench.media [--images 12] [--scan-files 30]``.

Printed, not asserted (docs/performance.md records the figures):

- **thumbnails per second per worker**: the ``thumbnail`` job (read the original from storage,
  decode, EXIF transpose, resize to every ``THUMBNAIL_SIZES`` box, encode WebP, store, update the
  row) run back to back in one process, as one RQ worker runs its jobs; for 12-megapixel JPEG
  photos (4000x3000) and 1920x1080 PNG screenshots. With ``REDIS_URL`` set (an empty database:
  ``REDIS_URL=redis://127.0.0.1:6379/6``), the same jobs also go through a real
  ``manage.py rqworker media --burst``, with RQ's forking worker (a work horse per job) and with
  ``SimpleWorker``, which adds the Redis round trips and the follow-up invalidate jobs;
- **scan throughput** for 1 MB files: the bytes streamed to clamd over ``INSTREAM``
  (``CLAMD_URL``, default ``tcp://127.0.0.1:3310``; started with ``scripts/services.py clamd``),
  the whole ``scan`` job (storage read + clamd + row update), and the built-in test scanner.

Runs on its own SQLite file and a temporary ``MEDIA_ROOT``; nothing else is touched.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = Path(tempfile.gettempdir()) / "toolkit-bench-media.sqlite3"


def photo(width: int, height: int, seed: int, fmt: str) -> bytes:
    """A synthetic picture that compresses like a real one (gradients, shapes, a little noise)."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(20, max(21, width // 6))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    image = image.filter(ImageFilter.GaussianBlur(2))
    noise = Image.effect_noise((width, height), 12).convert("RGB")
    image = Image.blend(image, noise, 0.08)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=12, help="images per kind (default: 12)")
    parser.add_argument("--scan-files", type=int, default=30, help="1 MB files to scan (default: 30)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="toolkit-bench-media-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.dev")
    os.environ["DEBUG"] = "false"
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{DEFAULT_DATABASE}")
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ["QUARANTINE_ROOT"] = str(workdir / "quarantine")
    redis_url = os.environ.pop("REDIS_URL", "")  # the in-process part runs without Redis
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    logging.getLogger("media_pipeline").setLevel(logging.WARNING)  # one line per file otherwise
    print(f"Pillow thumbnails {sizes_shown()}; work directory {workdir}")
    try:
        thumbnails(args.images, redis_url, workdir)
        scanning(args.scan_files)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    sys.stdout.flush()


def sizes_shown() -> str:
    from media_pipeline.conf import media_config

    config = media_config()
    boxes = ", ".join(f"{name} {w}x{h}" for name, (w, h) in config["THUMBNAIL_SIZES"].items())
    return f"({boxes}; {config['THUMBNAIL_FORMAT']} quality {config['THUMBNAIL_QUALITY']})"


def clean_rows(kind: str, count: int, width: int, height: int, fmt: str) -> list[Any]:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from media_pipeline.models import MediaFile

    rows = []
    for i in range(count):
        content = photo(width, height, seed=i, fmt=fmt)
        name = default_storage.save(f"bench/{kind}-{i}.{fmt.lower()}", ContentFile(content))
        rows.append(
            MediaFile.objects.create(
                file=name, original_name=name, content_type=f"image/{fmt.lower()}", size=len(content),
                sha256="0" * 64, status="clean", scanner="bench", width=width, height=height,
            )
        )  # fmt: skip
    return rows


def thumbnails(count: int, redis_url: str, workdir: Path) -> None:
    from media_pipeline import jobs

    print(f"\nthumbnail job, in process (one worker), {count} images per kind")
    print(f"{'images':<34} {'MB each':>8} {'median ms':>10} {'p95 ms':>8} {'images/s':>9}")
    kinds = [("12 MP JPEG photos (4000x3000)", "photo", 4000, 3000, "JPEG"),
             ("1080p PNG screenshots (1920x1080)", "screen", 1920, 1080, "PNG")]  # fmt: skip
    all_rows = []
    for label, kind, width, height, fmt in kinds:
        rows = clean_rows(kind, count, width, height, fmt)
        all_rows += rows
        timings = []
        for media in rows:
            start = time.perf_counter()
            made = jobs.thumbnail(str(media.pk), force=True)
            timings.append(time.perf_counter() - start)
            assert made, f"no thumbnails for {media.file.name}"
        size_mb = statistics.mean(m.size for m in rows) / 1e6
        median = statistics.median(timings)
        p95 = sorted(timings)[max(0, int(len(timings) * 0.95) - 1)]
        print(
            f"{label:<34} {size_mb:>8.1f} {median * 1000:>10.0f} {p95 * 1000:>8.0f} {len(rows) / sum(timings):>9.1f}"
        )
    if not redis_url:
        print("(REDIS_URL not set: skipping the run through a real rqworker)")
        return
    through_worker(all_rows, redis_url, workdir)


def through_worker(rows: list[Any], redis_url: str, workdir: Path) -> None:
    """The same jobs enqueued on Redis and worked off by ``manage.py rqworker media --burst``, with
    RQ's default forking worker (a work-horse process per job) and with ``SimpleWorker``."""
    import django_rq
    from django.conf import settings

    settings.RQ_QUEUES = {name: {"URL": redis_url, "DEFAULT_TIMEOUT": 600} for name in settings.RQ_QUEUES}
    queue = django_rq.get_queue("media", commit_mode="auto")
    if queue.count:
        raise SystemExit(f"error: the media queue at {redis_url} is not empty; use an empty Redis database")
    env = {**os.environ, "REDIS_URL": redis_url}
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "rqworker", "media", "--burst"], cwd=ROOT, env=env,
                   capture_output=True, timeout=300, check=True)  # fmt: skip
    startup = time.perf_counter() - started
    print(f"through a real rqworker --burst ({len(rows)} jobs; its start-up, {startup:.1f} s, subtracted):")
    for label, extra in (("forking worker (RQ's default)", []),
                         ("SimpleWorker (no fork per job)", ["--worker-class", "rq.worker.SimpleWorker"])):  # fmt: skip
        for media in rows:
            queue.enqueue("media_pipeline.jobs.thumbnail", str(media.pk), True)
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "manage.py", "rqworker", "media", "--burst", *extra], cwd=ROOT, env=env,
            capture_output=True, text=True, timeout=1800,
        )  # fmt: skip
        elapsed = time.perf_counter() - start - startup
        if result.returncode != 0 or queue.failed_job_registry.count:
            raise SystemExit(f"error: rqworker failed: {result.stderr[-500:]}")
        print(f"  {label:<32} {len(rows) / elapsed:>5.1f} images/s")
    for name in ("media", "cache_invalidation"):
        django_rq.get_queue(name, commit_mode="auto").empty()
    for registry in (queue.finished_job_registry,):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)


def scanning(count: int) -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from media_pipeline import jobs
    from media_pipeline.models import MediaFile
    from media_pipeline.scanning import BuiltinTestScanner, ClamdScanner
    from toolkit.health import clamd

    url = os.environ.get("CLAMD_URL") or "tcp://127.0.0.1:3310"
    rng = random.Random(1)
    blobs = [rng.randbytes(1024 * 1024) for _ in range(count)]
    megabytes = len(blobs) * len(blobs[0]) / 1e6
    print(f"\nscan throughput, {count} files of 1 MB (random bytes)")
    builtin = BuiltinTestScanner()
    start = time.perf_counter()
    for blob in blobs:
        assert not builtin.scan([blob[i : i + 262144] for i in range(0, len(blob), 262144)]).infected
    print(
        f"{'built-in test scanner (EICAR only)':<44} {megabytes / (time.perf_counter() - start):>8.0f} MB/s"
    )
    try:
        version = clamd.ping(url)
    except clamd.ClamdError as exc:
        print(f"clamd: skipped ({exc}; start it with scripts/services.py clamd)")
        return
    scanner = ClamdScanner(url, timeout=30)
    timings = []
    for blob in blobs:
        start = time.perf_counter()
        verdict = scanner.scan([blob[i : i + 262144] for i in range(0, len(blob), 262144)])
        timings.append(time.perf_counter() - start)
        assert not verdict.infected
    print(
        f"{'clamd INSTREAM (' + str(version).split(',')[0] + ')':<44} {megabytes / sum(timings):>8.0f} MB/s"
        f"   median {statistics.median(timings) * 1000:.1f} ms per file"
    )
    from django.conf import settings
    from django.test.utils import override_settings

    rows = []
    for i, blob in enumerate(blobs):
        name = default_storage.save(f"bench/scan-{i}.bin", ContentFile(blob))
        rows.append(MediaFile.objects.create(file=name, original_name=name, content_type="application/octet-stream",
                                             size=len(blob), sha256="0" * 64))  # fmt: skip
    with override_settings(TOOLKIT={**settings.TOOLKIT, "CLAMD_URL": url}):
        start = time.perf_counter()
        for media in rows:
            assert jobs.scan(str(media.pk)) == "clean"
        elapsed = time.perf_counter() - start
    assert set(MediaFile.objects.filter(pk__in=[m.pk for m in rows]).values_list("scanner", flat=True)) == {
        "clamd"
    }
    print(f"{'scan job (storage + clamd + row update)':<44} {megabytes / elapsed:>8.0f} MB/s"
          f"   {len(rows) / elapsed:.0f} files/s")  # fmt: skip


if __name__ == "__main__":
    main()
