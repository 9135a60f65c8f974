"""Settings shared by every environment, read from the environment with django-environ.

Environment variables: ``DATABASE_URL`` (default: a SQLite file in the project), ``REDIS_URL``
(optional; enables the Redis cache and RQ workers), ``CLAMD_URL``, ``SECRET_KEY``, ``DEBUG``,
``ALLOWED_HOSTS``.
A ``.env`` file in the project root is read when present.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.crypto import salted_hmac

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

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
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
                connection_class=fakeredis.FakeConnection, server=fakeredis.FakeServer()
            )
        },
    }
RQ_QUEUES = {
    name: {**RQ_CONNECTION, "DEFAULT_TIMEOUT": 600} for name in ("default", "media", "cache_invalidation")
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
    "CLAMD_URL": env.str("CLAMD_URL", default="tcp://127.0.0.1:3310"),
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
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
