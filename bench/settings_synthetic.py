"""Settings for ``python -m bench.schema_build``: the synthetic app exposed, nothing else."""

from settings.base import *  # noqa: F403
from settings.base import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.synthetic"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
TOOLKIT = {"APPS": ["synthetic"]}
