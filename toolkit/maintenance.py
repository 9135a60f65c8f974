"""Cleanups run on a schedule by ``manage.py rqcron toolkit.cron`` (or from a crontab).

Each is an RQ job function: small, idempotent, and logging what it removed.
"""

from __future__ import annotations

import logging

from django.core.management import call_command

logger = logging.getLogger("toolkit.maintenance")


def prune_audit_events() -> int:
    """Delete audit rows older than ``TOOLKIT["AUDIT_RETENTION_DAYS"]``; returns how many."""
    from toolkit.security import audit

    deleted = audit.prune()
    logger.info("pruned %d audit event(s)", deleted, extra={"deleted": deleted})
    return deleted


def clear_expired_sessions() -> None:
    """Django's ``clearsessions``: delete expired database sessions (admin logins)."""
    call_command("clearsessions")


def flush_expired_tokens() -> None:
    """simplejwt's ``flushexpiredtokens``: drop outstanding/blacklisted refresh tokens past expiry."""
    call_command("flushexpiredtokens")
