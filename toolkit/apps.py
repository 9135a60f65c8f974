from django.apps import AppConfig
from django.core import checks


class ToolkitConfig(AppConfig):
    name = "toolkit"
    verbose_name = "GraphQL toolkit"

    def ready(self) -> None:
        from toolkit import caching, debug, flags, observability
        from toolkit.checks import check_configuration
        from toolkit.security import audit

        checks.register(check_configuration, "toolkit")
        checks.register(flags.check_flags, "toolkit")
        checks.register(debug.check_debug_header, "toolkit")
        caching.connect_signals()
        flags.connect_signals()
        audit.connect_signals()
        observability.setup()
