"""The scheduled jobs: ``python manage.py rqcron toolkit.cron`` (the ``scheduler`` process of the
Procfile; run exactly one per deployment). Each job is enqueued on the ``default`` queue and run
by the workers; the crontab equivalent is in docs/deployment.md.

| job | when |
|---|---|
| ``toolkit.health.jobs.run_health_checks`` (records, prunes and alerts) | every 60 s |
| ``toolkit.maintenance.prune_audit_events`` | daily, 03:15 UTC |
| ``toolkit.maintenance.clear_expired_sessions`` | daily, 03:25 UTC |
| ``toolkit.maintenance.flush_expired_tokens`` | daily, 03:35 UTC |

Other installed apps add theirs without the toolkit knowing them: an app's ``cron_jobs`` module
lists ``CRON_JOBS = [(function, {"cron": "*/15 * * * *"}), ...]`` (keyword arguments of
``rq.cron.register``; queue ``default`` unless given) — ``media_pipeline/cron_jobs.py`` queues
stuck scans again every 15 minutes.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from rq import cron

from toolkit import maintenance
from toolkit.health.jobs import run_health_checks

# The same registration as toolkit/health/cron.py (health only): rq clears its registry before it
# loads a configuration, and an already imported module would not register again.
cron.register(run_health_checks, queue_name="default", interval=60)
cron.register(maintenance.prune_audit_events, queue_name="default", cron="15 3 * * *")
cron.register(maintenance.clear_expired_sessions, queue_name="default", cron="25 3 * * *")
cron.register(maintenance.flush_expired_tokens, queue_name="default", cron="35 3 * * *")


def register_app_jobs() -> None:
    """Register the ``CRON_JOBS`` of every installed app's ``cron_jobs`` module."""
    for app in apps.get_app_configs():
        name = f"{app.name}.cron_jobs"
        if find_spec(name) is None:
            continue
        for function, options in import_module(name).CRON_JOBS:
            cron.register(function, **{"queue_name": "default", **options})


register_app_jobs()
