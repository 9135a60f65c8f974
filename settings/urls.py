"""Root URLconf: the GraphQL endpoint, the Django admin (with django-rq's dashboard at
/admin/django_rq/) and the health checks."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import path

from toolkit.health.views import ToolkitHealthCheckView
from toolkit.views import GraphQLView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("graphql/", GraphQLView.as_view(), name="graphql"),
    path("health/live/", ToolkitHealthCheckView.as_view(check_list="live"), name="health-live"),
    path("health/ready/", ToolkitHealthCheckView.as_view(check_list="ready"), name="health-ready"),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
