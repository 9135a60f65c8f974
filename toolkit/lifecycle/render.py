"""Text, JSON and Markdown renderings of the lifecycle results (one data object, many outputs)."""

from __future__ import annotations

import json
from collections.abc import Callable

from toolkit.lifecycle.diff import Criticality, SchemaDiff
from toolkit.lifecycle.operations import OperationReport, Status
from toolkit.models import SchemaVersion

LABELS = {Criticality.BREAKING: "BREAKING", Criticality.DANGEROUS: "DANGEROUS", Criticality.SAFE: "SAFE"}


def summary(diff: SchemaDiff) -> str:
    counts = diff.counts
    if not diff.changes:
        return f"No changes from {diff.old} to {diff.new}."
    return (
        f"{len(diff.changes)} change(s) from {diff.old} to {diff.new}: "
        f"{counts['breaking']} breaking, {counts['dangerous']} dangerous, {counts['safe']} safe."
    )


def diff_text(diff: SchemaDiff) -> str:
    lines = [summary(diff)]
    for criticality in Criticality:
        changes = diff.of(criticality)
        if changes:
            lines.append("")
            lines.append(f"{LABELS[criticality]} ({len(changes)})")
            lines += [f"  {c.kind:<32} {c.path:<40} {c.message}" for c in changes]
    return "\n".join(lines) + "\n"


def diff_json(diff: SchemaDiff) -> str:
    payload = {
        "old": diff.old,
        "new": diff.new,
        "counts": diff.counts,
        "changes": [c.as_dict() for c in diff.changes],
    }
    return json.dumps(payload, indent=2) + "\n"


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def diff_markdown(diff: SchemaDiff) -> str:
    lines = [f"## Schema changes: {_cell(diff.old)} → {_cell(diff.new)}", "", summary(diff)]
    for criticality in Criticality:
        changes = diff.of(criticality)
        if not changes:
            continue
        lines += ["", f"### {criticality.value.capitalize()} ({len(changes)})", ""]
        lines += ["| kind | path | change |", "|---|---|---|"]
        lines += [f"| `{c.kind}` | `{_cell(c.path)}` | {_cell(c.message)} |" for c in changes]
    return "\n".join(lines) + "\n"


DIFF_FORMATS: dict[str, Callable[[SchemaDiff], str]] = {
    "text": diff_text,
    "json": diff_json,
    "markdown": diff_markdown,
}


def version_dict(version: SchemaVersion, with_sdl: bool = False) -> dict:
    data = {
        "number": version.number,
        "created_at": version.created_at.isoformat(),
        "created_by": version.created_by,
        "comment": version.comment,
        "git_commit": version.git_commit,
        "sdl_hash": version.sdl_hash,
        "types": version.type_count,
        "fields": version.field_count,
        "breaking": version.breaking_count,
        "dangerous": version.dangerous_count,
        "safe": version.safe_count,
    }
    if with_sdl:
        data["sdl"] = version.sdl
    return data


def versions_text(items: list[SchemaVersion]) -> str:
    if not items:
        return "No schema versions recorded yet (run: manage.py graphql snapshot).\n"
    header = f"{'#':>4}  {'created (UTC)':<16}  {'by':<12} {'commit':<8} {'types':>5} {'fields':>6}  {'changes (b/d/s)':<15}  comment"
    rows = [header]
    for v in items:
        changes = f"{v.breaking_count}/{v.dangerous_count}/{v.safe_count}"
        rows.append(
            f"{v.number:>4}  {v.created_at:%Y-%m-%d %H:%M}  {v.created_by[:12]:<12} {v.git_commit[:8]:<8} "
            f"{v.type_count:>5} {v.field_count:>6}  {changes:<15}  {v.comment}"
        )
    return "\n".join(rows) + "\n"


def versions_json(items: list[SchemaVersion]) -> str:
    return json.dumps([version_dict(v) for v in items], indent=2) + "\n"


STATUS_LABELS = {
    Status.OK: "OK",
    Status.DEPRECATED: "DEPRECATED",
    Status.BROKEN: "BROKEN",
    Status.UNPARSABLE: "UNPARSABLE",
}


def operations_text(reports: list[OperationReport], quiet: bool = False) -> str:
    lines = []
    for report in reports:
        if quiet and report.status is Status.OK:
            continue
        lines.append(f"{STATUS_LABELS[report.status]:<10}  {report.path}")
        lines += [f"            - {problem}" for problem in report.problems]
    tally = {status: sum(r.status is status for r in reports) for status in Status}
    lines.append(
        f"{len(reports)} document(s): {tally[Status.OK]} ok, {tally[Status.DEPRECATED]} using deprecated "
        f"fields, {tally[Status.BROKEN]} broken, {tally[Status.UNPARSABLE]} unparsable."
    )
    return "\n".join(lines) + "\n"


def operations_json(reports: list[OperationReport], quiet: bool = False) -> str:
    return json.dumps([r.as_dict() for r in reports], indent=2) + "\n"
