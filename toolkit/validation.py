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
    for key in (
        "APPS",
        "SENSITIVE_FIELD_PATTERNS",
        "SENSITIVE_FIELD_NAMES",
        "SCHEMA_EXTENSIONS",
        "CSRF_PREVENTION_HEADERS",
    ):
        value = config[key]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            problems.append(Problem("toolkit.E004", f'TOOLKIT["{key}"] must be a list of strings.'))
    problems += schema_extension_problems(config["SCHEMA_EXTENSIONS"])
    for key in ("DOCUMENT_CACHE_SIZE", "DEBUG_QUERY_WARNING"):
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(Problem("toolkit.E004", f'TOOLKIT["{key}"] must be an integer >= 0.'))
    for key in ("BULK_MAX_ITEMS", "BULK_BATCH_SIZE"):
        value = config[key]
        if not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
            problems.append(
                Problem("toolkit.E004", f'TOOLKIT["{key}"] must be a positive integer, got {value!r}.')
            )
    for key in ("MUTATIONS", "INTROSPECTION", "OPTIMIZER"):
        if not isinstance(config[key], bool):
            problems.append(Problem("toolkit.E004", f'TOOLKIT["{key}"] must be True or False.'))
    result_cache = config["RESULT_CACHE"]
    if not (
        isinstance(result_cache, dict)
        and isinstance(result_cache.get("enabled"), bool)
        and isinstance(result_cache.get("timeout"), int)
        and result_cache["timeout"] > 0
    ):
        problems.append(
            Problem(
                "toolkit.E004",
                'TOOLKIT["RESULT_CACHE"] must be {"enabled": bool, "timeout": positive seconds}.',
            )
        )
    for key in ("OPERATION_TIMEOUT", "STATEMENT_TIMEOUT_MS"):
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            problems.append(
                Problem("toolkit.E004", f'TOOLKIT["{key}"] must be a number >= 0 (0 turns it off).')
            )
    if not isinstance(config["DEBUG_SQL"], bool):
        problems.append(Problem("toolkit.E004", 'TOOLKIT["DEBUG_SQL"] must be True or False.'))
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
    problems += role_problems(config)
    problems += rate_limit_and_audit_problems(config)
    problems += query_limit_problems(config)
    return problems


def role_problems(config: Any) -> list[Problem]:
    """``TOOLKIT["ROLES"]`` (toolkit.E050-E053, toolkit.security.roles)."""
    import re

    from toolkit.security.roles import ROLE_KEYS

    roles = config["ROLES"]
    if not isinstance(roles, dict):
        return [
            Problem(
                "toolkit.E050",
                'TOOLKIT["ROLES"] must be a dict of role name to role.',
                hint='For example {"anonymous": {}, "member": {"authenticated": True}}.',
            )
        ]
    problems = []
    for name, role in roles.items():
        if not (isinstance(name, str) and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name)):
            problems.append(
                Problem(
                    "toolkit.E051",
                    f'TOOLKIT["ROLES"] has an invalid role name {name!r}.',
                    hint="Letters, digits, '-' and '_' (the name is used as a file name).",
                )
            )
            continue
        if not isinstance(role, dict):
            problems.append(
                Problem("toolkit.E050", f'TOOLKIT["ROLES"]["{name}"] must be a dict, got {role!r}.')
            )
            continue
        for key, value in role.items():
            where = f'TOOLKIT["ROLES"]["{name}"]["{key}"]'
            if key not in ROLE_KEYS:
                problems.append(
                    Problem(
                        "toolkit.E052",
                        f'TOOLKIT["ROLES"]["{name}"] has an unknown key {key!r}.',
                        hint="Valid keys: " + ", ".join(ROLE_KEYS) + ".",
                    )
                )
            elif key == "permissions":
                if not (
                    isinstance(value, (list, tuple))
                    and all(isinstance(p, str) and re.fullmatch(r"[\w-]+\.\w+", p) for p in value)
                ):
                    problems.append(
                        Problem(
                            "toolkit.E053",
                            f"{where} must be a list of 'app_label.codename' strings, got {value!r}.",
                        )
                    )
            elif not isinstance(value, bool):
                problems.append(Problem("toolkit.E053", f"{where} must be True or False, got {value!r}."))
    return problems


