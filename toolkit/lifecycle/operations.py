"""Validate stored client operations (``.graphql`` files) against a schema.

Fragments may live in other files of the same directory: each document is validated with the
fragments it spreads added from the others, and an unused fragment is not an error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    parse,
    specified_rules,
    validate,
    visit,
)
from graphql.language import Visitor
from graphql.validation import NoDeprecatedCustomRule, NoUnusedFragmentsRule

from toolkit.lifecycle.errors import EXIT_BAD_INPUT, LifecycleError

SUFFIXES = (".graphql", ".gql")
RULES = [rule for rule in specified_rules if rule is not NoUnusedFragmentsRule]


class Status(StrEnum):
    OK = "ok"
    DEPRECATED = "deprecated"
    BROKEN = "broken"
    UNPARSABLE = "unparsable"


@dataclass
class Problem:
    message: str
    line: int | None = None
    column: int | None = None

    @classmethod
    def from_error(cls, error: GraphQLError) -> Problem:
        location = error.locations[0] if error.locations else None
        return cls(error.message, location.line if location else None, location.column if location else None)

    def __str__(self) -> str:
        return f"{self.message} (line {self.line}, column {self.column})" if self.line else self.message


@dataclass
class OperationReport:
    path: str
    status: Status
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "path": self.path,
            "status": self.status.value,
            "problems": [{"message": p.message, "line": p.line, "column": p.column} for p in self.problems],
        }


def find_documents(directory: Path) -> list[Path]:
    if not directory.exists():
        raise LifecycleError(f"directory {directory} does not exist", EXIT_BAD_INPUT)
    if not directory.is_dir():
        raise LifecycleError(f"{directory} is not a directory", EXIT_BAD_INPUT)
    found = sorted(p for p in directory.rglob("*") if p.suffix in SUFFIXES and p.is_file())
    if not found:
        raise LifecycleError(f"no operation documents (*.graphql, *.gql) under {directory}", EXIT_BAD_INPUT)
    return found


class _Spreads(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
        self.names.add(node.name.value)


def _spread_names(nodes: list) -> set[str]:
    collector = _Spreads()
    for node in nodes:
        visit(node, collector)
    return collector.names


def _with_fragments(document: DocumentNode, shared: dict[str, FragmentDefinitionNode]) -> DocumentNode:
    """``document`` plus the fragments it needs (transitively) from other files."""
    own = {d.name.value for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    added: list[FragmentDefinitionNode] = []
    pending = _spread_names(list(document.definitions)) - own
    while pending:
        name = pending.pop()
        if name in own or name not in shared:
            continue  # an unknown fragment is reported by validation
        own.add(name)
        added.append(shared[name])
        pending |= _spread_names([shared[name]]) - own
    return DocumentNode(definitions=(*document.definitions, *added)) if added else document


def validate_directory(
    directory: Path, schema: GraphQLSchema, progress: Callable[[str], None] | None = None
) -> list[OperationReport]:
    """One report per document under ``directory``, in path order."""
    paths = find_documents(directory)
    parsed: dict[Path, DocumentNode] = {}
    reports: dict[Path, OperationReport] = {}
    for path in paths:
        label = str(path.relative_to(directory))
        try:
            parsed[path] = parse(path.read_text(encoding="utf-8"))
        except GraphQLError as error:
            reports[path] = OperationReport(label, Status.UNPARSABLE, [Problem.from_error(error)])
        except (OSError, UnicodeDecodeError) as exc:
            reports[path] = OperationReport(label, Status.UNPARSABLE, [Problem(f"cannot read: {exc}")])
    shared = {
        d.name.value: d
        for document in parsed.values()
        for d in document.definitions
        if isinstance(d, FragmentDefinitionNode)
    }
    for index, (path, document) in enumerate(parsed.items(), 1):
        if progress:
            progress(f"[{index}/{len(parsed)}] {path.relative_to(directory)}")
        label = str(path.relative_to(directory))
        full = _with_fragments(document, shared)
        errors = validate(schema, full, RULES)
        if errors:
            reports[path] = OperationReport(label, Status.BROKEN, [Problem.from_error(e) for e in errors])
            continue
        deprecated = validate(schema, full, [NoDeprecatedCustomRule])
        status = Status.DEPRECATED if deprecated else Status.OK
        reports[path] = OperationReport(label, status, [Problem.from_error(e) for e in deprecated])
    return [reports[path] for path in paths]
