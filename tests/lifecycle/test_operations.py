"""``graphql validate-operations DIR``: OK / deprecated / broken / unparsable documents."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.lifecycle.conftest import graphql

pytestmark = pytest.mark.django_db

DOCUMENTS = {
    "ok.graphql": "query Ok { book(id: 1) { id title } }",
    "deprecated.graphql": "query Old { book(id: 1) { price notes } }",
    "fragments/book.gql": "fragment BookParts on Book { id isbn13 ...More }\nfragment More on Book { pages }",
    "uses_fragment.graphql": "query WithFragment { book(id: 1) { ...BookParts } }",
    "notes.txt": "not a document: ignored",
}


def write(directory: Path, documents: dict[str, str]) -> Path:
    for name, text in documents.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return directory


def validate(*args: str) -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("graphql", "validate-operations", *args, stdout=out, stderr=StringIO())
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


def test_validate_operations__reports_ok_and_deprecated(tmp_path, new_sdl):
    out, error = validate(str(write(tmp_path, DOCUMENTS)), "--schema", str(new_sdl))
    assert error is None
    lines = out.splitlines()
    assert "DEPRECATED  deprecated.graphql" in lines
    assert "OK          ok.graphql" in lines and "OK          uses_fragment.graphql" in lines
    assert "OK          fragments/book.gql" in lines
    assert any("The field Book.price is deprecated. Use cost." in line for line in lines)
    assert lines[-1] == "4 document(s): 3 ok, 1 using deprecated fields, 0 broken, 0 unparsable."


def test_validate_operations__fail_on_deprecated_is_exit_1(tmp_path, new_sdl):
    _, error = validate(str(write(tmp_path, DOCUMENTS)), "--schema", str(new_sdl), "--fail-on-deprecated")
    assert error is not None and error.returncode == 1
    assert str(error) == "1 operation document(s) use deprecated fields"


def test_validate_operations__broken_document_is_exit_1_with_the_validation_errors(tmp_path, new_sdl):
    write(tmp_path, {**DOCUMENTS, "broken.graphql": "query Broken {\n  book(id: 1) { zzz }\n}"})
    out, error = validate(str(tmp_path), "--schema", str(new_sdl))
    assert error is not None and error.returncode == 1
    assert str(error) == f"1 of 5 operation document(s) are broken against {new_sdl}"
    assert "BROKEN      broken.graphql" in out
    assert "Cannot query field 'zzz' on type 'Book'. (line 2, column 17)" in out


def test_validate_operations__unparsable_document_is_exit_2(tmp_path, new_sdl):
    write(tmp_path, {**DOCUMENTS, "bad.graphql": "query {\n  book(id: 1) {"})
    out, error = validate(str(tmp_path), "--schema", str(new_sdl))
    assert error is not None and error.returncode == 2
    assert str(error) == "1 document(s) are not valid GraphQL syntax"
    assert "UNPARSABLE  bad.graphql" in out and "Syntax Error: Expected Name, found <EOF>." in out


def test_validate_operations__json_and_quiet(tmp_path, new_sdl):
    directory = str(write(tmp_path, DOCUMENTS))
    payload = json.loads(validate(directory, "--schema", str(new_sdl), "--json")[0])
    assert {r["path"]: r["status"] for r in payload} == {
        "deprecated.graphql": "deprecated", "fragments/book.gql": "ok",
        "ok.graphql": "ok", "uses_fragment.graphql": "ok",
    }  # fmt: skip
    quiet = validate(directory, "--schema", str(new_sdl), "--quiet")[0]
    assert "ok.graphql" not in quiet and "deprecated.graphql" in quiet


def test_validate_operations__against_the_live_schema_by_default(tmp_path):
    write(tmp_path, {"books.graphql": "query Books { books(limit: 2) { id title } }"})
    out, error = validate(str(tmp_path))
    assert error is None and "OK          books.graphql" in out


def test_validate_operations__against_a_recorded_version(tmp_path, snapshot_file):
    graphql("snapshot")
    operations = write(
        tmp_path / "operations", {"books.graphql": "query Books { books(limit: 2) { id title } }"}
    )
    assert validate(str(operations), "--schema", "1")[1] is None
    _, error = validate(str(operations), "--schema", "2")
    assert error is not None and error.returncode == 2 and "unknown schema version 2" in str(error)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing", "directory .*missing does not exist"),
        (lambda d: write(d, {"file.graphql": "{ a }"}) / "file.graphql", "is not a directory"),
        (lambda d: write(d, {"readme.md": "x"}), r"no operation documents \(\*.graphql, \*.gql\) under"),
    ],
)
def test_validate_operations__bad_directory_is_exit_2(tmp_path, make, message):
    _, error = validate(str(make(tmp_path)))
    assert error is not None and error.returncode == 2
    with pytest.raises(CommandError, match=message):
        raise error
