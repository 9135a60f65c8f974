"""The dashboard's views: panel pages (inside the admin), the JSON status and ``/metrics``.

Pages are wrapped by ``DashboardAdmin`` (admin login, ``dashboard.view_dashboard``). The two
machine endpoints are not: they accept a staff session with that permission, or a bearer token
(``STATUS_TOKEN`` / ``METRICS_TOKEN``) compared in constant time; otherwise 401 (no or a wrong
token) or 403 (a logged-in user without the permission).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache

from dashboard.conf import dashboard_config
from dashboard.panels import BadParameter, NotFound, Panel, get_panel, load_panels, to_json

PERMISSION = "dashboard.view_dashboard"


def can_view(user: Any) -> bool:
    return bool(user and user.is_active and user.is_staff and user.has_perm(PERMISSION))


def render_page(
    request: HttpRequest,
    panel: Panel,
    template: str,
    extra: dict[str, Any],
    *,
    title: str = "",
    status: int = 200,
) -> TemplateResponse:
    """A page in the admin's frame: its context (site header, user links), the panel tabs."""
    from dashboard.models import Dashboard

    site = getattr(request, "dashboard_site", None) or admin.site
    context = {
        **site.each_context(request),
        "title": title or panel.title,
        "panel": panel,
        "panels": load_panels(),
        "opts": Dashboard._meta,
        "app_label": "dashboard",
        **extra,
    }
    return TemplateResponse(request, template, context, status=status)


def panel_page(request: HttpRequest, panel: Panel) -> TemplateResponse:
    data = panel.data(request.GET)
    extra = {"data": data, **panel.context(data)}
    if panel.slug == "overview":
        extra["refresh_seconds"] = dashboard_config()["REFRESH_SECONDS"]
    return render_page(request, panel, panel.template, extra)


def message_page(request: HttpRequest, panel: Panel | None, message: str, status: int) -> TemplateResponse:
    panel = panel or load_panels()[0]
    titles = {400: "Bad request", 404: "Not found"}
    return render_page(
        request,
        panel,
        "dashboard/message.html",
        {"message": message, "status": status},
        title=titles.get(status, "Error"),
        status=status,
    )


# -- machine endpoints -----------------------------------------------------------------------------
def _unauthorized(message: str, error: str | None = None) -> JsonResponse:
    response = JsonResponse({"error": message}, status=401)
    response["WWW-Authenticate"] = f'Bearer error="{error}"' if error else 'Bearer realm="dashboard"'
    return response


def authorize(request: HttpRequest, token_key: str) -> HttpResponse | None:
    """``None`` when the request may read; else the 401/403 response to send."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() == "bearer":
            expected = str(dashboard_config()[token_key] or "")
            if expected and secrets.compare_digest(credentials.strip().encode(), expected.encode()):
                return None
            return _unauthorized("invalid token", "invalid_token")
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if can_view(user):
            return None
        return JsonResponse({"error": "the dashboard view permission is required"}, status=403)
    return _unauthorized("authentication required: a staff session or a bearer token")


@never_cache
def status_view(request: HttpRequest) -> HttpResponse:
    """JSON: the overview (``{"status": "ok", ...}``; HTTP 503 when it is ``error``), or one
    panel's data with ``?panel=<slug>`` and that panel's parameters."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    denied = authorize(request, "STATUS_TOKEN")
    if denied is not None:
        return denied
    slug = request.GET.get("panel") or load_panels()[0].slug
    try:
        panel = get_panel(slug)
    except KeyError:
        return JsonResponse(
            {"error": f"unknown panel {slug!r}", "panels": [p.slug for p in load_panels()]}, status=404
        )
    try:
        data = panel.data(request.GET)
    except BadParameter as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    except NotFound as exc:
        return JsonResponse({"error": str(exc)}, status=404)
    payload: dict[str, Any] = {"panel": slug, "data": to_json(data)}
    state = getattr(data, "state", None)
    if state is not None:
        payload["status"] = state
    return JsonResponse(payload, status=503 if state == "error" else 200)


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """``/metrics`` for Prometheus (text exposition format)."""
    from prometheus_client import CONTENT_TYPE_LATEST

    from dashboard.metrics.prometheus import exposition

    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    denied = authorize(request, "METRICS_TOKEN")
    if denied is not None:
        return denied
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
