"""What an operation costs — SQL statements, SQL time, total time — and its time budget.

The view measures every operation with :func:`measuring`; the figures go to the request (for the
metrics) and, in DEBUG, to ``extensions.debug`` of the response. The budget
(``TOOLKIT["OPERATION_TIMEOUT"]`` seconds) is checked before each list or relation is fetched, and
on PostgreSQL every statement also gets ``statement_timeout`` (``TOOLKIT["STATEMENT_TIMEOUT_MS"]``).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection, transaction

from toolkit.conf import get_config
from toolkit.exceptions import Timeout

#: PostgreSQL's SQLSTATE for "canceling statement due to statement timeout".
QUERY_CANCELED = "57014"


@dataclass
class OperationStats:
    started: float = field(default_factory=time.perf_counter)
    finished: float | None = None
    deadline: float | None = None
    sql_count: int = 0
    sql_seconds: float = 0.0
    statements: list[str] = field(default_factory=list)
    cache_hit: bool = False
    timed_out: bool = False
    #: A statement failed: on PostgreSQL the operation's transaction must be rolled back.
    database_error: bool = False
    #: The optimizer's plans, one per planned root field (None: not recorded; see toolkit.debug).
    plans: list[dict[str, Any]] | None = None

    @property
    def total_seconds(self) -> float:
        return (self.finished or time.perf_counter()) - self.started

    def as_debug(self, with_sql: bool) -> dict[str, Any]:
        debug: dict[str, Any] = {
            "sql": {"count": self.sql_count, "timeMs": round(self.sql_seconds * 1000, 2)},
            "timings": {"totalMs": round(self.total_seconds * 1000, 2)},
            "cacheHit": self.cache_hit,
        }
        if with_sql:
            debug["sql"]["statements"] = self.statements
        return debug


_current: ContextVar[OperationStats | None] = ContextVar("toolkit_operation_stats", default=None)


def current() -> OperationStats | None:
    return _current.get()


def plan_log() -> list[dict[str, Any]] | None:
    """Where the optimizer records its plans for ``extensions.debug`` (None: not asked for)."""
    stats = _current.get()
    return None if stats is None else stats.plans


def check_deadline() -> None:
    """Raise Timeout once the operation has used up its budget (called before each fetch)."""
    stats = _current.get()
    if stats is not None and stats.deadline is not None and time.perf_counter() > stats.deadline:
        stats.timed_out = True
        raise Timeout(f"The operation took longer than {get_config()['OPERATION_TIMEOUT']} seconds.")


@contextmanager
def measuring(keep_statements: bool = False, keep_plans: bool = False) -> Iterator[OperationStats]:
    budget = get_config()["OPERATION_TIMEOUT"]
    stats = OperationStats(plans=[] if keep_plans else None)
    stats.deadline = stats.started + budget if budget else None
    token = _current.set(stats)

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        except DatabaseError as error:
            stats.database_error = True
            stats.timed_out = stats.timed_out or is_statement_timeout(error)
            raise
        finally:
            stats.sql_seconds += time.perf_counter() - began
            if is_data_query(sql):
                stats.sql_count += 1
                if keep_statements:
                    stats.statements.append(sql)

    try:
        with connection.execute_wrapper(wrapper):
            yield stats
    finally:
        stats.finished = time.perf_counter()
        _current.reset(token)


@contextmanager
def statement_timeout() -> Iterator[None]:
    """On PostgreSQL, run the operation in a transaction whose statements time out."""
    milliseconds = get_config()["STATEMENT_TIMEOUT_MS"]
    if connection.vendor != "postgresql" or not milliseconds:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [str(int(milliseconds))])
        yield
        if _transaction_failed():
            transaction.set_rollback(True)  # a statement failed outside any savepoint


def _transaction_failed() -> bool:
    """PostgreSQL refuses everything after an error until the transaction (or its savepoint)
    is rolled back; errors a savepoint already undid leave it usable."""
    from psycopg import pq

    raw = connection.connection
    return raw is not None and raw.info.transaction_status == pq.TransactionStatus.INERROR


def is_statement_timeout(error: BaseException) -> bool:
    cause = getattr(error, "__cause__", None) or error
    return (
        getattr(cause, "sqlstate", None) == QUERY_CANCELED
        or getattr(getattr(cause, "diag", None), "sqlstate", None) == QUERY_CANCELED
    )


# -- which resolver ran which statement -------------------------------------------------------------
#: Statements that are bookkeeping, not data queries.
#: Statements that read or write no data: savepoints and the statement timeout.
NOT_DATA = (
    "SAVEPOINT",
    "RELEASE SAVEPOINT",
    "ROLLBACK TO SAVEPOINT",
    "SELECT set_config('statement_timeout'",
)


def resolver_path() -> str:
    """The GraphQL path being resolved by the calling code (``books[].authors``), or ``-``.

    Read from graphql-core's ``execute_field`` frame, so it costs nothing unless asked for."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "execute_field" and "path" in frame.f_locals:
            return _format(frame.f_locals["path"].as_list())
        frame = frame.f_back
    return "-"


def _format(keys: list[Any]) -> str:
    text = ""
    for key in keys:
        if isinstance(key, int):
            if not text.endswith("[]"):
                text += "[]"
        else:
            text += ("." if text else "") + str(key)
    return text


def is_data_query(sql: str) -> bool:
    """Not a savepoint, nor the statement timeout :func:`statement_timeout` sets."""
    return not sql.startswith(NOT_DATA)


@contextmanager
def attributing() -> Iterator[Counter]:
    """Count the data statements run in the block, by resolver path."""
    counts: Counter = Counter()

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if is_data_query(sql):
            counts[resolver_path()] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield counts


def describe(counts: Counter, budget: int | None = None) -> str:
    total = sum(counts.values())
    head = f"{total} SQL statements" + (f", budget {budget}" if budget is not None else "") + ":"
    return "\n".join([head, *(f"  {count:>4}  {path}" for path, count in counts.most_common())])
