"""Configuration problems that are not about one model's fields: the TOOLKIT keys themselves,
options for models that are not exposed, and clashes between generated names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import models

from toolkit.conf import DEFAULTS
from toolkit.fieldkinds import Kind
from toolkit.filters.operators import RESERVED_NAMES
from toolkit.naming import is_valid_graphql_name, pascal_case
from toolkit.options import Problem
from toolkit.security.policies import BUILTIN_POLICIES

if TYPE_CHECKING:
    from toolkit.registry import ModelSpec


def unknown_model_options(config: Any, listed: set[type[models.Model]]) -> list[Problem]:
    problems = []
    for label in config["MODELS"]:
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            problems.append(
                Problem(
                    "toolkit.E002",
                    f"TOOLKIT[\"MODELS\"] has options for unknown model '{label}'.",
                    hint="Keys are 'app_label.ModelName' of installed models.",
                )
            )
            continue
        if model not in listed:
            problems.append(
                Problem(
                    "toolkit.W001",
                    f"TOOLKIT[\"MODELS\"] has options for '{label}', which is not exposed.",
                    hint='Add its app (or the model) to TOOLKIT["APPS"], or remove the options.',
                    warning=True,
                )
            )
    return problems


def settings_problems(config: Any) -> list[Problem]:
    problems = []
    for key in config:
        if key not in DEFAULTS:
            problems.append(
                Problem(
                    "toolkit.E005",
                    f"TOOLKIT has an unknown key '{key}'.",
                    hint="Valid keys: " + ", ".join(sorted(DEFAULTS)) + ".",
                )
            )
    if config["NAME_CASE"] not in ("camel", "snake"):
        problems.append(
            Problem(
                "toolkit.E004",
                f'TOOLKIT["NAME_CASE"] must be "camel" or "snake", got {config["NAME_CASE"]!r}.',
            )
        )
    limits = (config["DEFAULT_LIMIT"], config["MAX_LIMIT"])
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in limits):
        problems.append(
            Problem("toolkit.E004", 'TOOLKIT["DEFAULT_LIMIT"] and ["MAX_LIMIT"] must be positive integers.')
        )
    elif limits[0] > limits[1]:
        problems.append(
            Problem(
                "toolkit.E008",
                f'TOOLKIT["DEFAULT_LIMIT"] ({limits[0]}) is larger than ["MAX_LIMIT"] ({limits[1]}).',
            )
        )
    if not isinstance(config["MODELS"], dict):
        problems.append(
            Problem("toolkit.E004", 'TOOLKIT["MODELS"] must be a dict keyed by "app_label.Model".')
        )
    for key in ("APPS", "SENSITIVE_FIELD_PATTERNS", "SENSITIVE_FIELD_NAMES"):
        value = config[key]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            problems.append(Problem("toolkit.E004", f'TOOLKIT["{key}"] must be a list of strings.'))
    for key in ("BULK_MAX_ITEMS", "BULK_BATCH_SIZE"):
        value = config[key]
        if not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
            problems.append(
                Problem("toolkit.E004", f'TOOLKIT["{key}"] must be a positive integer, got {value!r}.')
            )
    for key in ("MUTATIONS", "INTROSPECTION"):
        if not isinstance(config[key], bool):
            problems.append(Problem("toolkit.E004", f'TOOLKIT["{key}"] must be True or False.'))
    if config["HIDE_SUGGESTIONS"] not in (None, True, False):
        problems.append(Problem("toolkit.E004", 'TOOLKIT["HIDE_SUGGESTIONS"] must be None, True or False.'))
    if config["DEFAULT_READ_POLICY"] not in BUILTIN_POLICIES:
        problems.append(
            Problem(
                "toolkit.E004",
                f'TOOLKIT["DEFAULT_READ_POLICY"] must be one of {", ".join(BUILTIN_POLICIES)}, '
                f"got {config['DEFAULT_READ_POLICY']!r}.",
            )
        )
    value = config["MASS_ASSIGNMENT_PROTECTED"]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        problems.append(
            Problem("toolkit.E004", 'TOOLKIT["MASS_ASSIGNMENT_PROTECTED"] must be a list of strings.')
        )
    problems += lifecycle_problems(config)
    return problems


def lifecycle_problems(config: Any) -> list[Problem]:
    """The schema lifecycle and health keys (toolkit.E020-E021, docs/operations.md)."""
    from toolkit.health.config import extension_problems

    problems = []
    if not (isinstance(config["SCHEMA_SNAPSHOT_FILE"], str) and config["SCHEMA_SNAPSHOT_FILE"]):
        problems.append(Problem("toolkit.E020", 'TOOLKIT["SCHEMA_SNAPSHOT_FILE"] must be a non-empty path.'))
    seconds = config["SCHEMA_GENERATION_CHECK_SECONDS"]
    if not (isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and seconds >= 0):
        problems.append(
            Problem("toolkit.E020", 'TOOLKIT["SCHEMA_GENERATION_CHECK_SECONDS"] must be a number >= 0.')
        )
    days = config["HEALTH_RUN_RETENTION_DAYS"]
    if not (isinstance(days, int) and not isinstance(days, bool) and days > 0):
        problems.append(
            Problem(
                "toolkit.E020",
                f'TOOLKIT["HEALTH_RUN_RETENTION_DAYS"] must be a positive integer, got {days!r}.',
            )
        )
    url = config["CLAMD_URL"]
    if not (isinstance(url, str) and url.startswith(("tcp://", "unix://"))):
        problems.append(
            Problem(
                "toolkit.E020",
                f'TOOLKIT["CLAMD_URL"] must start with tcp:// or unix://, got {url!r}.',
                hint="For example tcp://127.0.0.1:3310 or unix:///run/clamav/clamd.ctl.",
            )
        )
    return problems + extension_problems(config)


#: Suffixes of the types generated per model (see toolkit.filters, ordering, pagination, aggregates).
GENERATED_SUFFIXES = (
    "Where",
    "OrderBy",
    "RelationFilter",
    "Page",
    "Connection",
    "Edge",
    "Aggregate",
    "AggregateGroup",
    "GroupKey",
    "GroupBy",
    "SumAggregate",
    "AvgAggregate",
    "MinAggregate",
    "MaxAggregate",
    "Interface",
    "CreateInput",
    "UpdateInput",
    "ToOneInput",
    "ManyInput",
    "ChildrenInput",
    "ThroughInput",
    "BulkUpdateItem",
    "Payload",
    "BulkPayload",
    "BulkResult",
)
#: Names the schema uses for its own types.
RESERVED_TYPE_NAMES = RESERVED_NAMES | {
    "Query", "Mutation", "Subscription", "FileInfo", "PageInfo", "SortDirection", "JSON",
    "Duration", "BigInt", "Decimal", "UUID", "Date", "DateTime", "Time", "String", "Int",
    "Float", "Boolean", "ID", "FieldError", "DeletePayload", "BulkDeletePayload",
}  # fmt: skip
ROOT_SUFFIXES = ("", "_page", "_connection", "_aggregate")


def name_problems(specs: dict[type[models.Model], ModelSpec]) -> list[Problem]:
    """Generated type and root-field names must be valid GraphQL names and unique.

    One problem per model and kind of name, naming the first conflict found."""
    problems: list[Problem] = []
    type_owners: dict[str, str] = {}
    root_owners: dict[str, str] = {}
    hint = "Set 'name', 'singular' or 'plural' in GraphQLMeta or TOOLKIT['MODELS']."

    def first_conflict(
        names: list[str], owners: dict[str, str], owner: str, reserved: frozenset
    ) -> str | None:
        for name in names:
            if not is_valid_graphql_name(name):
                return f"'{name}' is not a valid GraphQL name"
            if name in reserved:
                return f"'{name}' is reserved by the toolkit"
            if owners.get(name, owner) != owner:
                return f"'{name}' is already used by {owners[name]}"
        for name in names:
            owners.setdefault(name, owner)
        return None

    for spec in specs.values():
        type_names = [spec.type_name] + [spec.type_name + suffix for suffix in GENERATED_SUFFIXES]
        for fs in spec.fields.values():
            if fs.kind == Kind.ENUM and fs.field.model is spec.model:
                type_names += [
                    spec.type_name + pascal_case(fs.name),
                    spec.type_name + pascal_case(fs.name) + "Filter",
                ]
        conflict = first_conflict(type_names, type_owners, spec.label, RESERVED_TYPE_NAMES)
        if conflict:
            problems.append(
                Problem("toolkit.E006", f"{spec.label}: type name {conflict}.", hint=hint, obj=spec.model)
            )
        root_names = [spec.singular] + [spec.plural + suffix for suffix in ROOT_SUFFIXES]
        conflict = first_conflict(root_names, root_owners, spec.label, frozenset())
        if conflict:
            problems.append(
                Problem("toolkit.E006", f"{spec.label}: root field {conflict}.", hint=hint, obj=spec.model)
            )
    return problems
