"""Fixtures for the schema lifecycle tests: small SDL files and a temporary snapshot file."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def old_sdl() -> Path:
    return FIXTURES / "old.graphql"


@pytest.fixture
def new_sdl() -> Path:
    return FIXTURES / "new.graphql"


@pytest.fixture
def snapshot_file(settings: Any, tmp_path: Path) -> Path:
    """``TOOLKIT["SCHEMA_SNAPSHOT_FILE"]`` in a temporary folder (not written yet)."""
    path = tmp_path / "schema" / "schema.graphql"
    settings.TOOLKIT = {**settings.TOOLKIT, "SCHEMA_SNAPSHOT_FILE": str(path)}
    return path


def graphql(*args: str, **options: Any) -> str:
    """Run ``manage.py graphql ...`` and return its standard output."""
    out = StringIO()
    call_command("graphql", *args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def without(settings: Any, model: str, field: str) -> None:
    """Hide a model field from the API, as if it had been removed from the model."""
    models = {**settings.TOOLKIT.get("MODELS", {})}
    models[model] = {**models.get(model, {}), "exclude": [*models.get(model, {}).get("exclude", []), field]}
    settings.TOOLKIT = {**settings.TOOLKIT, "MODELS": models}
