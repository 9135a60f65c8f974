import atexit

from django.apps import AppConfig
from django.core import checks


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Dashboard"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from dashboard.checks import check_dashboard
        from dashboard.metrics.database import instrument
        from dashboard.metrics.recorder import flush, on_operation_executed
        from toolkit.signals import operation_executed

        operation_executed.connect(on_operation_executed, dispatch_uid="dashboard.metrics")
        checks.register(check_dashboard, "dashboard")
        connection_created.connect(instrument, dispatch_uid="dashboard.metrics.database")
        atexit.register(flush)  # best effort: the buffer of a process that stops cleanly
