"""RQ cron configuration: the alternative to a crontab line (see docs/operations.md).

Run ``manage.py rqcron toolkit.health.cron`` next to ``manage.py rqworker default``; every
minute it enqueues ``toolkit.health.jobs.run_health_checks`` on the ``default`` queue.
"""

from rq import cron

from toolkit.health.jobs import run_health_checks

cron.register(run_health_checks, queue_name="default", interval=60)
