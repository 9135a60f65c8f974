"""gunicorn configuration: ``gunicorn --config python:settings.gunicorn settings.wsgi:application``
(the ``web`` entry of the Procfile).

Sized from the machine: ``WEB_CONCURRENCY`` worker processes (default 2 x CPUs + 1, at most 8
unless set) of ``GUNICORN_THREADS`` threads each (default 4, gthread workers, so a slow client or
a slow query does not hold a whole process). Timeouts: ``GUNICORN_TIMEOUT`` seconds per request
(default 30, above the toolkit's 10 s operation budget), 30 s for a graceful restart, 5 s
keep-alive behind a proxy. Workers are recycled after about 1000 requests.

Logs: gunicorn's error log and the access log are JSON lines in the same shape as the
application's (toolkit/observability/logging.py); each access line carries the request id that
the application returned in ``X-Request-ID``. The environment is checked before anything starts:
an unusable variable stops the server with one line naming it.
"""

from __future__ import annotations

import multiprocessing
import os
import sys

from settings.environment import check_environment

MAX_DEFAULT_WORKERS = 8


def default_workers(cpus: int | None = None) -> int:
    """2 x CPUs + 1 (gunicorn's rule of thumb), capped at 8 unless ``WEB_CONCURRENCY`` says more."""
    cpus = cpus or multiprocessing.cpu_count()
    return min(2 * cpus + 1, MAX_DEFAULT_WORKERS)


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


# Checked when gunicorn reads this file (before the master starts): one line, no traceback.
try:
    check_environment()
except Exception as exc:  # InvalidEnvironment: print one line rather than gunicorn's traceback
    sys.exit(f"error: {exc}")

bind = [f"{os.environ.get('HOST', '0.0.0.0')}:{_int('PORT', 8000)}"]
workers = _int("WEB_CONCURRENCY", default_workers())
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30
keepalive = 5
max_requests = 1000
max_requests_jitter = 100
#: The proxy in front (compose: none; a load balancer in production) sets X-Forwarded-*.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
#: Reload on code changes: only for local development (``make run`` sets it).
reload = os.environ.get("GUNICORN_RELOAD", "") == "1"
#: Temporary files of workers' heartbeats in memory, not on a container's overlay filesystem.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(D)sus %({x-request-id}o)s "%(a)s"'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "toolkit.observability.logging.JsonFormatter"},
        "access": {"()": "toolkit.observability.logging.AccessJsonFormatter"},
    },
    "handlers": {
        "error_console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        },
        "console": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout"},
    },
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
}
