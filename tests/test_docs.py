"""Every ```graphql example in docs/ runs against the demo data without errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
EXAMPLES = [
    pytest.param(block, id=f"{path.name}#{index}")
    for path in sorted(DOCS.glob("*.md"))
    for index, block in enumerate(re.findall(r"```graphql\n(.*?)```", path.read_text(), re.S))
]


def test_docs_have_examples():
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("document", EXAMPLES)
def test_doc_example_runs(admin_gql, document):
    """Run as a superuser (mutations need permissions); each test's writes are rolled back."""
    data = admin_gql(document)
    assert data and all(value is not None for value in data.values())
    expect_ok = "# expect: errors" not in document
    for value in data.values():
        if isinstance(value, dict) and "ok" in value:
            assert value["ok"] is expect_ok, value


def test_configuration_page_documents_every_toolkit_key():
    from toolkit.conf import DEFAULTS

    page = (DOCS / "configuration.md").read_text()
    assert [key for key in DEFAULTS if f"`{key}`" not in page] == []
