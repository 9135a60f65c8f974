"""Every environment variable the project reads, checked once before the settings use them.

:data:`VARIABLES` is the one list (``docs/configuration.md`` documents each, a test keeps the two
in step). :func:`check_environment` runs at the top of ``settings/base.py``: a variable that is
set but unusable (``DEBUG=maybe``, ``JWT_ACCESS_MINUTES=abc``, ``DATABASE_URL=mysq://...``) stops
the process with one readable error naming it — :class:`InvalidEnvironment`, which ``manage.py``
and the gunicorn configuration print as a single line. Variables that production requires
(``DATABASE_URL``, ``ALLOWED_HOSTS``, and a strong ``SECRET_KEY``) are system checks of
``settings.prod`` (``settings.E001``, ``settings.E004``), so ``manage.py check`` lists them.

An empty value counts as unset. Pure Python: importable before Django is configured.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE = frozenset({"1", "true", "yes", "on", "y", "t"})
FALSE = frozenset({"0", "false", "no", "off", "n", "f"})
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class InvalidEnvironment(ImproperlyConfigured):
    """One or more environment variables are set to values the project cannot use."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        if len(problems) == 1:
            message = f"Invalid environment variable {problems[0]}"
        else:
            message = f"Invalid environment variables: {'; '.join(problems)}"
        super().__init__(message)


# -- value checks: each returns None when the value is fine, else what is wrong ------------------


def boolean(value: str) -> str | None:
    if value.strip().lower() in TRUE | FALSE:
        return None
    return "must be true or false (also 1/0, yes/no, on/off)"


def positive_int(value: str) -> str | None:
    try:
        return None if int(value) > 0 else "must be a whole number greater than 0"
    except ValueError:
        return "must be a whole number greater than 0"


def non_negative_int(value: str) -> str | None:
    try:
        return None if int(value) >= 0 else "must be a whole number, 0 or more"
    except ValueError:
        return "must be a whole number, 0 or more"


def fraction(value: str) -> str | None:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    return None if 0.0 <= number <= 1.0 else "must be a number between 0 and 1"


def one_of(*choices: str, case: bool = False) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        candidate = value if case else value.upper()
        allowed = choices if case else tuple(c.upper() for c in choices)
        return None if candidate in allowed else f"must be one of {', '.join(choices)}"

    return check


def url(*schemes: str, port: bool = True) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        try:
            parts = urlsplit(value)
            if port:
                parts.port  # noqa: B018  (raises ValueError for a non-numeric port)
        except ValueError:
            return "is not a valid URL"
        if parts.scheme not in schemes:
            return f"must be a URL starting with {' or '.join(s + '://' for s in schemes)}"
        if parts.scheme in ("http", "https", "redis", "rediss", "tcp") and not parts.hostname:
            return "must name a host"
        return None

    return check


def database_url(value: str) -> str | None:
    import environ

    scheme = urlsplit(value).scheme
    if scheme not in environ.Env.DB_SCHEMES:
        known = ", ".join(
            sorted(s for s in environ.Env.DB_SCHEMES if s in ("postgres", "postgresql", "sqlite"))
        )
        return f"must be a database URL (scheme {known}, ...)"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            environ.Env.db_url_config(value)
    except Exception as exc:
        return f"is not a valid database URL ({exc})"
    return None


def host_list(value: str) -> str | None:
    hosts = [h.strip() for h in value.split(",")]
    if not all(hosts) or any(" " in h for h in hosts):
        return "must be a comma-separated list of host names, without empty entries"
    return None


def anything(value: str) -> str | None:
    return None


@dataclass(frozen=True)
class Variable:
    name: str
    check: Callable[[str], str | None]
    #: The value is a secret: error messages do not repeat it.
    secret: bool = False


VARIABLES: tuple[Variable, ...] = (
    # Django and the database
    Variable("SECRET_KEY", anything, secret=True),
    Variable("DEBUG", boolean),
    Variable("ALLOWED_HOSTS", host_list),
    Variable("DATABASE_URL", database_url, secret=True),
    Variable("REDIS_URL", url("redis", "rediss", "unix"), secret=True),
    Variable("MEDIA_ROOT", anything),
    Variable("STATIC_ROOT", anything),
    Variable("QUARANTINE_ROOT", anything),
    Variable("SECURE_SSL_REDIRECT", boolean),
    Variable("SECURE_HSTS_SECONDS", non_negative_int),
    # authentication
    Variable("JWT_SIGNING_KEY", anything, secret=True),
    Variable("JWT_ACCESS_MINUTES", positive_int),
    Variable("JWT_REFRESH_DAYS", positive_int),
    # the toolkit and its services
    Variable("RESULT_CACHE", boolean),
    Variable("CLAMD_URL", url("tcp", "unix")),
    Variable("MEDIA_SIGNED_URLS", boolean),
    Variable("MEDIA_CDN_URL", url("http", "https")),
    Variable("AWS_STORAGE_BUCKET_NAME", anything),
    Variable("AWS_S3_ENDPOINT_URL", url("http", "https")),
    Variable("AWS_S3_REGION_NAME", anything),
    Variable("AWS_QUERYSTRING_AUTH", boolean),
    # logging and error reporting
    Variable("LOG_LEVEL", one_of(*LOG_LEVELS)),
    Variable("LOG_FORMAT", one_of("json", "text", case=True)),
    Variable("SENTRY_DSN", url("http", "https"), secret=True),
    Variable("SENTRY_ENVIRONMENT", anything),
    Variable("SENTRY_RELEASE", anything),
    Variable("SENTRY_TRACES_SAMPLE_RATE", fraction),
    # the web server (settings/gunicorn.py)
    Variable("PORT", positive_int),
    Variable("WEB_CONCURRENCY", positive_int),
    Variable("GUNICORN_THREADS", positive_int),
    Variable("GUNICORN_TIMEOUT", positive_int),
)

#: Required by ``settings.prod`` (reported by the ``settings.E004`` system check).
REQUIRED_IN_PRODUCTION = ("DATABASE_URL", "ALLOWED_HOSTS")


def problems(environ: Mapping[str, str] | None = None) -> list[str]:
    """``NAME=value: what is wrong`` for each variable set to an unusable value."""
    environ = os.environ if environ is None else environ
    found = []
    for variable in VARIABLES:
        value = environ.get(variable.name, "")
        if value == "":
            continue
        problem = variable.check(value)
        if problem:
            shown = "(value hidden)" if variable.secret else repr(value)
            found.append(f"{variable.name}={shown}: {problem}")
    return found


def check_environment(environ: Mapping[str, str] | None = None) -> None:
    """Raise :class:`InvalidEnvironment` naming every variable set to an unusable value."""
    found = problems(environ)
    if found:
        raise InvalidEnvironment(found)


def missing(names: tuple[str, ...], environ: Mapping[str, str] | None = None) -> list[str]:
    """The variables of ``names`` that are unset or empty."""
    environ = os.environ if environ is None else environ
    return [name for name in names if not environ.get(name, "").strip()]
