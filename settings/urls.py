"""Root URLconf: the GraphQL endpoint and the Django admin."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import path

from toolkit.views import GraphQLView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("graphql/", GraphQLView.as_view(), name="graphql"),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
