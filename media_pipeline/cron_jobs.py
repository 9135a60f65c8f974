"""The media pipeline's scheduled jobs, registered by ``toolkit/cron.py`` (the scheduler process)."""

from media_pipeline.maintenance import requeue_stuck_scans

#: ``(function, keyword arguments of rq.cron.register)``; see docs/deployment.md.
CRON_JOBS = [(requeue_stuck_scans, {"cron": "*/15 * * * *"})]
