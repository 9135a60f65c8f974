"""Media pipeline: uploads validated by content, scanned by clamd and thumbnailed on RQ workers."""

from django.apps import AppConfig


class MediaPipelineConfig(AppConfig):
    name = "media_pipeline"
    verbose_name = "Media pipeline"

    def ready(self) -> None:
        from django.core import checks

        from media_pipeline import signals
        from media_pipeline.checks import check_media_settings

        signals.connect()
        checks.register(check_media_settings)