def schema_extension_problems(paths: Any) -> list[Problem]:
    """Each ``TOOLKIT["SCHEMA_EXTENSIONS"]`` entry names a ``toolkit.extensions.SchemaExtension``."""
    from django.utils.module_loading import import_string

    from toolkit.extensions import SchemaExtension

    problems = []
    for path in paths if isinstance(paths, (list, tuple)) else ():
        try:
            found = import_string(path) if isinstance(path, str) else None
        except ImportError as exc:
            found, reason = None, f"cannot be imported ({exc})"
        else:
            reason = "is not a toolkit.extensions.SchemaExtension subclass"
        if not (isinstance(found, type) and issubclass(found, SchemaExtension)):
            problems.append(
                Problem(
                    "toolkit.E004",
                    f'TOOLKIT["SCHEMA_EXTENSIONS"] entry {path!r} {reason}.',
                    hint="Give the dotted path of a SchemaExtension subclass.",
                )
            )
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
    if not (isinstance(url, str) and (url == "" or url.startswith(("tcp://", "unix://")))):
        problems.append(
            Problem(
                "toolkit.E020",
                f'TOOLKIT["CLAMD_URL"] must start with tcp:// or unix://, got {url!r}.',
                hint="For example tcp://127.0.0.1:3310 or unix:///run/clamav/clamd.ctl; "
                '"" (not configured) uses the built-in test scanner.',
            )
        )
    return problems + extension_problems(config)


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def rate_limit_and_audit_problems(config: Any) -> list[Problem]:
    """Rate limiting, login throttling, trusted proxies and the audit log (toolkit.E040-E045)."""
    import ipaddress

    from django.conf import settings

    problems = []
    limits = config["RATE_LIMITS"]
    if limits is not None and not isinstance(limits, dict):
        problems.append(Problem("toolkit.E040", 'TOOLKIT["RATE_LIMITS"] must be a dict or None.'))
    for scope, value in (limits or {}).items() if isinstance(limits, dict) else ():
        if scope not in ("anonymous", "authenticated", "ip"):
            problems.append(
                Problem(
                    "toolkit.E040",
                    f'TOOLKIT["RATE_LIMITS"] has an unknown scope {scope!r}.',
                    hint='Scopes: "anonymous" (per IP), "authenticated" (per user), "ip" (per IP, everyone).',
                )
            )
            continue
        if value is None:
            continue
        if not isinstance(value, dict) or not set(value) <= {"requests", "cost", "window_seconds"}:
            problems.append(
                Problem(
                    "toolkit.E040",
                    f'TOOLKIT["RATE_LIMITS"]["{scope}"] must be None or a dict with "requests", "cost" '
                    'and "window_seconds".',
                )
            )
            continue
        for key, amount in value.items():
            if not (_positive_int(amount) or (amount is None and key != "window_seconds")):
                problems.append(
                    Problem(
                        "toolkit.E040",
                        f'TOOLKIT["RATE_LIMITS"]["{scope}"]["{key}"] must be a positive integer'
                        f"{'' if key == 'window_seconds' else ' or None'}, got {amount!r}.",
                    )
                )
    login = config["LOGIN_RATE_LIMIT"]
    if not (
        isinstance(login, dict)
        and set(login) <= {"per_username", "per_ip", "window_seconds"}
        and all(_positive_int(v) for v in login.values())
    ):
        problems.append(
            Problem(
                "toolkit.E041",
                'TOOLKIT["LOGIN_RATE_LIMIT"] must be a dict of positive integers "per_username", '
                f'"per_ip" and "window_seconds", got {login!r}.',
            )
        )
    proxies = config["TRUSTED_PROXIES"]
    if not isinstance(proxies, (list, tuple)):
        problems.append(Problem("toolkit.E042", 'TOOLKIT["TRUSTED_PROXIES"] must be a list of addresses.'))
    else:
        for entry in proxies:
            try:
                ipaddress.ip_network(str(entry).strip(), strict=False)
            except ValueError:
                problems.append(
                    Problem(
                        "toolkit.E042",
                        f'TOOLKIT["TRUSTED_PROXIES"] has {entry!r}, which is not an IP address or network.',
                        hint='For example "10.0.0.5" or "10.0.0.0/8".',
                    )
                )
    alias = config["RATE_LIMIT_CACHE"]
    if not isinstance(alias, str) or alias not in settings.CACHES:
        problems.append(
            Problem(
                "toolkit.E043",
                f'TOOLKIT["RATE_LIMIT_CACHE"] must name a cache in settings.CACHES, got {alias!r}.',
            )
        )
    if not isinstance(config["AUDIT_TABLE"], bool):
        problems.append(Problem("toolkit.E044", 'TOOLKIT["AUDIT_TABLE"] must be True or False.'))
    days = config["AUDIT_RETENTION_DAYS"]
    if not (days is None or _positive_int(days)):
        problems.append(
            Problem(
                "toolkit.E044",
                f'TOOLKIT["AUDIT_RETENTION_DAYS"] must be a positive integer or None, got {days!r}.',
            )
        )
    if not isinstance(config["AUDIT_REQUEST_ID_HEADER"], str):
        problems.append(
            Problem("toolkit.E044", 'TOOLKIT["AUDIT_REQUEST_ID_HEADER"] must be a header name or "".')
        )
    return problems


