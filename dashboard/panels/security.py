"""Security: failed logins, rejected tokens, rate-limit hits, permission denials and limit
rejections over time (from the audit log, ``toolkit.models.AuditEvent``), and the log itself."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db import DatabaseError
from django.db.models import Count
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone

from dashboard import charts
from dashboard.panels.base import BadParameter, Panel, Tile

#: The charted categories and the audit events each one counts (toolkit.security.audit).
CATEGORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "failed_logins": ("Failed logins", ("login_failed",)),
    "rejected_tokens": ("Rejected tokens", ("token_rejected", "refresh_failed")),
    "rate_limited": ("Rate-limit hits", ("rate_limited",)),
    "permission_denied": ("Permission denials", ("permission_denied",)),
    "limit_exceeded": ("Limit rejections", ("limit_exceeded",)),
}
EVENTS = (
    "mutation", "login_ok", "login_failed", "token_refreshed", "refresh_failed", "token_revoked",
    "token_rejected", "permission_denied", "limit_exceeded", "rate_limited",
)  # fmt: skip
WINDOWS = {
    "24h": ("last 24 hours", datetime.timedelta(hours=24), "hour"),
    "7d": ("last 7 days", datetime.timedelta(days=7), "day"),
}
PAGE_SIZE = 50


@dataclass
class AuditRow:
    id: int
    created_at: datetime.datetime
    event: str
    username: str
    user_id: str
    ip: str | None
    model: str
    ok: bool | None
    details: dict[str, Any]


@dataclass
class SecurityData:
    window: str
    window_label: str
    #: Per category key: events in the window.
    totals: dict[str, int]
    #: ``[(bucket start, {category: count})]``, oldest first (hours for 24 h, days for 7 d).
    series: list[tuple[datetime.datetime, dict[str, int]]]
    filters: dict[str, str]
    events: list[AuditRow] = field(default_factory=list)
    page: int = 1
    pages: int = 1
    matching: int = 0
    error: str = ""

    @property
    def empty(self) -> bool:
        return not any(self.totals.values())


def _start(now: datetime.datetime, unit: str, span: datetime.timedelta) -> list[datetime.datetime]:
    if unit == "hour":
        current = now.replace(minute=0, second=0, microsecond=0)
        step = datetime.timedelta(hours=1)
    else:
        current = now.replace(hour=0, minute=0, second=0, microsecond=0)
        step = datetime.timedelta(days=1)
    count = int(span / step)
    return [current - step * i for i in range(count - 1, -1, -1)]


def _filters(params: Mapping[str, str]) -> dict[str, str]:
    filters = {key: (params.get(key) or "").strip() for key in ("event", "user", "ip", "ok")}
    if filters["event"] and filters["event"] not in EVENTS:
        raise BadParameter(f"unknown event {filters['event']!r}: use one of {', '.join(EVENTS)}")
    if filters["ok"] not in ("", "yes", "no"):
        raise BadParameter("ok must be 'yes' or 'no'")
    return filters


class SecurityPanel(Panel):
    slug = "security"
    title = "Security"
    template = "dashboard/security.html"

    def data(self, params: Mapping[str, str]) -> SecurityData:
        from toolkit.models import AuditEvent

        key = params.get("window") or "24h"
        if key not in WINDOWS:
            raise BadParameter(f"unknown window {key!r}: use one of {', '.join(WINDOWS)}")
        label, span, unit = WINDOWS[key]
        filters = _filters(params)
        try:
            page_number = max(1, int(params.get("page") or 1))
        except ValueError:
            raise BadParameter("page must be a number") from None
        now = timezone.now()
        starts = _start(now, unit, span)
        data = SecurityData(
            key,
            label,
            dict.fromkeys(CATEGORIES, 0),
            [(s, dict.fromkeys(CATEGORIES, 0)) for s in starts],
            filters,
        )
        category_of = {event: category for category, (_, events) in CATEGORIES.items() for event in events}
        trunc = TruncHour if unit == "hour" else TruncDay
        try:
            counted = (
                AuditEvent.objects.filter(created_at__gte=starts[0], event__in=list(category_of))
                .annotate(bucket=trunc("created_at", tzinfo=datetime.UTC))
                .values("bucket", "event")
                .annotate(n=Count("pk"))
                .order_by()
            )
            index = dict(data.series)
            for row in counted:
                category = category_of[row["event"]]
                data.totals[category] += row["n"]
                bucket = index.get(row["bucket"])
                if bucket is not None:
                    bucket[category] += row["n"]
            log = AuditEvent.objects.order_by("-created_at", "-id")
            if filters["event"]:
                log = log.filter(event=filters["event"])
            if filters["user"]:
                log = log.filter(username__icontains=filters["user"]) | log.filter(user_id=filters["user"])
            if filters["ip"]:
                log = log.filter(ip=filters["ip"]) if _is_ip(filters["ip"]) else log.none()
            if filters["ok"]:
                log = log.filter(ok=filters["ok"] == "yes")
            paginator = Paginator(log, PAGE_SIZE)
            page = paginator.get_page(page_number)
            data.page, data.pages, data.matching = page.number, paginator.num_pages, paginator.count
            data.events = [
                AuditRow(e.id, e.created_at, e.event, e.username, e.user_id, e.ip, e.model, e.ok, e.details)
                for e in page.object_list
            ]
        except DatabaseError as exc:
            data.error = f"the audit log cannot be read: {str(exc).splitlines()[0]}"
        return data

    def context(self, data: SecurityData) -> dict[str, Any]:
        fmt = "%H:00" if data.window == "24h" else "%a %d"
        labels = [start.strftime(fmt) for start, _ in data.series]
        return {
            "windows": {k: v[0] for k, v in WINDOWS.items()},
            "events_choices": EVENTS,
            "categories": [(key, label, data.totals[key]) for key, (label, _) in CATEGORIES.items()],
            "chart": charts.bar_chart(
                labels,
                [
                    (label, [counts[key] for _, counts in data.series])
                    for key, (label, _) in CATEGORIES.items()
                ],
                label=f"Security events per {'hour' if data.window == '24h' else 'day'}",
            ),
            "audit_admin_url": _admin_changelist(),
            "query_without_page": urlencode(
                {"window": data.window, **{k: v for k, v in data.filters.items() if v}}
            )
            + "&",
        }

    def tiles(self) -> list[Tile]:
        from toolkit.models import AuditEvent

        since = timezone.now() - datetime.timedelta(hours=24)
        url = self.url
        try:
            counts = dict(
                AuditEvent.objects.filter(
                    created_at__gte=since,
                    event__in=[e for _, (_, events) in CATEGORIES.items() for e in events],
                )
                .values_list("event")
                .annotate(n=Count("pk"))
                .order_by()
            )
        except DatabaseError as exc:
            return [Tile("security", "Security (24 h)", "unknown", "unknown", url, str(exc).splitlines()[0])]
        totals = {key: sum(counts.get(e, 0) for e in events) for key, (_, events) in CATEGORIES.items()}
        detail = ", ".join(f"{totals[key]} {label.lower()}" for key, (label, _) in CATEGORIES.items())
        return [
            Tile(
                "security",
                "Security events (24 h)",
                str(sum(totals.values())),
                "ok",
                url,
                detail,
                sum(totals.values()),
            )
        ]

    def text(self, data: SecurityData) -> str:
        lines = [f"Security events, {data.window_label}:"]
        lines += [f"  {label:<20} {data.totals[key]:>6}" for key, (label, _) in CATEGORIES.items()]
        lines.append(f"Audit log: {data.matching} matching events")
        lines += [
            f"  {e.created_at:%Y-%m-%d %H:%M:%S} {e.event:<18} {e.username or e.user_id or '-':<16} {e.ip or '-'}"
            for e in data.events[:20]
        ]
        return "\n".join(lines) + "\n"


def _is_ip(value: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _admin_changelist() -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("admin:toolkit_auditevent_changelist")
    except NoReverseMatch:
        return ""
