"""Schema lifecycle: export, snapshot, diff, check and operation validation.

Plain modules that ``manage.py graphql`` (``toolkit/management/commands/graphql.py``) renders:
``sdl`` (printing, hashing, parsing), ``versions`` (the ``SchemaVersion`` table), ``sources``
(what ``current``/``latest``/``3``/``file.graphql`` mean), ``snapshots`` (record and check),
``diff`` (breaking/dangerous/safe changes), ``operations`` (client documents) and ``render``
(text, JSON and Markdown for all of them). Failures raise :class:`LifecycleError` with the
exit code documented in docs/operations.md.
"""

from toolkit.lifecycle.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_NOT_MIGRATED, LifecycleError

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_NOT_MIGRATED", "LifecycleError"]
