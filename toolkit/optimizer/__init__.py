"""The query planner: reads a GraphQL selection and plans ``select_related``/``prefetch_related``
and count annotations so a query costs one SQL statement per relation level (``planner``), from
the selection as graphql-core executes it (``selection``).

``TOOLKIT["OPTIMIZER"]`` turns it on (the default); :func:`disabled` turns it off for a block of
code, which the test-suite uses to check that planning never changes a result.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from toolkit.conf import get_config

_disabled: ContextVar[bool] = ContextVar("toolkit_optimizer_disabled", default=False)


def is_enabled() -> bool:
    return bool(get_config()["OPTIMIZER"]) and not _disabled.get()


@contextmanager
def disabled() -> Iterator[None]:
    token = _disabled.set(True)
    try:
        yield
    finally:
        _disabled.reset(token)
