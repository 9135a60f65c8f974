"""Queues and media: RQ backlog, workers and failed jobs (actions stay on django-rq's pages),
and the media files that are pending, infected or failed their scan, with a re-scan action."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import NoReverseMatch, URLPattern, path, reverse

from dashboard.conf import dashboard_config
from dashboard.panels.base import NotFound, Panel, Tile, level

logger = logging.getLogger("dashboard")
FAILED_SHOWN = 10
#: Re-scanning changes a media file's state: it takes the media file change permission.
RESCAN_PERMISSION = "media_pipeline.change_mediafile"
MEDIA_SHOWN = 20


@dataclass
class FailedJob:
    queue: str
    id: str
    function: str
    error: str
    ended_at: datetime.datetime | None
    url: str = ""


@dataclass
class QueueInfo:
    name: str
    index: int
    queued: int = 0
    started: int = 0
    failed: int = 0
    scheduled: int = 0
    deferred: int = 0
    workers: int = 0
    #: ``True`` when jobs run in workers; ``False`` for ``ASYNC: False`` queues (run in process).
    is_async: bool = True
    #: Where its Redis is (host:port/db, no credentials).
    location: str = ""
    error: str = ""
    url: str = ""
    failed_url: str = ""


@dataclass
class MediaItem:
    id: str
    name: str
    status: str
    size: int
    content_type: str
    scan_attempts: int
    last_error: str
    signature: str
    created_at: datetime.datetime
    scanned_at: datetime.datetime | None


@dataclass
class MediaSummary:
    counts: dict[str, int] = field(default_factory=dict)
    pending: list[MediaItem] = field(default_factory=list)
    infected: list[MediaItem] = field(default_factory=list)
    scan_failed: list[MediaItem] = field(default_factory=list)
    #: ``media_pipeline.jobs.enqueue_scan`` exists (the re-scan action works).
    can_rescan: bool = False
    error: str = ""


@dataclass
class QueuesData:
    queues: list[QueueInfo]
    failed_jobs: list[FailedJob]
    media: MediaSummary

    @property
    def backlog(self) -> int:
        return sum(q.queued for q in self.queues)

    @property
    def failed(self) -> int:
        return sum(q.failed for q in self.queues)


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _first_line(text: str | None) -> str:
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def queue_infos(with_failed: bool = True) -> tuple[list[QueueInfo], list[FailedJob]]:
    from django_rq.queues import get_queue_by_index
    from django_rq.settings import get_queues_list
    from redis.exceptions import RedisError
    from rq import Worker
    from rq.job import Job

    from toolkit.health.checks import _where

    infos, failed_jobs = [], []
    for index, config in enumerate(get_queues_list()):
        name = config["name"]
        info = QueueInfo(name, index, is_async=config["connection_config"].get("ASYNC", True))
        info.url = _url("admin:django_rq_jobs", index)
        info.failed_url = _url("admin:django_rq_failed_jobs", index)
        try:
            info.location = _where(name)
            queue = get_queue_by_index(index)
            info.queued = queue.count
            info.started = queue.started_job_registry.count
            info.failed = queue.failed_job_registry.count
            info.scheduled = queue.scheduled_job_registry.count
            info.deferred = queue.deferred_job_registry.count
            info.workers = Worker.count(queue=queue)
            if with_failed and info.failed:
                ids = queue.failed_job_registry.get_job_ids(0, FAILED_SHOWN * 5)
                for job in Job.fetch_many(ids, connection=queue.connection, serializer=queue.serializer):
                    if job is None:
                        continue
                    result = job.latest_result()
                    failed_jobs.append(
                        FailedJob(
                            queue=name,
                            id=job.id,
                            function=job.func_name or "?",
                            error=_first_line(result.exc_string if result is not None else None),
                            ended_at=job.ended_at,
                            url=_url("admin:django_rq_job_detail", index, job.id),
                        )
                    )
        except (RedisError, OSError) as exc:
            info.error = f"cannot reach Redis: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        infos.append(info)
    oldest = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    failed_jobs.sort(
        key=lambda j: j.ended_at.replace(tzinfo=j.ended_at.tzinfo or datetime.UTC) if j.ended_at else oldest,
        reverse=True,
    )
    return infos, failed_jobs[:FAILED_SHOWN]


def enqueue_scan() -> Callable[..., Any] | None:
    """``media_pipeline.jobs.enqueue_scan`` when the media pipeline provides it."""
    try:
        from media_pipeline import jobs
    except ImportError:
        return None
    return getattr(jobs, "enqueue_scan", None)


def _item(media: Any) -> MediaItem:
    return MediaItem(
        id=str(media.pk),
        name=media.original_name,
        status=media.status,
        size=media.size,
        content_type=media.content_type,
        scan_attempts=media.scan_attempts,
        last_error=_first_line(media.last_error),
        signature=media.signature,
        created_at=media.created_at,
        scanned_at=media.scanned_at,
    )


def media_summary() -> MediaSummary:
    from django.db.models import Count

    from media_pipeline.models import MediaFile

    summary = MediaSummary(can_rescan=enqueue_scan() is not None)
    try:
        counts = dict(MediaFile.objects.order_by().values_list("status").annotate(n=Count("pk")))
        summary.counts = {status: counts.get(status, 0) for status in MediaFile.Status.values}
        for status, attribute, order in (
            (MediaFile.Status.PENDING, "pending", "created_at"),
            (MediaFile.Status.INFECTED, "infected", "-quarantined_at"),
            (MediaFile.Status.SCAN_FAILED, "scan_failed", "-updated_at"),
        ):
            rows = MediaFile.objects.filter(status=status).order_by(order, "pk")[:MEDIA_SHOWN]
            setattr(summary, attribute, [_item(m) for m in rows])
    except DatabaseError as exc:
        summary.error = f"the media files cannot be read: {str(exc).splitlines()[0]}"
    return summary


class QueuesPanel(Panel):
    slug = "queues"
    title = "Queues and media"
    template = "dashboard/queues.html"

    def data(self, params: Mapping[str, str]) -> QueuesData:
        queues, failed_jobs = queue_infos()
        return QueuesData(queues=queues, failed_jobs=failed_jobs, media=media_summary())

    def tiles(self) -> list[Tile]:
        queues, _ = queue_infos(with_failed=False)
        media = media_summary()
        thresholds = dashboard_config()["THRESHOLDS"]
        url = self.url
        unreachable = [q.name for q in queues if q.error]
        backlog = sum(q.queued for q in queues)
        failed = sum(q.failed for q in queues)
        tiles = []
        if unreachable:
            tiles.append(
                Tile(
                    "queues",
                    "Queue backlog",
                    "unreachable",
                    "error",
                    url,
                    f"cannot reach Redis for {', '.join(unreachable)}",
                )
            )
        else:
            tiles.append(
                Tile(
                    "queues",
                    "Queue backlog",
                    f"{backlog} jobs",
                    level(backlog, thresholds["queue_backlog"]),
                    url,
                    f"{len(queues)} queues, {sum(q.workers for q in queues)} workers",
                    backlog,
                )
            )
            tiles.append(
                Tile(
                    "failed_jobs",
                    "Failed jobs",
                    str(failed),
                    level(failed, thresholds["failed_jobs"]),
                    url,
                    "kept in the RQ failed registries",
                    failed,
                )
            )
        if media.error:
            tiles.append(Tile("media", "Quarantined files", "unknown", "unknown", url, media.error))
        else:
            infected = media.counts.get("infected", 0)
            pending = media.counts.get("pending", 0)
            failed_scans = media.counts.get("scan_failed", 0)
            tiles.append(
                Tile(
                    "media",
                    "Quarantined files",
                    str(infected),
                    "warning" if infected or failed_scans else "ok",
                    url,
                    f"{pending} pending, {failed_scans} scan failed",
                    infected,
                )
            )
        return tiles

    def text(self, data: QueuesData) -> str:
        lines = ["RQ queues:"]
        for q in data.queues:
            state = (
                q.error or f"{q.queued} queued, {q.started} started, {q.failed} failed, {q.workers} workers"
            )
            lines.append(f"  {q.name:<20} {state}")
        for job in data.failed_jobs:
            lines.append(f"  failed {job.queue}/{job.id} {job.function}: {job.error}")
        media = data.media
        if media.error:
            lines.append(f"Media: {media.error}")
        else:
            lines.append("Media: " + ", ".join(f"{count} {status}" for status, count in media.counts.items()))
        return "\n".join(lines) + "\n"

    def context(self, data: QueuesData) -> dict[str, Any]:
        from media_pipeline.models import MediaFile

        media = data.media
        labels = dict(MediaFile.Status.choices)
        return {
            "media_counts": [
                (status, labels.get(status, status), count) for status, count in media.counts.items()
            ],
            "media_lists": [
                # infected files stay in quarantine: the pipeline never scans them again
                ("Infected (quarantined)", media.infected, "infected", False),
                ("Scan failed", media.scan_failed, "scan-failed", media.can_rescan),
                ("Pending scan", media.pending, "pending", media.can_rescan),
            ],
        }

    def urls(self, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> list[URLPattern]:
        return [
            path(
                "queues/media/<uuid:media_id>/rescan/", wrap(self.rescan_view), name="dashboard_media_rescan"
            )
        ]

    def rescan_view(self, request: HttpRequest, media_id: Any) -> HttpResponse:
        """POST: put a media file's scan back on the queue (``media_pipeline.jobs.enqueue_scan``)."""
        from media_pipeline.models import MediaFile

        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm(RESCAN_PERMISSION):
            raise PermissionDenied
        enqueue = enqueue_scan()
        try:
            media = MediaFile.objects.get(pk=media_id)
        except MediaFile.DoesNotExist:
            raise NotFound(f"no media file {media_id}") from None
        if enqueue is None:
            messages.error(request, "Re-scan is not available: the media pipeline has no enqueue_scan().")
        elif media.status == MediaFile.Status.INFECTED:
            messages.warning(request, f"{media.original_name} is in quarantine: it is not scanned again.")
        else:
            try:
                enqueue(media)
            except Exception as exc:  # a broken queue must show as a message, not a 500
                logger.exception("re-scan of media file %s failed", media.pk)
                messages.error(request, f"The re-scan of {media.original_name} could not be queued: {exc}")
            else:
                messages.success(request, f"A new scan of {media.original_name} was queued.")
        return HttpResponseRedirect(self.url or "../../../")
