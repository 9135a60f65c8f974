"""What a schema argument means: ``current``, ``latest``, a version number, or an SDL file."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from django.conf import settings
from graphql import GraphQLSchema

from toolkit.conf import get_config
from toolkit.exceptions import ConfigurationError
from toolkit.lifecycle import sdl as sdl_text
from toolkit.lifecycle import versions
from toolkit.lifecycle.errors import EXIT_BAD_INPUT, LifecycleError

#: The words a schema argument accepts besides a number or a path (``--help`` lists them).
KEYWORDS = ("current", "latest")


@dataclass
class SchemaSource:
    """A schema to compare or validate against, as sorted SDL (parsed on first use)."""

    label: str
    sdl: str

    @cached_property
    def schema(self) -> GraphQLSchema:
        return sdl_text.parse_sdl(self.sdl, self.label)


def live_schema() -> GraphQLSchema:
    """The live schema of this process; ``LifecycleError`` (exit 2) if the settings are invalid."""
    from toolkit.schema import get_schema

    try:
        return get_schema().graphql_schema
    except ConfigurationError as exc:
        raise LifecycleError(f"the live schema cannot be built: {exc}", EXIT_BAD_INPUT) from exc


def current() -> SchemaSource:
    return SchemaSource("current", sdl_text.sorted_sdl(live_schema()))


def snapshot_path() -> Path:
    """``TOOLKIT["SCHEMA_SNAPSHOT_FILE"]``, relative to ``BASE_DIR`` unless absolute."""
    path = Path(get_config()["SCHEMA_SNAPSHOT_FILE"])
    base = Path(getattr(settings, "BASE_DIR", Path.cwd()))
    return path if path.is_absolute() else base / path


def resolve(argument: str) -> SchemaSource:
    """Turn a command-line schema argument into a :class:`SchemaSource`."""
    if argument == "current":
        return current()
    if argument == "latest" or argument.isdigit():
        version = versions.get_by_label(argument)
        return SchemaSource(f"version {version.number}", version.sdl)
    path = Path(argument)
    if not path.exists():
        raise LifecycleError(
            f"{argument!r} is not a version number, 'current', 'latest' or an existing SDL file",
            EXIT_BAD_INPUT,
        )
    text = sdl_text.read_text(path, "SDL file")
    source = SchemaSource(str(path), text)
    source.schema  # noqa: B018  (parse now, so a bad file fails before any work)
    return source
