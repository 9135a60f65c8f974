"""What is exposed and how: one :class:`ModelSpec` per exposed model.

Deny by default: a model is exposed only when its app (or the model itself) is listed in
``TOOLKIT["APPS"]``. A field is readable only when the options allow it, it does not look like
a secret (unless allowed), and, for relations, the related model is exposed too. Filters,
ordering, aggregates and types all read the same spec, so a hidden field is hidden everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRel, GenericRelation
from django.db import models

from toolkit.computation import ComputedField, computed_fields
from toolkit.conf import get_config
from toolkit.fieldkinds import GROUPABLE, NUMERIC, ORDERED, SORTABLE, Kind, kind_of
from toolkit.naming import pascal_case, pluralize, snake_case
from toolkit.options import ALL, ModelOptions, Problem, model_label, resolve_options
from toolkit.validation import name_problems, settings_problems, unknown_model_options

AnyField = models.Field | models.ForeignObjectRel | GenericForeignKey
#: Fields of the user model only the server (or Django's auth views) set.
USER_SERVER_FIELDS = frozenset({"is_active", "last_login", "date_joined"})


@dataclass
class FieldSpec:
    """A readable model field, named as on the model (snake_case) and as an attribute."""

    name: str
    field: AnyField
    kind: Kind

    @property
    def related_model(self) -> type[models.Model] | None:
        return getattr(self.field, "related_model", None)

    @property
    def null(self) -> bool:
        if self.kind == Kind.TO_ONE and isinstance(self.field, models.ForeignObjectRel):
            return True  # a reverse one-to-one may have no row
        return bool(getattr(self.field, "null", False))


@dataclass
class ModelSpec:
    model: type[models.Model]
    options: ModelOptions
    type_name: str
    singular: str
    plural: str
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    filterable: list[str] = field(default_factory=list)
    orderable: list[str] = field(default_factory=list)
    #: Reverse relations whose forward side clients may not write (``User.groups`` seen from
    #: ``Group.user_set``, an owner field seen from the owner): not writable from this side either.
    protected_reverse: set[str] = field(default_factory=set)
    #: ``@computed`` methods exposed as read-only fields (toolkit.computation), by name.
    computed: dict[str, ComputedField] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return model_label(self.model)

    @cached_property
    def aggregatable(self) -> list[str]:
        """Fields with sum/avg (numbers, durations)."""
        return [n for n, f in self.fields.items() if f.kind in NUMERIC]

    @cached_property
    def comparable(self) -> list[str]:
        """Fields with min/max (numbers, durations, dates and times)."""
        return [n for n, f in self.fields.items() if f.kind in ORDERED and f.kind != Kind.ID]

    @cached_property
    def groupable(self) -> list[str]:
        return [n for n, f in self.fields.items() if f.kind in GROUPABLE]

    def relation(self, name: str) -> FieldSpec:
        return self.fields[name]

    @property
    def writable_model(self) -> bool:
        """Whether the model gets mutations."""
        return not self.options.read_only

    @cached_property
    def writable(self) -> list[str]:
        """Fields clients may set through generated inputs: readable, editable, not read-only,
        not the primary key; files are left to the media pipeline, reverse one-to-ones and
        generic relations are not written through their owner."""
        names = []
        generic_keys = {
            f.fk_field for f in self.model._meta.private_fields if isinstance(f, GenericForeignKey)
        }
        protected = (
            set(get_config()["MASS_ASSIGNMENT_PROTECTED"])
            | set(self.options.server_fields)
            | self.protected_reverse
        )
        if self.model is get_user_model():
            protected |= USER_SERVER_FIELDS
        if self.options.owner_field:
            protected.add(self.options.owner_field)
        for name, fs in self.fields.items():
            f = fs.field
            if (
                name in self.options.read_only_fields
                or fs.kind in (Kind.ID, Kind.FILE)
                or name in generic_keys
                or name in protected
            ):
                continue
            if fs.kind == Kind.GENERIC_FK:
                names.append(name)
            elif isinstance(f, GenericRelation) or (isinstance(f, models.ForeignObjectRel) and f.one_to_one):
                continue
            elif (isinstance(f, models.ForeignObjectRel) or f.editable) and not getattr(
                f, "primary_key", False
            ):
                names.append(name)
        return names

    @cached_property
    def writable_files(self) -> list[str]:
        """File and Image fields a client may set with an ``Upload`` when a schema extension stores
        files (toolkit.extensions): editable, not read-only, not protected."""
        protected = set(get_config()["MASS_ASSIGNMENT_PROTECTED"]) | set(self.options.server_fields)
        return [
            name
            for name, fs in self.fields.items()
            if fs.kind == Kind.FILE
            and fs.field.editable
            and name not in self.options.read_only_fields
            and name not in protected
        ]

    @cached_property
    def version_field(self) -> models.Field | None:
        """The optimistic-concurrency field (see the ``version_field`` option)."""
        opts = self.model._meta
        name = self.options.version_field
        if name is None:
            candidates = [
                f for f in opts.concrete_fields if f.name == "version" and isinstance(f, models.IntegerField)
            ]
            candidates += [
                f for f in opts.concrete_fields if f.name == "updated_at" and getattr(f, "auto_now", False)
            ]
            return candidates[0] if candidates else None
        return opts.get_field(name)


def candidate_fields(model: type[models.Model]) -> dict[str, AnyField]:
    """Every field, reverse relation and generic relation of ``model``, by attribute name."""
    opts = model._meta
    found: dict[str, AnyField] = {}
    every = opts.get_fields(include_hidden=False)
    forward_first = [f for f in every if not f.auto_created or f.concrete] + [
        f for f in every if f.auto_created and not f.concrete
    ]
    for f in forward_first:
        if isinstance(f, GenericRel):
            continue  # the query-only reverse side of a GenericRelation; it has no accessor
        if isinstance(f, models.ForeignObjectRel):
            if f.parent_link or f.hidden:
                continue  # multi-table inheritance links are modelled as interfaces
            found[f.get_accessor_name()] = f
        elif isinstance(f, models.OneToOneField) and f.remote_field.parent_link:
            continue
        else:
            found[f.name] = f
    return found


def is_sensitive(name: str, *, patterns: list[str], names: list[str]) -> bool:
    lowered = name.lower()
    return lowered in {n.lower() for n in names} or any(p.lower() in lowered for p in patterns)


def _listed_models() -> tuple[list[type[models.Model]], list[Problem]]:
    """Concrete and proxy models named by ``TOOLKIT["APPS"]``, in a stable order."""
    problems: list[Problem] = []
    selected: dict[str, type[models.Model]] = {}
    for entry in get_config()["APPS"]:
        if "." in entry:
            try:
                model = apps.get_model(entry)
            except (LookupError, ValueError):
                problems.append(
                    Problem(
                        "toolkit.E001",
                        f"TOOLKIT[\"APPS\"] names an unknown model '{entry}'.",
                        hint="Use 'app_label' or 'app_label.ModelName' of an installed app.",
                    )
                )
                continue
            models_of_entry = [model]
        else:
            try:
                models_of_entry = list(apps.get_app_config(entry).get_models())
            except LookupError:
                problems.append(
                    Problem(
                        "toolkit.E001",
                        f"TOOLKIT[\"APPS\"] names an unknown app '{entry}'.",
                        hint="List the app label of an app in INSTALLED_APPS.",
                    )
                )
                continue
        for model in models_of_entry:
            if not model._meta.auto_created and not model._meta.swapped:
                selected[model_label(model)] = model
    return list(selected.values()), problems


@dataclass
class ExposureRegistry:
    """The exposed models and every problem found while resolving their options."""

    specs: dict[type[models.Model], ModelSpec]
    problems: list[Problem]

    def spec_for(self, model: type[models.Model]) -> ModelSpec | None:
        return self.specs.get(model)

    def is_exposed(self, model: type[models.Model] | None) -> bool:
        return model is not None and model in self.specs


def build_registry() -> ExposureRegistry:
    """Resolve the configuration into specs; never raises (problems are collected)."""
    config = get_config()
    problems = settings_problems(config)
    if problems:
        return ExposureRegistry(specs={}, problems=problems)
    listed, problems = _listed_models()
    options: dict[type[models.Model], ModelOptions] = {}
    for model in listed:
        opts, model_problems = resolve_options(model)
        problems += model_problems
        if opts.exposed:
            options[model] = opts
    problems += unknown_model_options(config, set(listed))

    names = _type_names(options)
    specs = {
        model: ModelSpec(
            model=model,
            options=opts,
            type_name=names[model],
            singular=opts.singular or snake_case(names[model]),
            plural=opts.plural or pluralize(opts.singular or snake_case(names[model])),
        )
        for model, opts in options.items()
    }
    for spec in specs.values():
        problems += _resolve_fields(spec, specs, config)
    _protect_reverse_sides(specs, config)
    problems += name_problems(specs)
    return ExposureRegistry(specs=specs, problems=problems)


def _protect_reverse_sides(specs: dict[type[models.Model], ModelSpec], config: Any) -> None:
    """A relation protected on one side is protected on the other: adding yourself to a group's
    ``user_set`` is writing ``User.groups``; re-linking ``User.reviews`` is writing ``Review.user``."""
    user_model = get_user_model()
    for spec in specs.values():
        for name, fs in spec.fields.items():
            if not isinstance(fs.field, models.ForeignObjectRel):
                continue
            forward = fs.field.field
            forward_model = forward.model
            protected = set(config["MASS_ASSIGNMENT_PROTECTED"])
            if forward_model is user_model:
                protected |= USER_SERVER_FIELDS
            other = specs.get(forward_model)
            if other is not None:
                opts = other.options
                protected |= set(opts.server_fields) | set(opts.read_only_fields)
                if opts.owner_field:
                    protected.add(opts.owner_field)
            else:
                owner = resolve_options(forward_model)[0].owner_field
                if owner:
                    protected.add(owner)
            if forward.name in protected:
                spec.protected_reverse.add(name)


def security_problems(spec: ModelSpec, candidates: dict[str, Any]) -> list[Problem]:
    """Policies, scope, field policies, owner and server fields must name usable things."""
    from toolkit.security.policies import PolicyError, check_policy, resolve_callable

    problems = []
    opts = spec.options

    def bad(message: str) -> None:
        problems.append(Problem("toolkit.E009", f"{spec.label}: {message}", obj=spec.model))

    try:
        check_policy(opts.read_policy, "'read_policy'")
        if opts.scope is not None:
            resolve_callable(opts.scope, "'scope'")
        for name, rule in opts.field_policies.items():
            if name not in candidates:
                bad(f"'field_policies' names field '{name}', which does not exist on the model.")
            policy = rule.get("policy", "staff") if isinstance(rule, dict) else rule
            check_policy(policy, f"'field_policies' of '{name}'")
    except PolicyError as exc:
        bad(str(exc))
    for name in opts.server_fields:
        if name not in candidates:
            bad(f"'server_fields' names field '{name}', which does not exist on the model.")
    if opts.owner_field is not None:
        field = candidates.get(opts.owner_field)
        if not (isinstance(field, models.ForeignKey) and field.related_model is get_user_model()):
            bad(f"'owner_field' must name a foreign key to the user model, got '{opts.owner_field}'.")
    return problems


def _resolve_computed(
    spec: ModelSpec, methods: dict[str, ComputedField], candidates: dict[str, Any], config: Any
) -> list[Problem]:
    """Expose the ``@computed`` methods the options allow; report bad declarations."""
    from toolkit.computation import problems_of

    problems = []
    opts = spec.options
    for name, method in methods.items():
        messages = problems_of(spec.model, method)
        if name in candidates:
            messages.append(f"computed field '{name}' has the name of a model field.")
        if messages:
            problems += [Problem("toolkit.E010", f"{spec.label}: {m}", obj=spec.model) for m in messages]
            continue
        hidden = (
            (opts.fields != ALL and name not in opts.fields)
            or name in opts.exclude
            or (
                name not in opts.allow_sensitive
                and is_sensitive(
                    name, patterns=config["SENSITIVE_FIELD_PATTERNS"], names=config["SENSITIVE_FIELD_NAMES"]
                )
            )
        )
        if not hidden:
            spec.computed[name] = method
    return problems


def _type_names(options: dict[type[models.Model], ModelOptions]) -> dict[type[models.Model], str]:
    """Model names, with the app label as prefix where two apps share a model name."""
    counts: dict[str, int] = {}
    for model in options:
        counts[model._meta.object_name] = counts.get(model._meta.object_name, 0) + 1
    names = {}
    for model, opts in options.items():
        object_name = model._meta.object_name
        prefix = pascal_case(model._meta.app_label) if counts[object_name] > 1 else ""
        names[model] = opts.name or prefix + object_name
    return names


def _resolve_fields(
    spec: ModelSpec, specs: dict[type[models.Model], ModelSpec], config: Any
) -> list[Problem]:
    problems: list[Problem] = []
    model, opts = spec.model, spec.options
    candidates = candidate_fields(model)
    methods = computed_fields(model)
    readable_candidates = {**methods, **candidates}

    def unknown(option: str, names: Any, allowed: Any) -> None:
        for name in names if isinstance(names, (list, tuple)) else ():
            if name not in allowed:
                problems.append(
                    Problem(
                        "toolkit.E003",
                        f"{spec.label}: '{option}' names field '{name}', which does not exist on the model.",
                        hint="Fields: " + ", ".join(sorted(allowed)) + ".",
                        obj=model,
                    )
                )

    for option in ("fields", "exclude", "allow_sensitive"):
        unknown(option, getattr(opts, option), readable_candidates)
    for option in ("read_only_fields", "filter_fields", "order_fields", "regex_fields"):
        unknown(option, getattr(opts, option), candidates)
    problems += security_problems(spec, readable_candidates)
    problems += _resolve_computed(spec, methods, candidates, config)
    if opts.version_field is not None:
        f = candidates.get(opts.version_field)
        if f is None:
            unknown("version_field", [opts.version_field], candidates)
        elif not (isinstance(f, models.IntegerField) or getattr(f, "auto_now", False)):
            problems.append(
                Problem(
                    "toolkit.E004",
                    f"{spec.label}: 'version_field' names '{opts.version_field}', which is neither an "
                    "integer field nor an auto_now date-time.",
                    obj=model,
                )
            )
    for gfk_name, labels in opts.generic_targets.items():
        for label in labels:
            try:
                target = apps.get_model(label)
            except (LookupError, ValueError):
                target = None
            if target not in specs:
                problems.append(
                    Problem(
                        "toolkit.E003",
                        f"{spec.label}: 'generic_targets' for '{gfk_name}' names '{label}', which is not "
                        "an exposed model.",
                        hint="Use 'app_label.ModelName' of models exposed through TOOLKIT['APPS'].",
                        obj=model,
                    )
                )
        if not isinstance(candidates.get(gfk_name), GenericForeignKey):
            problems.append(
                Problem(
                    "toolkit.E003",
                    f"{spec.label}: 'generic_targets' names '{gfk_name}', which is not a "
                    "GenericForeignKey of the model.",
                    obj=model,
                )
            )

    pk_name = model._meta.pk.name
    for name, f in candidates.items():
        if name == pk_name or (pk_name not in candidates and name == "id"):
            spec.fields[name] = FieldSpec(name, f, kind_of(f))
            continue
        if opts.fields != ALL and name not in opts.fields:
            continue
        if name in opts.exclude:
            continue
        if name not in opts.allow_sensitive and is_sensitive(
            name, patterns=config["SENSITIVE_FIELD_PATTERNS"], names=config["SENSITIVE_FIELD_NAMES"]
        ):
            continue
        kind = kind_of(f)
        if kind in (Kind.TO_ONE, Kind.TO_MANY) and f.related_model not in specs:
            continue
        if isinstance(f, models.ForeignObjectRel) and f.related_model._meta.proxy:
            continue
        spec.fields[name] = FieldSpec(name, f, kind)
    if model._meta.pk.name not in spec.fields:
        # Multi-table children: the parent link is the pk; expose the parent's 'id' instead.
        parent_pk = model._meta.pk
        while isinstance(parent_pk, models.OneToOneField) and parent_pk.remote_field.parent_link:
            parent_pk = parent_pk.related_model._meta.pk
        spec.fields.setdefault(parent_pk.name, FieldSpec(parent_pk.name, parent_pk, Kind.ID))

    for option in ("filter_fields", "order_fields", "regex_fields"):
        names = getattr(opts, option)
        for name in names if isinstance(names, (list, tuple)) else ():
            if name in candidates and name not in spec.fields:
                problems.append(
                    Problem(
                        "toolkit.E007",
                        f"{spec.label}: '{option}' names field '{name}', which is not readable "
                        "(hidden as sensitive, excluded, or a relation to a model that is not "
                        "exposed).",
                        hint="List only fields that are exposed for reading.",
                        obj=model,
                    )
                )
    filterable = [
        n
        for n, f in spec.fields.items()
        if f.kind not in (Kind.GENERIC_FK,) and (opts.filter_fields == ALL or n in opts.filter_fields)
    ]
    orderable = [
        n
        for n, f in spec.fields.items()
        if (f.kind in SORTABLE and not isinstance(f.field, models.ForeignObjectRel))
        and (opts.order_fields == ALL or n in opts.order_fields)
    ]
    spec.filterable = filterable
    spec.orderable = orderable
    for name in opts.regex_fields:
        f = spec.fields.get(name)
        if f is not None and f.kind != Kind.STRING:
            problems.append(
                Problem(
                    "toolkit.E004",
                    f"{spec.label}: 'regex_fields' names '{name}', which is not a string field.",
                    obj=model,
                )
            )
    return problems
