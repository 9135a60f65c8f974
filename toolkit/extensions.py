"""Schema extensions: apps that add to the generated schema without the toolkit importing them.

``TOOLKIT["SCHEMA_EXTENSIONS"]`` lists dotted paths to :class:`SchemaExtension` subclasses; each
schema build makes one instance of each, given the :class:`~toolkit.schema.SchemaBuilder`. An
extension may add root fields and types, add fields to ``FileInfo``, store files written through
the generated inputs (``Upload`` in ``<Type>CreateInput``/``<Type>UpdateInput``), wrap each root
mutation field, see the rows of every list before its items are resolved (to batch lookups), and
say which of its root fields a role cannot use (the per-role SDL). The media pipeline's
``media_pipeline.schema.MediaSchemaExtension`` is the example.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from django.utils.module_loading import import_string

from toolkit.exceptions import ConfigurationError

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile
    from django.db import models
    from graphql import GraphQLSchema

    from toolkit.schema import SchemaBuilder

#: The key of ``GraphQLSchema.extensions`` holding the live schema's extension instances.
SCHEMA_KEY = "toolkit_extensions"


class SchemaExtension:
    """Base class: every hook does nothing. Override the ones you need."""

    #: True when :meth:`write_file` stores files: File and Image fields then accept ``Upload`` in
    #: the generated create/update inputs (null clears the field).
    writes_files: bool = False

    def __init__(self, builder: SchemaBuilder) -> None:
        self.builder = builder

    # -- schema -------------------------------------------------------------------------------------
    def types(self) -> list[Any]:
        """Extra graphene types the schema must contain."""
        return []

    def query_fields(self) -> dict[str, Any]:
        """Extra ``Query`` fields (snake_case names; camel-cased like the generated ones)."""
        return {}

    def mutation_fields(self) -> dict[str, Any]:
        """Extra ``Mutation`` fields."""
        return {}

    def file_info_fields(self) -> dict[str, Any]:
        """Fields added to ``FileInfo`` (or replacing ``name``/``url``/``size``); their resolvers
        receive the ``FieldFile``."""
        return {}

    def hidden_fields(self, user: Any) -> set[tuple[str, str]]:
        """``(type name, field name)`` pairs of this extension's fields that ``user`` (a
        :class:`toolkit.security.roles.RoleUser`) cannot use: left out of the role's SDL."""
        return set()

    # -- execution ----------------------------------------------------------------------------------
    def write_file(
        self, instance: models.Model, field_name: str, value: UploadedFile | None
    ) -> Callable[[], None] | None:
        """Store ``value`` as ``instance.<field_name>`` (None clears it) before the instance is saved;
        return a callback to run once it is saved, or None. Raise Django's ``ValidationError``
        (with a code) to refuse the file: it becomes a ``FieldError`` at the field's input path."""
        raise NotImplementedError

    @contextlib.contextmanager
    def mutation_field(self, context: Any) -> Iterator[None]:
        """Wraps each root mutation field, outside the field's transaction (``context`` is the
        operation's context value: the request)."""
        yield

    def prepare_rows(self, rows: list[Any], info: Any) -> None:
        """Called with each list a resolver returned (model rows, page items, edges), before its
        items are resolved."""


def load(builder: SchemaBuilder, paths: list[str]) -> list[SchemaExtension]:
    """One instance of each extension class of ``paths``."""
    found = []
    for path in paths:
        try:
            cls = import_string(path)
        except ImportError as exc:
            raise ConfigurationError(
                f"TOOLKIT['SCHEMA_EXTENSIONS']: cannot import {path!r} ({exc})."
            ) from None
        if not (isinstance(cls, type) and issubclass(cls, SchemaExtension)):
            raise ConfigurationError(
                f"TOOLKIT['SCHEMA_EXTENSIONS']: {path!r} is not a toolkit.extensions.SchemaExtension subclass."
            )
        found.append(cls(builder))
    return found


def of(schema: GraphQLSchema | None) -> tuple[SchemaExtension, ...]:
    """The extensions the schema was built with (none for a schema the toolkit did not build)."""
    if schema is None:
        return ()
    return (schema.extensions or {}).get(SCHEMA_KEY, ())


def overrides(extension: SchemaExtension, hook: str) -> bool:
    """Whether ``extension`` implements ``hook`` (so callers skip the no-op default)."""
    return getattr(type(extension), hook) is not getattr(SchemaExtension, hook)