def query_limit_problems(config: Any) -> list[Problem]:
    """``QUERY_LIMITS`` and ``QUERY_LIMITS_BY_ROLE`` (toolkit.E030-E032, toolkit.security.limits)."""
    import re

    from toolkit.security.limits import LIMIT_KEYS, ROLES

    def entry_problems(where: str, entry: Any) -> list[Problem]:
        if not isinstance(entry, dict):
            return [Problem("toolkit.E030", f"{where} must be a dict of limits, got {entry!r}.")]
        found = []
        for key, value in entry.items():
            if key not in LIMIT_KEYS:
                found.append(
                    Problem(
                        "toolkit.E030",
                        f"{where} has an unknown key {key!r}.",
                        hint="Valid keys: " + ", ".join(LIMIT_KEYS) + ".",
                    )
                )
            elif key == "max_batch":
                if not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
                    found.append(
                        Problem(
                            "toolkit.E031",
                            f'{where}["max_batch"] must be an integer >= 0 (0 refuses batches), got {value!r}.',
                        )
                    )
            elif key == "default_list_cost":
                if not _positive_int(value):
                    found.append(
                        Problem(
                            "toolkit.E031", f'{where}["{key}"] must be a positive integer, got {value!r}.'
                        )
                    )
            elif not (value is None or _positive_int(value)):
                found.append(
                    Problem(
                        "toolkit.E031",
                        f'{where}["{key}"] must be a positive integer or None (no limit), got {value!r}.',
                    )
                )
        return found

    problems = entry_problems('TOOLKIT["QUERY_LIMITS"]', config["QUERY_LIMITS"])
    by_role = config["QUERY_LIMITS_BY_ROLE"]
    if not isinstance(by_role, dict):
        return [
            *problems,
            Problem("toolkit.E032", 'TOOLKIT["QUERY_LIMITS_BY_ROLE"] must be a dict of role to limits.'),
        ]
    for role, entry in by_role.items():
        if role not in ROLES and not (isinstance(role, str) and re.fullmatch(r"[\w-]+\.\w+", role)):
            problems.append(
                Problem(
                    "toolkit.E032",
                    f'TOOLKIT["QUERY_LIMITS_BY_ROLE"] has an unknown role {role!r}.',
                    hint="Roles: " + ", ".join(ROLES) + ", or a permission 'app_label.codename'.",
                )
            )
            continue
        problems += entry_problems(f'TOOLKIT["QUERY_LIMITS_BY_ROLE"]["{role}"]', entry)
    return problems


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
