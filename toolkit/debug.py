"""``extensions.debug``: what an operation cost, for developers and for staff in production.

With ``DEBUG`` on every response carries it. With ``DEBUG`` off, a staff user (``is_staff``)
who sends the header named by ``TOOLKIT["DEBUG_HEADER"]`` (default ``X-Debug``) with a true value
(``1``, ``true``, ``yes``, ``on``) gets it; anyone else sending the header gets nothing extra.

The extension holds the SQL statements (count, time, the text when ``TOOLKIT["DEBUG_SQL"]``),
the optimizer's plan per root field (``only``/``select_related``/``prefetch``/``annotate``,
nested per prefetched relation), cache hits (the result cache, and the parse and validation
caches of :mod:`toolkit.documents`) and timings.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core import checks

from toolkit.conf import get_config

TRUE_VALUES = frozenset({"1", "true", "yes", "on"})
HEADER_RE = re.compile(r"^[A-Za-z0-9-]+$")


def _header_meta_key(name: str) -> str:
    return "HTTP_" + name.upper().replace("-", "_")


def asked_for(request: Any) -> bool:
    """The request carries the debug header with a true value."""
    name = get_config()["DEBUG_HEADER"]
    if not name or request is None:
        return False
    value = str(request.META.get(_header_meta_key(name), "")).strip().lower()
    return value in TRUE_VALUES


def wants_debug(request: Any) -> bool:
    """``DEBUG`` is on, or a staff user asked with the debug header."""
    if settings.DEBUG:
        return True
    if not asked_for(request):
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_staff)


def extension(measured: Any, request: Any, result_cache: str) -> dict[str, Any]:
    """The ``extensions.debug`` object of one operation (``result_cache``: ``hit``, ``miss``
    or ``off``)."""
    debug = measured.as_debug(bool(get_config()["DEBUG_SQL"]))
    documents = getattr(request, "toolkit_document_cache", {}) or {}
    debug["cache"] = {
        "result": result_cache,
        "parse": "hit" if documents.get("parse") else "miss" if "parse" in documents else "off",
        "validation": "hit"
        if documents.get("validation")
        else "miss"
        if "validation" in documents
        else "off",
    }
    debug["plan"] = list(measured.plans or [])
    return debug


def check_debug_header(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``toolkit.E061``: ``TOOLKIT["DEBUG_HEADER"]`` is not a header name."""
    value = get_config()["DEBUG_HEADER"]
    if value == "" or (isinstance(value, str) and HEADER_RE.match(value)):
        return []
    return [
        checks.Error(
            f'TOOLKIT["DEBUG_HEADER"] must be a header name such as "X-Debug", or "", got {value!r}.',
            id="toolkit.E061",
        )
    ]
