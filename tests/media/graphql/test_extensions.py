"""``TOOLKIT["SCHEMA_EXTENSIONS"]`` (toolkit.extensions): how the media pipeline plugs into the schema
without the toolkit importing it, and the mistakes the system checks report."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.core import checks
from django.test import override_settings

import toolkit
from toolkit.exceptions import ConfigurationError


def messages(extensions) -> list[checks.CheckMessage]:
    with override_settings(TOOLKIT={"APPS": ["demo"], "SCHEMA_EXTENSIONS": extensions}):
        return checks.run_checks(tags=["toolkit"])


@pytest.mark.parametrize(
    "extensions, text",
    [
        (
            ["media_pipeline.schema.NoSuchExtension"],
            "'media_pipeline.schema.NoSuchExtension' cannot be imported",
        ),
        (["toolkit.views.GraphQLView"], "is not a toolkit.extensions.SchemaExtension subclass"),
        ("media_pipeline.schema.MediaSchemaExtension", "must be a list of strings"),
    ],
    ids=["unknown", "not-an-extension", "not-a-list"],
)
def test_a_bad_entry__is_a_system_check_error(extensions, text):
    [message] = messages(extensions)
    assert message.id == "toolkit.E004" and text in message.msg


def test_a_bad_entry__refuses_to_build_the_schema():
    bad = {"APPS": ["demo"], "SCHEMA_EXTENSIONS": ["toolkit.views.GraphQLView"]}
    with override_settings(TOOLKIT=bad), pytest.raises(ConfigurationError, match="SCHEMA_EXTENSIONS"):
        toolkit.get_schema()


def test_the_project_settings__install_the_media_pipeline_with_no_message():
    assert settings.TOOLKIT["SCHEMA_EXTENSIONS"] == ["media_pipeline.schema.MediaSchemaExtension"]
    assert messages(settings.TOOLKIT["SCHEMA_EXTENSIONS"]) == []


def test_without_the_extension__files_are_read_only_file_info():
    with override_settings(TOOLKIT={"APPS": ["demo"]}):
        schema = toolkit.get_schema().graphql_schema
    assert set(schema.get_type("FileInfo").fields) == {"name", "url", "size"}
    assert schema.get_type("Upload") is None and schema.get_type("MediaFile") is None
    assert not [name for name in schema.mutation_type.fields if name.startswith("upload")]
    assert "mediaFile" not in schema.query_type.fields


def test_the_toolkit__never_imports_the_media_pipeline():
    """The engine only knows the pipeline through the dotted path in the settings."""
    root = Path(toolkit.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.relative_to(root)}: {n}" for n in names if n.split(".")[0] == "media_pipeline"
            ]
    assert offenders == []
