"""Classify the changes between two schemas as breaking, dangerous or safe.

graphql-core's ``find_breaking_changes`` and ``find_dangerous_changes`` decide what they
report (their ``BreakingChangeType``/``DangerousChangeType`` names are our kind codes), with
three refinements:

* removing a field, argument or enum value that was already deprecated is *dangerous*
  (``DEPRECATED_FIELD_REMOVED``, ...): clients were told to stop using it;
* an optional argument added (``OPTIONAL_ARG_ADDED``) is *safe*: no existing operation changes;
* an enum value added to an enum that only appears in inputs is *safe* (no client reads it).

Our own walk adds the safe changes graphql-core does not report: added types, fields and
directives, description changes and deprecation changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from graphql import (
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    find_breaking_changes,
    find_dangerous_changes,
    get_named_type,
    is_introspection_type,
)


class Criticality(StrEnum):
    BREAKING = "breaking"
    DANGEROUS = "dangerous"
    SAFE = "safe"

    @property
    def rank(self) -> int:
        return {"breaking": 3, "dangerous": 2, "safe": 1}[self.value]


@dataclass(frozen=True)
class Change:
    """One difference: a stable kind code, a dotted path, a message and its criticality."""

    kind: str
    path: str
    message: str
    criticality: Criticality

    def as_dict(self) -> dict[str, str]:
        return {**asdict(self), "criticality": self.criticality.value}


@dataclass
class SchemaDiff:
    old: str
    new: str
    changes: list[Change] = field(default_factory=list)

    def of(self, criticality: Criticality) -> list[Change]:
        return [c for c in self.changes if c.criticality is criticality]

    @property
    def counts(self) -> dict[str, int]:
        return {c.value: len(self.of(c)) for c in Criticality}

    def reaches(self, level: str) -> bool:
        """True if a change is at least as critical as ``level`` (``breaking``/``dangerous``/``any``)."""
        floor = 0 if level == "any" else Criticality(level).rank
        return any(c.criticality.rank >= floor for c in self.changes)


# -- graphql-core's changes: where their path is in the description --------------------------
_NAME = r"[_A-Za-z][_0-9A-Za-z]*"
_PATTERNS: dict[str, tuple[str, str]] = {
    "TYPE_REMOVED": (rf"^(?:Standard scalar )?(?P<t>{_NAME}) was removed", "{t}"),
    "TYPE_CHANGED_KIND": (rf"^(?P<t>{_NAME}) changed from", "{t}"),
    "TYPE_REMOVED_FROM_UNION": (rf"^(?P<m>{_NAME}) was removed from union type (?P<t>{_NAME})", "{t}.{m}"),
    "TYPE_ADDED_TO_UNION": (rf"^(?P<m>{_NAME}) was added to union type (?P<t>{_NAME})", "{t}.{m}"),
    "VALUE_REMOVED_FROM_ENUM": (rf"^(?P<v>{_NAME}) was removed from enum type (?P<t>{_NAME})", "{t}.{v}"),
    "VALUE_ADDED_TO_ENUM": (rf"^(?P<v>{_NAME}) was added to enum type (?P<t>{_NAME})", "{t}.{v}"),
    "REQUIRED_INPUT_FIELD_ADDED": (rf"field (?P<f>{_NAME}) on input type (?P<t>{_NAME})", "{t}.{f}"),
    "OPTIONAL_INPUT_FIELD_ADDED": (rf"field (?P<f>{_NAME}) on input type (?P<t>{_NAME})", "{t}.{f}"),
    "IMPLEMENTED_INTERFACE_REMOVED": (
        rf"^(?P<t>{_NAME}) no longer implements interface (?P<i>{_NAME})",
        "{t}",
    ),
    "IMPLEMENTED_INTERFACE_ADDED": (
        rf"^(?P<i>{_NAME}) added to interfaces implemented by (?P<t>{_NAME})",
        "{t}",
    ),
    "FIELD_REMOVED": (rf"^(?P<t>{_NAME})\.(?P<f>{_NAME}) was removed", "{t}.{f}"),
    "FIELD_CHANGED_KIND": (rf"^(?P<t>{_NAME})\.(?P<f>{_NAME}) changed type", "{t}.{f}"),
    "ARG_REMOVED": (rf"^(?P<t>{_NAME})\.(?P<f>{_NAME}) arg (?P<a>{_NAME})", "{t}.{f}.{a}"),
    "ARG_CHANGED_KIND": (rf"^(?P<t>{_NAME})\.(?P<f>{_NAME}) arg (?P<a>{_NAME})", "{t}.{f}.{a}"),
    "ARG_DEFAULT_VALUE_CHANGE": (rf"^(?P<t>{_NAME})\.(?P<f>{_NAME}) arg (?P<a>{_NAME})", "{t}.{f}.{a}"),
    "REQUIRED_ARG_ADDED": (rf"arg (?P<a>{_NAME}) on (?P<t>{_NAME})\.(?P<f>{_NAME})", "{t}.{f}.{a}"),
    "OPTIONAL_ARG_ADDED": (rf"arg (?P<a>{_NAME}) on (?P<t>{_NAME})\.(?P<f>{_NAME})", "{t}.{f}.{a}"),
    "DIRECTIVE_REMOVED": (rf"^(?P<d>{_NAME}) was removed", "@{d}"),
    "DIRECTIVE_ARG_REMOVED": (rf"^(?P<a>{_NAME}) was removed from (?P<d>{_NAME})", "@{d}.{a}"),
    "REQUIRED_DIRECTIVE_ARG_ADDED": (rf"arg (?P<a>{_NAME}) on directive (?P<d>{_NAME})", "@{d}.{a}"),
    "DIRECTIVE_REPEATABLE_REMOVED": (rf"removed from (?P<d>{_NAME})", "@{d}"),
    "DIRECTIVE_LOCATION_REMOVED": (rf"^(?P<l>{_NAME}) was removed from (?P<d>{_NAME})", "@{d}"),
}


def change_path(kind: str, description: str) -> str:
    pattern, template = _PATTERNS.get(kind, ("", ""))
    match = re.search(pattern, description) if pattern else None
    return template.format(**match.groupdict()) if match else ""


def _lookup(schema: GraphQLSchema, path: str) -> object | None:
    """The field, argument or enum value at ``Type.member[.arg]`` in ``schema``, if any."""
    parts = path.split(".")
    named = schema.type_map.get(parts[0])
    if named is None or len(parts) < 2:
        return None
    if isinstance(named, GraphQLEnumType):
        return named.values.get(parts[1])
    members = getattr(named, "fields", None) or {}
    member = members.get(parts[1])
    if member is None or len(parts) == 2:
        return member
    return (getattr(member, "args", None) or {}).get(parts[2])


_DEPRECATED_REMOVAL = {
    "FIELD_REMOVED": "DEPRECATED_FIELD_REMOVED",
    "VALUE_REMOVED_FROM_ENUM": "DEPRECATED_ENUM_VALUE_REMOVED",
    "ARG_REMOVED": "DEPRECATED_ARG_REMOVED",
}


def input_only_types(schema: GraphQLSchema) -> set[str]:
    """Names of enum types that appear only in arguments and input fields, never in output."""
    in_output: set[str] = set()
    for named in schema.type_map.values():
        if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)) and not is_introspection_type(named):
            in_output.update(get_named_type(f.type).name for f in named.fields.values())
    return {
        name
        for name, t in schema.type_map.items()
        if isinstance(t, GraphQLEnumType) and name not in in_output and not is_introspection_type(t)
    }


def _core_changes(old: GraphQLSchema, new: GraphQLSchema) -> Iterator[Change]:
    input_enums = input_only_types(old) & input_only_types(new)
    for found, default in (
        (find_breaking_changes(old, new), Criticality.BREAKING),
        (find_dangerous_changes(old, new), Criticality.DANGEROUS),
    ):
        for item in found:
            kind = item.type.name
            path = change_path(kind, item.description)
            criticality, message = default, item.description
            if kind in _DEPRECATED_REMOVAL:
                before = _lookup(old, path)
                reason = getattr(before, "deprecation_reason", None)
                if reason:
                    kind, criticality = _DEPRECATED_REMOVAL[kind], Criticality.DANGEROUS
                    message = f"{message[:-1]} (it was deprecated: {reason})."
            elif kind == "OPTIONAL_ARG_ADDED":
                criticality = Criticality.SAFE
            elif kind == "VALUE_ADDED_TO_ENUM" and path.split(".")[0] in input_enums:
                criticality = Criticality.SAFE
                message = f"{message[:-1]} (the enum is only used in inputs)."
            yield Change(kind, path, message, criticality)


# -- our safe set -----------------------------------------------------------------------------
def _members(named: GraphQLNamedType) -> dict[str, object]:
    if isinstance(named, GraphQLEnumType):
        return dict(named.values)
    return dict(getattr(named, "fields", None) or {})


def _annotations(path: str, old: object, new: object, what: str) -> Iterator[Change]:
    """Description and deprecation changes of one element present in both schemas."""
    safe = Criticality.SAFE
    if (getattr(old, "description", None) or "") != (getattr(new, "description", None) or ""):
        yield Change("DESCRIPTION_CHANGED", path, f"{what} {path} has a new description.", safe)
    before = getattr(old, "deprecation_reason", None)
    after = getattr(new, "deprecation_reason", None)
    if before is None and after is not None:
        yield Change("DEPRECATION_ADDED", path, f"{what} {path} was deprecated: {after}", safe)
    elif before is not None and after is None:
        yield Change("DEPRECATION_REMOVED", path, f"{what} {path} is no longer deprecated.", safe)
    elif before != after:
        yield Change(
            "DEPRECATION_REASON_CHANGED", path, f"{what} {path} has a new deprecation reason: {after}", safe
        )


def _safe_changes(old: GraphQLSchema, new: GraphQLSchema) -> Iterator[Change]:
    safe = Criticality.SAFE
    for name, new_type in new.type_map.items():
        if is_introspection_type(new_type):
            continue
        old_type = old.type_map.get(name)
        if old_type is None:
            yield Change("TYPE_ADDED", name, f"Type {name} was added.", safe)
            continue
        if type(old_type) is not type(new_type):
            continue  # TYPE_CHANGED_KIND, reported by graphql-core
        yield from _annotations(name, old_type, new_type, "Type")
        old_members, new_members = _members(old_type), _members(new_type)
        what = "Enum value" if isinstance(new_type, GraphQLEnumType) else "Field"
        for member_name, new_member in new_members.items():
            path = f"{name}.{member_name}"
            old_member = old_members.get(member_name)
            if old_member is None:
                if isinstance(new_type, (GraphQLObjectType, GraphQLInterfaceType)):
                    yield Change("FIELD_ADDED", path, f"Field {path} was added.", safe)
                continue  # enum values and input fields: graphql-core reports them
            yield from _annotations(path, old_member, new_member, what)
            old_args = getattr(old_member, "args", None) or {}
            for arg_name, new_arg in (getattr(new_member, "args", None) or {}).items():
                if arg_name in old_args:
                    yield from _annotations(f"{path}.{arg_name}", old_args[arg_name], new_arg, "Argument")
    old_directives = {d.name: d for d in old.directives}
    for directive in new.directives:
        if directive.name not in old_directives:
            yield Change(
                "DIRECTIVE_ADDED", f"@{directive.name}", f"Directive @{directive.name} was added.", safe
            )


def diff_schemas(
    old: GraphQLSchema, new: GraphQLSchema, old_label: str = "old", new_label: str = "new"
) -> SchemaDiff:
    """Every change from ``old`` to ``new``, most critical first, then by path."""
    changes: Iterable[Change] = [*_core_changes(old, new), *_safe_changes(old, new)]
    ordered = sorted(changes, key=lambda c: (-c.criticality.rank, c.path, c.kind))
    return SchemaDiff(old=old_label, new=new_label, changes=ordered)
