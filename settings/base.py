"""Settings shared by every environment, read from the environment with django-environ.

Environment variables: ``DATABASE_URL`` (default: a SQLite file in the project), ``REDIS_URL``
(optional; enables the Redis cache and RQ workers), ``CLAMD_URL``, ``SECRET_KEY``, ``DEBUG``,
``ALLOWED_HOSTS``, and the rest listed in ``settings/environment.py`` (each checked before use).
A ``.env`` file in the project root is read when present.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.crypto import salted_hmac

from settings.environment import check_environment
from toolkit.observability.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

#: Every variable read below is checked first: an unusable value stops the process with one
#: readable error naming it (settings/environment.py, docs/configuration.md).
check_environment()

#: Only for local development; ``settings.prod`` refuses to start with it (check ``settings.E001``).
INSECURE_DEV_SECRET_KEY = "django-insecure-local-development-key-do-not-use-in-production"

SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_DEV_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "graphene_django",
    "health_check",
    "django_rq",
    "rest_framework_simplejwt.token_blacklist",
    "toolkit",
    "dashboard",
    "media_pipeline",
    "demo",
]

MIDDLEWARE = [
    #: X-Request-ID in, out and on every log line (first: even refusals carry it; docs/deployment.md).
    "toolkit.observability.middleware.RequestIdMiddleware",
    #: django-prometheus: request counts and latencies for /metrics (first and last, docs/dashboard.md).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    #: Static files served by the app server itself (collected into STATIC_ROOT in the image).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "settings.urls"
WSGI_APPLICATION = "settings.wsgi.application"
ASGI_APPLICATION = "settings.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="") or None
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

#: RQ queues (django-rq). With ``REDIS_URL`` jobs go to Redis for ``manage.py rqworker``; without
#: it they run synchronously in the process, against an in-memory fakeredis (nothing to set up).
if REDIS_URL:
    RQ_CONNECTION: dict = {"URL": REDIS_URL}
else:
    import fakeredis
    import redis

    RQ_CONNECTION = {
        "HOST": "fakeredis",
        "PORT": 0,
        "ASYNC": False,
        "REDIS_CLIENT_KWARGS": {
            "connection_pool": redis.ConnectionPool(
                connection_class=fakeredis.FakeRedisConnection, server=fakeredis.FakeServer()
            )
        },
    }
RQ_QUEUES = {
    name: {**RQ_CONNECTION, "DEFAULT_TIMEOUT": 600} for name in ("default", "media", "cache_invalidation")
}
#: Jobs carry the enqueuing request's id and are retried when they fail or their worker dies;
#: workers log with the job's context and recover jobs of dead workers (toolkit/workers.py).
RQ = {
    "QUEUE_CLASS": "toolkit.workers.Queue",
    "JOB_CLASS": "toolkit.workers.Job",
    "WORKER_CLASS": "toolkit.workers.Worker",
    #: For jobs enqueued without their own ``Retry``: retries and the seconds before each.
    "DEFAULT_RETRY": {"max": 3, "intervals": []},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
#: Infected uploads are moved here: outside MEDIA_ROOT and without a URL (docs/media.md).
QUARANTINE_ROOT = env.path("QUARANTINE_ROOT", default=BASE_DIR / "quarantine")

#: Media files go through Django's storage API. ``AWS_STORAGE_BUCKET_NAME`` switches the default
#: storage to S3 (or any S3-compatible server via ``AWS_S3_ENDPOINT_URL``; credentials from the
#: usual AWS environment variables); the quarantine stays a private local directory.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "quarantine": {
        "BACKEND": "media_pipeline.storage.QuarantineStorage",
        "OPTIONS": {"location": QUARANTINE_ROOT},
    },
}
if env.str("AWS_STORAGE_BUCKET_NAME", default=""):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "default_acl": None,
            "querystring_auth": env.bool("AWS_QUERYSTRING_AUTH", default=True),
            "file_overwrite": False,
        },
    }

GRAPHENE = {"SCHEMA": None}

#: JSON Web Tokens (djangorestframework-simplejwt's token classes; docs/security.md). The signing
#: key is separate from SECRET_KEY so either can be rotated alone; by default it is derived from it.
JWT_SIGNING_KEY = (
    env.str("JWT_SIGNING_KEY", default="")
    or salted_hmac("toolkit.jwt", "signing-key", secret=SECRET_KEY, algorithm="sha256").hexdigest()
)
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}

#: The toolkit's one settings object; every key and its default is documented in
#: ``toolkit/conf.py`` and ``docs/configuration.md``.
TOOLKIT = {
    "APPS": ["demo"],
    #: The roles whose view of the API is checked in (docs/schema/roles/, `graphql export --role`).
    "ROLES": {
        "anonymous": {},
        "member": {"authenticated": True},
        "staff": {"staff": True},
        "partner-manager": {"staff": True, "permissions": ["demo.view_partneraccount"]},
        "superuser": {"superuser": True},
    },
    #: Read results are cached and dropped by model signals (docs/performance.md).
    "RESULT_CACHE": {"enabled": env.bool("RESULT_CACHE", default=True), "timeout": 300},
    #: Unset: uploads are scanned by the built-in test scanner (EICAR only); settings.prod refuses it.
    "CLAMD_URL": env.str("CLAMD_URL", default=""),
    #: Uploads, scanning, thumbnails and URLs (docs/media.md); unset keys keep their defaults.
    "MEDIA": {
        "CDN_URL": env.str("MEDIA_CDN_URL", default=""),
        "SIGNED_URLS": {"enabled": env.bool("MEDIA_SIGNED_URLS", default=False), "expires": 3600},
    },
    #: GraphQL uploads (docs/uploads.md): upload mutations, ``Upload`` inputs, ``FileInfo.status``.
    "SCHEMA_EXTENSIONS": ["media_pipeline.schema.MediaSchemaExtension"],
    #: /health/live/ and /health/ready/ (and ``manage.py run_health_checks``); docs/operations.md
    "HEALTH_CHECKS": {
        "live": ["health_check.checks.Database"],
        "ready": [
            "health_check.checks.Database",
            "health_check.checks.Cache",
            "health_check.checks.Storage",
            "toolkit.health.checks.Redis",
            "toolkit.health.checks.RQWorkers",
            ["toolkit.health.checks.RQQueues", {"max_queued": 1000, "max_failed": 10}],
            "toolkit.health.checks.Clamd",
            "toolkit.health.checks.SchemaSnapshot",
            "toolkit.health.checks.Migrations",
        ],
    },
    #: The admin dashboard and /metrics (docs/dashboard.md): bearer tokens for uptime robots and
    #: Prometheus; unset, only staff sessions with the dashboard's view permission get in.
    "DASHBOARD": {
        "STATUS_TOKEN": env.str("DASHBOARD_STATUS_TOKEN", default=""),
        "METRICS_TOKEN": env.str("METRICS_TOKEN", default=""),
    },
}

#: One JSON object per line on standard error (``LOG_FORMAT=text`` for people), with the request
#: id, GraphQL operation, user and job of the work being done, secrets redacted (docs/deployment.md).
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOG_FORMAT = env.str("LOG_FORMAT", default="json").lower()
LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)

#: Error reporting (toolkit/observability/sentry.py): on when SENTRY_DSN is set; no personal data.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="")
SENTRY_RELEASE = env.str("SENTRY_RELEASE", default="")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
