"""Root URLconf: the GraphQL endpoint, the Django admin (with django-rq's dashboard at
/admin/django_rq/ and ours at /admin/dashboard/dashboard/), the health checks and /metrics."""

from django.conf import settings
from django.contrib import admin
from django.urls import path, re_path

from dashboard.views import metrics_view
from media_pipeline.views import media_urlpatterns
from toolkit.health.views import ToolkitHealthCheckView
from toolkit.views import GraphQLView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("graphql/", GraphQLView.as_view(), name="graphql"),
    path("health/live/", ToolkitHealthCheckView.as_view(check_list="live"), name="health-live"),
    path("health/ready/", ToolkitHealthCheckView.as_view(check_list="ready"), name="health-ready"),
    # Prometheus; the dashboard itself is in the admin (/admin/dashboard/dashboard/).
    re_path(r"^metrics/?$", metrics_view, name="metrics"),
]

if settings.DEBUG:
    # Uploads are served only once scanned clean (media_pipeline.views.serve_media), never by static().
    urlpatterns += media_urlpatterns()
