"""The toolkit's execution context: the caller for every data access, and one transaction per
root mutation field, rolled back when it fails or is a dry run.

The caller (``context_value.user``) becomes :func:`toolkit.security.context.current_user` for the
whole operation, so scoping applies on every path even when the schema is executed from Python.

graphql-core resolves a mutation's payload (``book { authors { name } }``) after the resolver
returns; wrapping the whole field, payload included, lets ``dryRun`` return the objects as if they
were written and still roll everything back. Errors raised inside the field roll it back too.

Schema extensions (toolkit.extensions) wrap each root mutation field (outside its transaction: the
media pipeline deletes the files a rolled-back field stored) and see each list before its items
are resolved (to read what the items need in one query).
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from graphql import ExecutionContext

from toolkit import extensions
from toolkit.security import audit
from toolkit.security.context import acting_as, user_of


@dataclass
class FieldTransaction:
    rollback: bool = False


_current: ContextVar[FieldTransaction | None] = ContextVar("toolkit_field_transaction", default=None)


def defer_rollback() -> bool:
    """Ask for the current mutation field's transaction to be rolled back once its payload is
    resolved. False when not running under :class:`MutationExecutionContext`."""
    current = _current.get()
    if current is None:
        return False
    current.rollback = True
    return True


class MutationExecutionContext(ExecutionContext):
    """graphql-core's execution, as the request's user, with one transaction per root mutation field."""

    def execute_operation(self, operation: Any, root_value: Any) -> Any:
        user = user_of(self.context_value)
        # Audit events are held during the operation and stored after super().execute_operation,
        # once every field's transaction has ended: failed and dry-run mutations keep their rows.
        with audit.buffered(self.context_value):
            if user is None:
                return super().execute_operation(operation, root_value)
            with acting_as(user):
                return super().execute_operation(operation, root_value)

    def execute_field(self, parent_type: Any, source: Any, field_nodes: Any, path: Any) -> Any:
        if path.prev is not None or parent_type is not self.schema.mutation_type:
            return super().execute_field(parent_type, source, field_nodes, path)
        state = FieldTransaction()
        token = _current.set(state)
        errors_before = self._error_count()
        try:
            with contextlib.ExitStack() as wrappers:
                for extension in self._extensions("mutation_field"):
                    wrappers.enter_context(extension.mutation_field(self.context_value))
                with transaction.atomic():
                    result = super().execute_field(parent_type, source, field_nodes, path)
                    if state.rollback or self._error_count() > errors_before:
                        transaction.set_rollback(True)
        finally:
            _current.reset(token)
        return result

    def complete_list_value(
        self, return_type: Any, field_nodes: Any, info: Any, path: Any, result: Any
    ) -> Any:
        if isinstance(result, list) and result:
            for extension in self._extensions("prepare_rows"):
                extension.prepare_rows(result, info)
        return super().complete_list_value(return_type, field_nodes, info, path, result)

    _hooks: dict[str, list[Any]] | None = None

    def _extensions(self, hook: str) -> list[Any]:
        """The schema's extensions that implement ``hook``."""
        if self._hooks is None:
            self._hooks = {}
        cache = self._hooks
        if hook not in cache:
            cache[hook] = [e for e in extensions.of(self.schema) if extensions.overrides(e, hook)]
        return cache[hook]

    def _error_count(self) -> int:
        collected = getattr(self, "collected_errors", None)  # graphql-core >= 3.2.7
        return len(collected.errors if collected is not None else self.errors)
