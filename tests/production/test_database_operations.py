"""Database operations: pg_dump/pg_restore wrappers with a restore into a fresh database,
``migrate --check``, and migrations that reverse cleanly (the rollback runbook relies on it)."""

from __future__ import annotations

import subprocess
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from demo.models import Book, Tag
from tests.production.conftest import PYTHON, ROOT, controlled_env
from toolkit import dbops

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="pg_dump/pg_restore need PostgreSQL (the PostgreSQL run covers them)",
)


@pytest.fixture
def fresh_name():
    """A database name of this test's own, dropped afterwards."""
    name = f"toolkit_restore_{uuid.uuid4().hex[:12]}"
    yield name
    if connection.vendor == "postgresql":
        import psycopg
        from psycopg import sql

        with psycopg.connect(
            dbname="postgres", **dbops._connect_args(dbops.target()), autocommit=True
        ) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def count_in(database: str, table: str) -> int:
    import psycopg
    from psycopg import sql

    with psycopg.connect(dbname=database, **dbops._connect_args(dbops.target())) as conn:
        return conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]


@postgres_only
def test_backup_then_restore_into_a_fresh_database(db, tmp_path, fresh_name):
    """The seeded catalogue (committed) survives a round trip through a dump file."""
    out = StringIO()
    call_command("db_backup", "--output", str(tmp_path), stdout=out)
    [dump] = list(tmp_path.glob("*.dump"))
    assert f"to {dump} (" in out.getvalue() and dump.stat().st_size > 0
    assert dump.read_bytes()[:5] == b"PGDMP"  # the custom format
    call_command("db_restore", str(dump), "--database-name", fresh_name, "--create", stdout=out)
    assert f"into database '{fresh_name}'" in out.getvalue()
    assert count_in(fresh_name, Book._meta.db_table) == Book.objects.count() > 0
    assert count_in(fresh_name, "django_migrations") > 0  # the schema's history came along


@postgres_only
def test_restore__into_an_existing_database_with_clean(db, tmp_path, fresh_name):
    dump = dbops.backup(tmp_path / "one.dump")
    dbops.restore(dump, database=fresh_name, create=True)
    dbops.restore(dump, database=fresh_name, clean=True)  # again, over itself
    assert count_in(fresh_name, Tag._meta.db_table) == Tag.objects.count()


@postgres_only
def test_restore__refuses_a_missing_database_or_creating_an_existing_one(db, tmp_path, fresh_name):
    dump = dbops.backup(tmp_path / "two.dump")
    with pytest.raises(CommandError, match=f"Database '{fresh_name}' does not exist; add --create"):
        call_command("db_restore", str(dump), "--database-name", fresh_name)
    dbops.restore(dump, database=fresh_name, create=True)
    with pytest.raises(CommandError, match="already exists"):
        call_command("db_restore", str(dump), "--database-name", fresh_name, "--create")


@postgres_only
def test_restore__a_broken_file_fails_in_one_transaction(db, tmp_path, fresh_name):
    broken = tmp_path / "broken.dump"
    broken.write_bytes(b"PGDMP not really a dump")
    with pytest.raises(CommandError, match="pg_restore failed: ") as raised:
        call_command("db_restore", str(broken), "--database-name", fresh_name, "--create")
    assert raised.value.returncode == 1


@postgres_only
def test_restore_into_the_live_database__asks_first(db, tmp_path, monkeypatch):
    dump = dbops.backup(tmp_path / "three.dump")
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Restore cancelled") as raised:
        call_command("db_restore", str(dump))
    assert raised.value.returncode == 3


@postgres_only
def test_missing_client_tools__one_readable_error(db, tmp_path, monkeypatch):
    monkeypatch.setattr(dbops.shutil, "which", lambda *args, **kwargs: None)
    with pytest.raises(
        CommandError, match="pg_dump was not found: install the PostgreSQL client tools"
    ) as raised:
        call_command("db_backup", "--output", str(tmp_path / "x.dump"))
    assert raised.value.returncode == 2
    assert not list(tmp_path.iterdir())


@postgres_only
def test_pg_dump_failing__leaves_no_partial_file(db, tmp_path, monkeypatch):
    monkeypatch.setattr(
        dbops, "target", lambda alias="default", name=None: dbops.Target(alias, "no_such_database_x", {})
    )
    with pytest.raises(dbops.DatabaseOperationError, match=r"pg_dump failed: .*no_such_database_x"):
        dbops.backup(tmp_path / "x.dump")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite refusal")
def test_on_sqlite__one_readable_error(db, tmp_path):
    with pytest.raises(
        CommandError, match="is sqlite: backups and restores work with PostgreSQL only"
    ) as raised:
        call_command("db_backup", "--output", str(tmp_path))
    assert raised.value.returncode == 2
    with pytest.raises(CommandError, match="PostgreSQL only"):
        call_command("db_restore", str(tmp_path / "x.dump"), "--noinput")


def test_bad_arguments__readable_errors(db, tmp_path):
    with pytest.raises(CommandError, match="--create needs --database-name"):
        call_command("db_restore", "x.dump", "--create")
    with pytest.raises(CommandError, match="Unknown database alias 'nope'"):
        call_command("db_backup", "--database", "nope")


@postgres_only
def test_bad_paths__readable_errors(db, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("db_backup", "--output", str(tmp_path / "missing" / "x.dump"))
    with pytest.raises(CommandError, match=r"The backup file .* does not exist"):
        call_command("db_restore", str(tmp_path / "none.dump"), "--database-name", "x", "--noinput")


# -- migrations: checked in CI, reversible for the rollback runbook ------------------------------------


def manage(*args: str, database_url: str):
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT, env=controlled_env(DJANGO_SETTINGS_MODULE="settings.test", DATABASE_URL=database_url),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_migrate_check__fails_until_migrated_then_passes(tmp_path):
    url = f"sqlite:///{tmp_path / 'check.sqlite3'}"
    assert manage("migrate", "--check", database_url=url).returncode == 1
    assert manage("migrate", "--noinput", database_url=url).returncode == 0
    result = manage("migrate", "--check", database_url=url)
    assert result.returncode == 0, result.stderr


def test_the_project_apps_migrations__reverse_and_reapply(tmp_path):
    """Step 1 of the rollback runbook is a reverse migration: every migration of ours must have one."""
    url = f"sqlite:///{tmp_path / 'reverse.sqlite3'}"
    assert manage("migrate", "--noinput", database_url=url).returncode == 0
    for app in ("demo", "media_pipeline", "toolkit"):
        result = manage("migrate", app, "zero", "--noinput", database_url=url)
        assert result.returncode == 0, f"{app}: {result.stderr}"
    result = manage("migrate", "--noinput", database_url=url)
    assert result.returncode == 0, result.stderr
    assert manage("migrate", "--check", database_url=url).returncode == 0
