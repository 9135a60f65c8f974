"""The project's URLconf with media served as in DEBUG (settings/urls.py mounts it only then)."""

from media_pipeline.views import media_urlpatterns
from settings.urls import urlpatterns as project_urlpatterns

urlpatterns = [*project_urlpatterns, *media_urlpatterns()]
