"""The dashboard inside the Django admin (django-rq's pattern).

``Dashboard`` is an unmanaged model with only a ``view`` permission; its admin turns the
changelist into the overview and adds one page per panel through ``get_urls()``, each wrapped
in ``admin_site.admin_view`` (the admin login) and a check of ``dashboard.view_dashboard`` (403
for staff without it). No URLconf edit is needed: the pages live under
``/admin/dashboard/dashboard/``. The JSON status (``status.json``) is not wrapped: it takes a
bearer token too (``dashboard.views.status_view``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path

from dashboard import views
from dashboard.models import Dashboard
from dashboard.panels import BadParameter, NotFound, Panel, load_panels


@admin.register(Dashboard)
class DashboardAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return views.can_view(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return views.can_view(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def wrap(
        self, view: Callable[..., HttpResponse], panel: Panel | None = None
    ) -> Callable[..., HttpResponse]:
        """The admin login, the view permission, and 400/404 pages for bad input."""

        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not views.can_view(request.user):
                raise PermissionDenied
            request.dashboard_site = self.admin_site
            try:
                return view(request, *args, **kwargs)
            except BadParameter as exc:
                return views.message_page(request, panel, str(exc), 400)
            except NotFound as exc:
                return views.message_page(request, panel, str(exc), 404)

        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            request.current_app = self.admin_site.name
            return self.admin_site.admin_view(guarded)(request, *args, **kwargs)

        return wrapper

    def get_urls(self) -> list[URLPattern]:
        panels = load_panels()
        urls = [
            path("status.json", views.status_view, name="dashboard_status"),
            path("", self.wrap(self.changelist_view, panels[0]), name="dashboard_dashboard_changelist"),
        ]
        for panel in panels:
            urls.append(
                path(f"{panel.slug}/", self.wrap(self._page(panel), panel), name=f"dashboard_{panel.slug}")
            )
            urls += panel.urls(lambda view, panel=panel: self.wrap(view, panel))
        return urls

    @staticmethod
    def _page(panel: Panel) -> Callable[..., HttpResponse]:
        def page(request: HttpRequest) -> HttpResponse:
            return views.panel_page(request, panel)

        page.__name__ = f"{panel.slug}_page"
        return page

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The overview (the first panel)."""
        return views.panel_page(request, load_panels()[0])
