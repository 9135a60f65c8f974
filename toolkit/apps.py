from django.apps import AppConfig
from django.core import checks


class ToolkitConfig(AppConfig):
    name = "toolkit"
    verbose_name = "GraphQL toolkit"

    def ready(self) -> None:
        from toolkit import caching
        from toolkit.checks import check_configuration

        checks.register(check_configuration, "toolkit")
        caching.connect_signals()
