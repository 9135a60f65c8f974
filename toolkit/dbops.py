"""Backups and restores of a PostgreSQL database with ``pg_dump``/``pg_restore`` (custom format).

The work behind ``manage.py db_backup`` and ``manage.py db_restore`` (docs/deployment.md,
"Backup and restore"). Connection details come from the Django database settings and reach the
tools through ``PG*`` environment variables — the password never appears on a command line.
Every failure is a :class:`DatabaseOperationError` with one readable message.
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connections

#: Seconds a dump or a restore may take before it is stopped.
DEFAULT_TIMEOUT = 3600


class DatabaseOperationError(Exception):
    """A backup or restore that cannot run or failed; ``returncode`` is the command's exit code."""

    def __init__(self, message: str, returncode: int = 1) -> None:
        super().__init__(message)
        self.returncode = returncode


@dataclass(frozen=True)
class Target:
    alias: str
    name: str
    environment: dict[str, str]


def target(alias: str = "default", name: str | None = None) -> Target:
    """The PostgreSQL database behind ``alias`` (or database ``name`` on the same server)."""
    if alias not in connections.settings:
        raise DatabaseOperationError(f"Unknown database alias {alias!r}.", returncode=2)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        raise DatabaseOperationError(
            f"Database {alias!r} is {connection.vendor}: backups and restores work with PostgreSQL only "
            "(for SQLite, copy the database file while nothing writes to it).",
            returncode=2,
        )
    settings_dict = connection.settings_dict
    environment = {
        "PGHOST": str(settings_dict.get("HOST") or ""),
        "PGPORT": str(settings_dict.get("PORT") or ""),
        "PGUSER": str(settings_dict.get("USER") or ""),
        "PGPASSWORD": str(settings_dict.get("PASSWORD") or ""),
    }
    options = settings_dict.get("OPTIONS") or {}
    if options.get("sslmode"):
        environment["PGSSLMODE"] = str(options["sslmode"])
    return Target(alias, name or str(settings_dict["NAME"]), {k: v for k, v in environment.items() if v})


def binary(name: str) -> str:
    """The path of ``pg_dump``/``pg_restore`` (``PG_BIN_DIR`` first, then ``PATH``)."""
    directory = os.environ.get("PG_BIN_DIR", "")
    found = shutil.which(name, path=directory) if directory else None
    found = found or shutil.which(name)
    if not found:
        raise DatabaseOperationError(
            f"{name} was not found: install the PostgreSQL client tools (Debian: postgresql-client) "
            "or set PG_BIN_DIR to their directory.",
            returncode=2,
        )
    return found


def _run(command: list[str], where: Target, timeout: float) -> subprocess.CompletedProcess:
    env = {**os.environ, **where.environment}
    try:
        result = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise DatabaseOperationError(
            f"{Path(command[0]).name} took longer than {timeout:.0f} s; stopped."
        ) from None
    if result.returncode != 0:
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        detail = lines[-1] if lines else f"exit code {result.returncode}"
        raise DatabaseOperationError(f"{Path(command[0]).name} failed: {detail}")
    return result


def default_path(database: str, directory: Path | str = ".") -> Path:
    stamp = datetime.datetime.now(tz=datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(directory) / f"{database}-{stamp}.dump"


def backup(
    output: Path | str | None = None, *, alias: str = "default", timeout: float = DEFAULT_TIMEOUT
) -> Path:
    """Dump database ``alias`` to ``output`` (custom format; default ``./<name>-<UTC time>.dump``)."""
    where = target(alias)
    path = Path(output) if output else default_path(where.name)
    if path.is_dir():
        path = default_path(where.name, path)
    if not path.parent.is_dir():
        raise DatabaseOperationError(f"The directory {str(path.parent)!r} does not exist.", returncode=2)
    partial = path.with_name(path.name + ".partial")
    command = [
        binary("pg_dump"),
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        f"--file={partial}",
        where.name,
    ]
    try:
        _run(command, where, timeout)
    except DatabaseOperationError:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)  # a backup file exists only once complete
    return path


def database_exists(where: Target) -> bool:
    import psycopg

    with psycopg.connect(dbname="postgres", **_connect_args(where), autocommit=True) as connection:
        row = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [where.name]).fetchone()
    return row is not None


def create_database(where: Target) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(dbname="postgres", **_connect_args(where), autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(where.name)))


def _connect_args(where: Target) -> dict[str, Any]:
    env = where.environment
    args = {
        "host": env.get("PGHOST"),
        "port": env.get("PGPORT"),
        "user": env.get("PGUSER"),
        "password": env.get("PGPASSWORD"),
    }
    return {k: v for k, v in args.items() if v}


def restore(
    dump: Path | str,
    *,
    alias: str = "default",
    database: str | None = None,
    create: bool = False,
    clean: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> Target:
    """Restore ``dump`` into database ``alias`` (or into ``database`` on the same server, created
    first with ``create``), in one transaction: either everything is restored or nothing.
    ``clean`` drops the objects the dump contains before recreating them."""
    path = Path(dump)
    if not path.is_file():
        raise DatabaseOperationError(f"The backup file {str(path)!r} does not exist.", returncode=2)
    where = target(alias, database)
    if create:
        if database_exists(where):
            raise DatabaseOperationError(
                f"Database {where.name!r} already exists; drop --create.", returncode=2
            )
        create_database(where)
    elif not database_exists(where):
        raise DatabaseOperationError(
            f"Database {where.name!r} does not exist; add --create to create it.", returncode=2
        )
    command = [
        binary("pg_restore"),
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
    ]
    if clean:
        command += ["--clean", "--if-exists"]
    command += [f"--dbname={where.name}", str(path)]
    _run(command, where, timeout)
    return where
