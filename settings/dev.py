"""Local development: DEBUG on unless the environment says otherwise, GraphiQL enabled."""

from .base import *  # noqa: F403
from .base import LOGGING, env

DEBUG = env.bool("DEBUG", default=True)
#: Log lines for people (``LOG_FORMAT=json`` for the production format).
LOG_FORMAT = env.str("LOG_FORMAT", default="text").lower()
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT
