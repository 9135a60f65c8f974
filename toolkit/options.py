"""Per-model options: a model's ``class GraphQLMeta`` merged with ``TOOLKIT["MODELS"]``.

Option keys (GraphQLMeta attributes use the same lower-case names; the settings win):

``exposed``            bool, default True: set False to hide one model of an exposed app.
``fields``             ``"__all__"`` (default) or the list of field names to expose.
``exclude``            field names to hide.
``allow_sensitive``    sensitive-looking field names (``password``, ``*token*`` ...) to expose anyway.
``read_only``          bool: the model gets no mutations.
``read_only_fields``   field names clients may read but not write.
``filter_fields``      ``"__all__"`` (default: every readable field) or a list.
``order_fields``       ``"__all__"`` (default: readable scalars and to-one relations) or a list.
``regex_fields``       string fields that accept ``regex``/``iRegex`` filters (off by default).
``name``               GraphQL type name (default: the model name).
``singular``/``plural`` snake_case root field names (default: from the type name).
``description``        type description.
``generic_targets``    ``{"gfk_field": ["app.Model", ...]}``: members of a generic relation's union
                       (default: every exposed model).
``version_field``      the field used for optimistic concurrency on updates: an integer field
                       (incremented on every update) or an ``auto_now`` date-time. Default: a
                       ``version`` integer field, else an ``auto_now`` ``updated_at``.

Security (docs/security.md):

``read_policy``        who may read rows: ``"public"``, ``"authenticated"``, ``"staff"``,
                       ``"superuser"``, ``"view"`` (the model's view permission),
                       ``"perm:app.codename"``, or a callable / dotted path ``(user, model) -> bool``.
                       Default ``TOOLKIT["DEFAULT_READ_POLICY"]``.
``scope``              a callable / dotted path ``(queryset, user, action) -> queryset`` applied on
                       every path to the rows (``action`` is ``read``, ``change`` or ``delete``).
``field_policies``     ``{"field": policy}`` or ``{"field": {"policy": ..., "mask": "email"}}``:
                       who may see a field; others get null (or the masked value).
``owner_field``        a foreign key to the user model that the server sets to the caller on
                       create; never writable by clients.
``server_fields``      fields only the server sets (never in mutation inputs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models

from toolkit.conf import get_config

ALL = "__all__"

LIST_OPTIONS = ("exclude", "allow_sensitive", "read_only_fields", "regex_fields", "server_fields")
LIST_OR_ALL_OPTIONS = ("fields", "filter_fields", "order_fields")
BOOL_OPTIONS = ("exposed", "read_only")
NAME_OPTIONS = ("name", "singular", "plural", "description", "version_field", "owner_field")
DICT_OPTIONS = ("generic_targets",)
#: Options holding a policy name or a callable (checked by toolkit.security.policies).
CALLABLE_OPTIONS = ("read_policy", "scope", "field_policies")
OPTION_KEYS = frozenset(
    LIST_OPTIONS + LIST_OR_ALL_OPTIONS + BOOL_OPTIONS + NAME_OPTIONS + DICT_OPTIONS + CALLABLE_OPTIONS
)


@dataclass(frozen=True)
class Problem:
    """A configuration mistake, reported as a system check (and refused by the schema build)."""

    id: str
    msg: str
    hint: str = ""
    obj: Any = None
    warning: bool = False


@dataclass
class ModelOptions:
    exposed: bool = True
    fields: list[str] | str = ALL
    exclude: list[str] = field(default_factory=list)
    allow_sensitive: list[str] = field(default_factory=list)
    read_only: bool = False
    read_only_fields: list[str] = field(default_factory=list)
    filter_fields: list[str] | str = ALL
    order_fields: list[str] | str = ALL
    regex_fields: list[str] = field(default_factory=list)
    name: str | None = None
    singular: str | None = None
    plural: str | None = None
    description: str | None = None
    generic_targets: dict[str, list[str]] = field(default_factory=dict)
    version_field: str | None = None
    read_policy: Any = None
    scope: Any = None
    field_policies: dict[str, Any] = field(default_factory=dict)
    owner_field: str | None = None
    server_fields: list[str] = field(default_factory=list)


def model_label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.object_name}"


def _graphql_meta_options(model: type[models.Model]) -> list[tuple[str, dict[str, Any]]]:
    """GraphQLMeta attributes from the model and its abstract bases (not concrete parents,
    whose names and choices must not leak into proxies and children)."""
    found = []
    for klass in reversed(model.__mro__):
        meta = klass.__dict__.get("GraphQLMeta")
        if meta is None:
            continue
        is_abstract_base = getattr(getattr(klass, "_meta", None), "abstract", False)
        if klass is model or is_abstract_base:
            attrs = {k: v for k, v in vars(meta).items() if not k.startswith("_")}
            found.append((f"{model_label(model)}.GraphQLMeta", attrs))
    return found


def _check_value(key: str, value: Any, where: str, obj: Any, problems: list[Problem]) -> bool:
    def bad(expected: str) -> bool:
        problems.append(
            Problem(
                "toolkit.E004",
                f"{where}: option '{key}' must be {expected}, got {value!r}.",
                obj=obj,
            )
        )
        return False

    if key in BOOL_OPTIONS and not isinstance(value, bool):
        return bad("True or False")
    if key in LIST_OPTIONS and not _is_str_list(value):
        return bad("a list of field names")
    if key in LIST_OR_ALL_OPTIONS and value != ALL and not _is_str_list(value):
        return bad(f"'{ALL}' or a list of field names")
    if key in NAME_OPTIONS and value is not None and not isinstance(value, str):
        return bad("a string")
    if key in DICT_OPTIONS and not (isinstance(value, dict) and all(_is_str_list(v) for v in value.values())):
        return bad("a dict of field name to a list of 'app_label.Model' labels")
    if key == "field_policies" and not isinstance(value, dict):
        return bad("a dict of field name to a policy")
    return True


def _is_str_list(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)


def resolve_options(model: type[models.Model]) -> tuple[ModelOptions, list[Problem]]:
    """Merge GraphQLMeta and ``TOOLKIT["MODELS"]`` for ``model``; report malformed options."""
    problems: list[Problem] = []
    sources = _graphql_meta_options(model)
    settings_options = get_config()["MODELS"].get(model_label(model))
    if settings_options is not None:
        if isinstance(settings_options, dict):
            sources.append((f'TOOLKIT["MODELS"]["{model_label(model)}"]', settings_options))
        else:
            problems.append(
                Problem(
                    "toolkit.E004",
                    f'TOOLKIT["MODELS"]["{model_label(model)}"] must be a dict of options.',
                    obj=model,
                )
            )
    merged: dict[str, Any] = {}
    for where, attrs in sources:
        for key, value in attrs.items():
            if key not in OPTION_KEYS:
                problems.append(
                    Problem(
                        "toolkit.E005",
                        f"{where}: unknown option '{key}'.",
                        hint="Valid options: " + ", ".join(sorted(OPTION_KEYS)) + ".",
                        obj=model,
                    )
                )
            elif _check_value(key, value, where, model, problems):
                merged[key] = list(value) if isinstance(value, tuple) else value
    if merged.get("fields", ALL) != ALL and merged.get("exclude"):
        problems.append(
            Problem(
                "toolkit.E004",
                f"{model_label(model)}: set either 'fields' or 'exclude', not both.",
                obj=model,
            )
        )
    return ModelOptions(**merged), problems
