"""``manage.py graphql``: every subcommand's happy path and each documented failure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from graphql import build_schema

from tests.lifecycle.conftest import graphql, without
from toolkit.lifecycle.sdl import sdl_hash
from toolkit.models import SchemaVersion

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def fails(*args: str, match: str, code: int) -> CommandError:
    with pytest.raises(CommandError, match=match) as info:
        graphql(*args)
    assert info.value.returncode == code, (info.value.returncode, str(info.value))
    return info.value


# -- export -----------------------------------------------------------------------------------


def test_export__prints_sorted_sdl_of_the_live_schema():
    sdl = graphql("export")
    schema = build_schema(sdl)
    assert schema.get_type("Book") is not None
    names = [n for n in schema.type_map if not n.startswith("__")]
    assert sdl.index("type Author") < sdl.index("type Book")  # lexicographic order
    assert len(names) > 10


def test_export__json_is_the_introspection_result():
    payload = json.loads(graphql("export", "--format", "json"))
    types = {t["name"] for t in payload["data"]["__schema"]["types"]}
    assert "Book" in types and "__Schema" in types


def test_export__out_writes_a_file(tmp_path):
    target = tmp_path / "out" / "schema.graphql"
    assert graphql("export", "--out", str(target)) == ""
    assert build_schema(target.read_text()).get_type("Book") is not None


def test_export__unwritable_out_is_exit_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    fails("export", "--out", str(blocker / "schema.graphql"), match="cannot write", code=2)


# -- snapshot ---------------------------------------------------------------------------------


def test_snapshot__records_a_version_and_writes_the_file(snapshot_file):
    out = graphql("snapshot", "--comment", "first cut", "--author", "ci")
    assert "Recorded schema version 1" in out
    version = SchemaVersion.objects.get()
    assert (version.number, version.comment, version.created_by) == (1, "first cut", "ci")
    assert snapshot_file.read_text() == version.sdl
    assert version.sdl_hash == sdl_hash(version.sdl)
    assert version.type_count > 10 and version.field_count > version.type_count
    assert (version.breaking_count, version.dangerous_count, version.safe_count) == (0, 0, 0)


def test_snapshot__is_idempotent_when_the_schema_is_unchanged(snapshot_file):
    graphql("snapshot")
    out = graphql("snapshot")
    assert "Schema unchanged since version 1" in out
    assert SchemaVersion.objects.count() == 1
    snapshot_file.write_text("stale")
    assert "rewrote" in graphql("snapshot") and SchemaVersion.objects.count() == 1


def test_snapshot__counts_changes_against_the_previous_version(snapshot_file, settings):
    graphql("snapshot")
    without(settings, "demo.Book", "word_count")
    payload = json.loads(graphql("snapshot", "--json", "--comment", "drop wordCount"))
    assert payload["number"] == 2 and payload["created"] is True and payload["breaking"] >= 1
    assert "wordCount" not in build_schema(snapshot_file.read_text()).get_type("Book").fields
    assert graphql("snapshot", "--quiet") == ""


def test_snapshot__records_the_git_commit(snapshot_file, monkeypatch):
    monkeypatch.setenv("GIT_COMMIT", "0123456789abcdef0123456789abcdef01234567")
    graphql("snapshot")
    assert SchemaVersion.objects.get().git_commit == "0123456789abcdef0123456789abcdef01234567"


def test_snapshot__unwritable_snapshot_file_is_exit_2(settings, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    settings.TOOLKIT = {**settings.TOOLKIT, "SCHEMA_SNAPSHOT_FILE": str(blocker / "schema.graphql")}
    fails("snapshot", match="cannot write", code=2)


def test_snapshot__not_migrated_database_is_exit_3(snapshot_file, monkeypatch):
    monkeypatch.setattr(SchemaVersion._meta, "db_table", "toolkit_not_created_yet")
    fails(
        "snapshot",
        match=r"not migrated: table toolkit_not_created_yet is missing \(run: manage.py migrate\)",
        code=3,
    )


# -- diff -------------------------------------------------------------------------------------


def test_diff__between_two_files_in_every_format(old_sdl, new_sdl):
    text = graphql("diff", str(old_sdl), str(new_sdl))
    assert "16 breaking, 8 dangerous, 11 safe" in text
    payload = json.loads(graphql("diff", str(old_sdl), str(new_sdl), "--format", "json"))
    assert payload["counts"] == {"breaking": 16, "dangerous": 8, "safe": 11}
    assert "| `TYPE_ADDED` | `Comic` |" in graphql("diff", str(old_sdl), str(new_sdl), "--format", "markdown")


def test_diff__defaults_to_latest_against_current(snapshot_file, settings):
    graphql("snapshot")
    assert graphql("diff").startswith("No changes from version 1 to current.")
    without(settings, "demo.Book", "word_count")
    payload = json.loads(graphql("diff", "--format", "json"))
    assert (payload["old"], payload["new"]) == ("version 1", "current")
    removed = [c for c in payload["changes"] if c["path"] == "Book.wordCount"]
    assert removed == [
        {"kind": "FIELD_REMOVED", "path": "Book.wordCount", "message": "Book.wordCount was removed.",
         "criticality": "breaking"}
    ]  # fmt: skip


def test_diff__version_numbers_and_current(snapshot_file, settings):
    graphql("snapshot")
    without(settings, "demo.Book", "word_count")
    graphql("snapshot")
    out = graphql("diff", "1", "2")
    assert "from version 1 to version 2" in out and "Book.wordCount" in out
    assert "No changes" in graphql("diff", "2", "current")


@pytest.mark.parametrize(
    ("level", "fails_"),
    [("breaking", True), ("dangerous", True), ("any", True)],
)
def test_diff__fail_on_sets_exit_1(old_sdl, new_sdl, level, fails_):
    fails("diff", str(old_sdl), str(new_sdl), "--fail-on", level, match=rf"--fail-on {level}", code=1)


def test_diff__fail_on_breaking_passes_with_only_safe_changes(tmp_path):
    (tmp_path / "a.graphql").write_text("type Query { a: Int }")
    (tmp_path / "b.graphql").write_text("type Query { a: Int b: Int }")
    out = graphql("diff", str(tmp_path / "a.graphql"), str(tmp_path / "b.graphql"), "--fail-on", "breaking")
    assert "0 breaking, 0 dangerous, 1 safe" in out
    fails(
        "diff",
        str(tmp_path / "a.graphql"),
        str(tmp_path / "b.graphql"),
        "--fail-on",
        "any",
        match="1 safe",
        code=1,
    )


def test_diff__unknown_version_is_exit_2(snapshot_file):
    graphql("snapshot")
    fails("diff", "7", "current", match=r"unknown schema version 7 \(known: 1-1\)", code=2)


def test_diff__latest_without_versions_is_exit_2():
    fails("diff", match=r"no schema version is recorded yet \(run: manage.py graphql snapshot\)", code=2)


def test_diff__missing_file_is_exit_2(tmp_path):
    fails(
        "diff",
        str(tmp_path / "nope.graphql"),
        "current",
        match="is not a version number, 'current', 'latest' or an existing SDL file",
        code=2,
    )


def test_diff__invalid_sdl_is_exit_2_with_its_location(tmp_path):
    bad = tmp_path / "bad.graphql"
    bad.write_text("type Query {\n  a: Int\n  b: \n}\n")
    fails(
        "diff",
        str(bad),
        "current",
        match=r"bad.graphql is not a valid GraphQL schema: Syntax Error: .*\(line 4, column 1\)",
        code=2,
    )


def test_diff__sdl_with_an_unknown_type_is_exit_2(tmp_path):
    bad = tmp_path / "unknown.graphql"
    bad.write_text("type Query { a: Missing }")
    fails("diff", str(bad), "current", match="not a valid GraphQL schema: Unknown type 'Missing'", code=2)


def test_diff__unreadable_sdl_file_is_exit_2(tmp_path):
    binary = tmp_path / "binary.graphql"
    binary.write_bytes(b"\xff\xfe\x00type")
    fails("diff", str(binary), "current", match="cannot read SDL file .*not UTF-8 text", code=2)
    fails("diff", str(tmp_path), "current", match="is a directory, not a file", code=2)


def test_diff__not_migrated_database_is_exit_3(monkeypatch):
    monkeypatch.setattr(SchemaVersion._meta, "db_table", "toolkit_not_created_yet")
    fails("diff", "1", "current", match="database is not migrated", code=3)


# -- check ------------------------------------------------------------------------------------


def test_check__fails_after_a_field_is_removed_and_passes_after_snapshot(snapshot_file, settings):
    graphql("snapshot")
    assert "is up to date" in graphql("check")
    without(settings, "demo.Book", "word_count")
    out = StringIO()
    with pytest.raises(CommandError, match=r"the live schema has \d+ breaking change\(s\) against") as info:
        call_command("graphql", "check", stdout=out)
    assert info.value.returncode == 1 and str(snapshot_file) in str(info.value)
    assert "FIELD_REMOVED" in out.getvalue() and "Book.wordCount" in out.getvalue()
    graphql("snapshot")
    assert "is up to date" in graphql("check")
    assert graphql("check", "--quiet") == ""


def test_check__writes_nothing(snapshot_file, settings):
    graphql("snapshot")
    before = snapshot_file.read_text()
    without(settings, "demo.Book", "word_count")
    with pytest.raises(CommandError):
        graphql("check")
    assert snapshot_file.read_text() == before and SchemaVersion.objects.count() == 1


def test_check__stale_snapshot_without_breaking_changes_is_exit_1(snapshot_file, settings):
    without(settings, "demo.Book", "word_count")
    graphql("snapshot")
    settings.TOOLKIT = {**settings.TOOLKIT, "MODELS": {}}  # the field comes back: a safe change
    fails("check", match=r"is stale \(run: manage.py graphql snapshot\)", code=1)


def test_check__missing_snapshot_is_exit_1(snapshot_file):
    fails(
        "check", match=r"no schema snapshot at .*schema.graphql \(run: manage.py graphql snapshot\)", code=1
    )


def test_check__json_output(snapshot_file, settings):
    graphql("snapshot")
    without(settings, "demo.Book", "word_count")
    with pytest.raises(CommandError):
        graphql("check", "--json")
    graphql("snapshot")
    assert json.loads(graphql("check", "--json")) == {
        "file": str(snapshot_file), "up_to_date": True, "breaking": False, "diff": None,
    }  # fmt: skip


def test_check__invalid_snapshot_file_is_exit_2(snapshot_file):
    snapshot_file.parent.mkdir(parents=True)
    snapshot_file.write_text("type Query {")
    fails("check", match="is not a valid GraphQL schema: Syntax Error", code=2)


def test_check__invalid_toolkit_settings_is_exit_2(snapshot_file, settings):
    settings.TOOLKIT = {**settings.TOOLKIT, "APPS": ["nope"]}
    fails("check", match="the live schema cannot be built: Invalid toolkit configuration", code=2)


# -- versions and show ------------------------------------------------------------------------


def test_versions__lists_every_version(snapshot_file, settings):
    assert "No schema versions recorded yet" in graphql("versions")
    graphql("snapshot", "--comment", "one", "--author", "ann")
    without(settings, "demo.Book", "word_count")
    graphql("snapshot", "--comment", "two", "--author", "bob")
    lines = graphql("versions").splitlines()
    assert len(lines) == 3 and lines[1].split()[0] == "1" and lines[2].split()[0] == "2"
    assert "ann" in lines[1] and lines[2].endswith("two")
    payload = json.loads(graphql("versions", "--json"))
    assert [v["number"] for v in payload] == [1, 2] and payload[1]["breaking"] >= 1


def test_show__prints_the_sdl_of_a_version(snapshot_file):
    graphql("snapshot")
    sdl = SchemaVersion.objects.get().sdl
    assert graphql("show", "1") == sdl
    assert graphql("show", "latest") == sdl
    assert json.loads(graphql("show", "1", "--json"))["sdl"] == sdl


def test_show__unknown_version_is_exit_2():
    fails("show", "3", match=r"unknown schema version 3 \(none recorded yet\)", code=2)
    fails("show", "abc", match="'abc' is not a version number or 'latest'", code=2)


def test_versions__not_migrated_database_is_exit_3(monkeypatch):
    monkeypatch.setattr(SchemaVersion._meta, "db_table", "toolkit_not_created_yet")
    fails("versions", match="database is not migrated", code=3)
    fails("show", "1", match="database is not migrated", code=3)


# -- the command line -------------------------------------------------------------------------


def manage(*args: str, database: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database, "DJANGO_SETTINGS_MODULE": "settings.test"}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_command_line__not_migrated_database_is_one_line_and_exit_3(tmp_path):
    """A real process on an empty database: no traceback unless --traceback."""
    database = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    result = manage("graphql", "versions", database=database)
    assert result.returncode == 3
    assert result.stderr.strip().splitlines() == [
        "CommandError: the database is not migrated: table toolkit_schemaversion is missing (run: manage.py migrate)"
    ]
    result = manage("graphql", "versions", "--traceback", database=database)
    assert result.returncode != 0 and "Traceback (most recent call last)" in result.stderr
    result = manage("graphql", "diff", "--fail-on", "nope", database=database)
    assert result.returncode == 2 and "invalid choice: 'nope'" in result.stderr
