"""Record the live schema as a ``SchemaVersion`` and a committed SDL file; check it is fresh."""

from __future__ import annotations

import getpass
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction

from toolkit.lifecycle import sdl as sdl_text
from toolkit.lifecycle import versions
from toolkit.lifecycle.diff import Criticality, SchemaDiff, diff_schemas
from toolkit.lifecycle.errors import EXIT_BAD_INPUT, EXIT_FAILED, LifecycleError
from toolkit.lifecycle.sources import SchemaSource, current, snapshot_path
from toolkit.models import SchemaVersion


def git_commit() -> str:
    """The checked-out commit (``GIT_COMMIT`` wins, for builds without a .git folder), or ""."""
    if os.environ.get("GIT_COMMIT"):
        return os.environ["GIT_COMMIT"][:40]
    base = Path(getattr(settings, "BASE_DIR", Path.cwd()))
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=base, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout.strip()[:40] if result.returncode == 0 else ""


def default_author() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


@dataclass
class SnapshotResult:
    version: SchemaVersion
    created: bool
    file: Path
    file_written: bool
    diff: SchemaDiff | None


def write_if_changed(path: Path, text: str) -> bool:
    try:
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise LifecycleError(f"cannot write {path}: {exc.strerror or exc}", EXIT_BAD_INPUT) from exc
    return True


def record(comment: str = "", author: str | None = None, path: Path | None = None) -> SnapshotResult:
    """Add a ``SchemaVersion`` if the live schema differs from the latest one, and write the
    sorted SDL to the snapshot file. Running it again with no change writes nothing."""
    live = current()
    digest = sdl_text.sdl_hash(live.sdl)
    path = path or snapshot_path()
    previous = versions.latest()
    diff = None
    if previous is not None and previous.sdl_hash == digest:
        version, created = previous, False
    else:
        counts = sdl_text.count(live.schema)
        if previous is not None:
            diff = diff_schemas(
                SchemaSource(f"version {previous.number}", previous.sdl).schema, live.schema,
                f"version {previous.number}", "current",
            )  # fmt: skip
        tallies = diff.counts if diff else {c.value: 0 for c in Criticality}
        try:
            with transaction.atomic():
                version = SchemaVersion.objects.create(
                    number=(previous.number + 1) if previous else 1,
                    sdl_hash=digest,
                    sdl=live.sdl,
                    created_by=(author if author is not None else default_author())[:150],
                    comment=comment,
                    git_commit=git_commit(),
                    type_count=counts.types,
                    field_count=counts.fields,
                    breaking_count=tallies["breaking"],
                    dangerous_count=tallies["dangerous"],
                    safe_count=tallies["safe"],
                )
        except IntegrityError as exc:
            raise LifecycleError(
                "another snapshot was recorded at the same time; run the command again", EXIT_FAILED
            ) from exc
        created = True
    written = write_if_changed(path, live.sdl)
    return SnapshotResult(version=version, created=created, file=path, file_written=written, diff=diff)


@dataclass
class CheckResult:
    file: Path
    up_to_date: bool
    diff: SchemaDiff | None

    @property
    def breaking(self) -> bool:
        return bool(self.diff and self.diff.of(Criticality.BREAKING))


def check(path: Path | None = None) -> CheckResult:
    """Compare the live schema with the committed snapshot file; writes nothing."""
    path = path or snapshot_path()
    live = current()
    if not path.exists():
        return CheckResult(file=path, up_to_date=False, diff=None)
    committed = SchemaSource(str(path), sdl_text.read_text(path, "snapshot file"))
    if committed.sdl == live.sdl:
        return CheckResult(file=path, up_to_date=True, diff=None)
    diff = diff_schemas(committed.schema, live.schema, str(path), "current")
    return CheckResult(file=path, up_to_date=False, diff=diff)
