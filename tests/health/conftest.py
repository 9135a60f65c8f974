"""Fixtures of the health tests; the real services are in ``tests/services.py``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import redis

from tests.services import (  # noqa: F401  (helpers other test modules import from here too)
    CLAMD_URL,
    LOCK_KEY,
    QUEUES,
    REDIS_PORT,
    ROOT,
    burst_worker,
    free_port,
    manage_env,
    queues_config,
    services,
    wait_for_workers,
)


@pytest.fixture
def ready_settings(settings: Any, tmp_path: Path, rq_redis: redis.Redis) -> Any:
    """The project's ready list against the real services, and a snapshot of the live schema."""
    from toolkit.lifecycle.sdl import sorted_sdl
    from toolkit.schema import get_schema

    snapshot = tmp_path / "schema.graphql"
    settings.TOOLKIT = {**settings.TOOLKIT, "SCHEMA_SNAPSHOT_FILE": str(snapshot), "CLAMD_URL": CLAMD_URL}
    snapshot.write_text(sorted_sdl(get_schema().graphql_schema))
    return settings
