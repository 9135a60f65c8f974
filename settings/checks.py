"""System checks that guard the production settings (registered by ``settings.prod``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

#: Django's own rule for a usable key (``django.core.checks.security.base``).
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_UNIQUE_CHARACTERS = 5
INSECURE_PREFIXES = ("django-insecure",)
MIN_JWT_SIGNING_KEY_LENGTH = 32


def is_insecure_secret_key(key: str | None) -> bool:
    """True for a missing, short, low-entropy or development-only secret key."""
    if not key:
        return True
    return (
        len(key) < MIN_SECRET_KEY_LENGTH
        or len(set(key)) < MIN_SECRET_KEY_UNIQUE_CHARACTERS
        or key.startswith(INSECURE_PREFIXES)
    )


def check_production_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    if is_insecure_secret_key(getattr(settings, "SECRET_KEY", None)):
        errors.append(
            checks.Error(
                "SECRET_KEY is missing or insecure for production.",
                hint="Set the SECRET_KEY environment variable to a random value of at least "
                f"{MIN_SECRET_KEY_LENGTH} characters, e.g. from "
                "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`.",
                id="settings.E001",
            )
        )
    signing_key = getattr(settings, "JWT_SIGNING_KEY", "") or ""
    if len(signing_key) < MIN_JWT_SIGNING_KEY_LENGTH:
        errors.append(
            checks.Error(
                f"JWT_SIGNING_KEY is shorter than {MIN_JWT_SIGNING_KEY_LENGTH} characters.",
                hint="Set JWT_SIGNING_KEY to a long random value, or unset it to derive one from SECRET_KEY.",
                id="settings.E003",
            )
        )
    if settings.DEBUG:
        errors.append(
            checks.Error(
                "DEBUG is on in production.",
                hint="Unset DEBUG or set DEBUG=false in the environment.",
                id="settings.E002",
            )
        )
    return errors


def check_required_environment(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``settings.E004``: a variable production needs is unset (``DATABASE_URL``, ``ALLOWED_HOSTS``;
    ``SECRET_KEY`` is ``settings.E001``)."""
    from settings.environment import REQUIRED_IN_PRODUCTION, missing

    return [
        checks.Error(
            f"The environment variable {name} is not set; production needs it.",
            hint={
                "DATABASE_URL": "Set DATABASE_URL, e.g. postgres://user:password@db:5432/name "
                "(production does not fall back to the SQLite file).",
                "ALLOWED_HOSTS": "Set ALLOWED_HOSTS to the comma-separated host names the site is served as.",
            }.get(name, f"Set {name}."),
            id="settings.E004",
        )
        for name in missing(REQUIRED_IN_PRODUCTION)
    ]
