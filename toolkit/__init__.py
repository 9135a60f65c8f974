"""Django GraphQL Auto-Generation System: a complete GraphQL API generated from your models.

Public API::

    from toolkit import computed, get_schema, get_config, mutation
    from toolkit import SchemaExtension  # TOOLKIT["SCHEMA_EXTENSIONS"] (docs/uploads.md)
"""

from toolkit.computation import computed
from toolkit.conf import get_config
from toolkit.exceptions import BadUserInput, ConfigurationError, FeatureDisabled, NotFound, ToolkitError
from toolkit.extensions import SchemaExtension
from toolkit.mutations.decorators import mutation


def get_schema():
    """The live ``graphene.Schema`` for the current settings (built once, cached)."""
    from toolkit.schema import get_schema as _get_schema

    return _get_schema()


__all__ = [
    "BadUserInput",
    "ConfigurationError",
    "FeatureDisabled",
    "NotFound",
    "SchemaExtension",
    "ToolkitError",
    "computed",
    "get_config",
    "get_schema",
    "mutation",
]
