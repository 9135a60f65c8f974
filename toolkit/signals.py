"""Signals other apps connect to (the dashboard's metrics, structured logging, ...).

``operation_executed`` is sent once per GraphQL operation the view handled, after the response
body is known, with keyword arguments:

- ``request``: the ``HttpRequest``;
- ``operation_name``: the operation's name, or ``None`` for an anonymous operation;
- ``operation_type``: ``"query"``, ``"mutation"``, ``"subscription"`` or ``None`` when the
  document could not be parsed;
- ``duration``: seconds spent in the view on this operation;
- ``sql_count``: data statements it ran, savepoints and the statement timeout not counted (0 for
  a cached or refused operation);
- ``status``: ``"ok"`` (no errors), ``"error"`` (errors in the result) or ``"refused"`` (rejected
  before execution: parse/validation errors, limits, rate limits);
- ``http_status``: the HTTP status of the response (per operation for batches);
- ``error_codes``: the ``extensions.code`` of each error, in order;
- ``cache_hit``: the result came from the result cache.

Receivers must be cheap and must not raise: the signal is sent with ``send_robust`` and a
failing receiver is logged, never shown to the client.
"""

from __future__ import annotations

from django.dispatch import Signal

operation_executed = Signal()
