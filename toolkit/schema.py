"""Assemble the live schema from the exposure registry, and cache it per configuration.

:class:`SchemaBuilder` is the one context every generator receives: it memoises generated
types (so recursive references resolve to one class) and owns the query helpers every path
to the data goes through (``queryset``, ``filtered``, ``ordered``, ``fetch``).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import graphene
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.db import models
from graphene.utils.str_converters import to_camel_case
from graphene_django.converter import EnumValueField, convert_choice_field_to_enum
from graphql import get_named_type

from toolkit import caching, extensions, optimizer, stats
from toolkit.conf import config_fingerprint, get_config
from toolkit.exceptions import BadUserInput, ConfigurationError, Forbidden
from toolkit.fieldkinds import Kind
from toolkit.filters.build import WhereCompiler
from toolkit.filters.inputs import build_relation_filter, build_where_input
from toolkit.filters.operators import enum_filter
from toolkit.ids import to_pk
from toolkit.mutations.inputs import bulk_update_item, model_input
from toolkit.naming import pascal_case
from toolkit.optimizer.planner import Planner
from toolkit.optimizer.selection import Walker
from toolkit.ordering import apply_ordering, build_order_input
from toolkit.pagination import check_offset, check_size
from toolkit.registry import ExposureRegistry, ModelSpec, build_registry
from toolkit.security.context import current_user
from toolkit.security.policies import READ, can_see_field, scoped
from toolkit.types import converters  # noqa: F401  (registers our converters)
from toolkit.types.base import GeneratedObjectType
from toolkit.types.converters import ToolkitRegistry
from toolkit.types.files import build_file_info
from toolkit.types.objects import build_interface, build_object_type
from toolkit.types.polymorphism import child_links, downcast_all, with_children
from toolkit.types.relations import build_generic_union

_MISSING = object()


class SchemaBuilder:
    def __init__(self, exposure: ExposureRegistry) -> None:
        self.exposure = exposure
        self.config = get_config()
        self.camel = self.config["NAME_CASE"] == "camel"
        self.registry = ToolkitRegistry(self)
        self.where = WhereCompiler(self)
        self._memo: dict[Any, Any] = {}
        self._links = {m: child_links(m, exposure.specs) for m in exposure.specs}
        #: ``TOOLKIT["SCHEMA_EXTENSIONS"]`` (toolkit.extensions), one instance each for this schema.
        self.extensions = extensions.load(self, self.config["SCHEMA_EXTENSIONS"])
        #: The extension that stores files written through generated inputs, if any.
        self.file_writer = next((e for e in self.extensions if e.writes_files), None)

    # -- names and specs ----------------------------------------------------------------------
    def display(self, python_name: str) -> str:
        """The name a client sees for an argument or input key."""
        name = python_name.rstrip("_")
        return to_camel_case(name) if self.camel else name

    def spec(self, model: type[models.Model]) -> ModelSpec:
        return self.exposure.specs[model]

    def is_exposed(self, model: type[models.Model] | None) -> bool:
        return self.exposure.is_exposed(model)

    def child_links(self, model: type[models.Model]) -> list[str]:
        return self._links.get(model, [])

    def memo(self, key: Any, factory: Callable[[], Any]) -> Any:
        """The value built by ``factory`` for ``key``, built once per schema."""
        value = self._memo.get(key, _MISSING)
        if value is _MISSING:
            value = self._memo[key] = factory()
        return value

    # -- generated types ----------------------------------------------------------------------
    def object_type(self, model: type[models.Model]) -> Any:
        return self.memo(("object", model), lambda: build_object_type(self, self.spec(model)))

    def interface(self, model: type[models.Model]) -> Any:
        """The interface of a parent with exposed multi-table children, else None."""
        if not self.child_links(model):
            return None
        return self.memo(("interface", model), lambda: build_interface(self, self.spec(model)))

    def interfaces_of(self, model: type[models.Model]) -> tuple:
        if model._meta.proxy:
            return ()
        lineage = [model, *model._meta.get_parent_list()]
        return tuple(i for m in lineage if self.is_exposed(m) and (i := self.interface(m)))

    def output_type(self, model: type[models.Model]) -> Any:
        return self.interface(model) or self.object_type(model)

    def where_input(self, model: type[models.Model]) -> Any:
        return self.memo(("where", model), lambda: build_where_input(self, model))

    def relation_filter(self, model: type[models.Model]) -> Any:
        return self.memo(("relation", model), lambda: build_relation_filter(self, model))

    def order_input(self, model: type[models.Model]) -> Any:
        return self.memo(("order", model), lambda: build_order_input(self, model))

    def choice_enum(self, field: models.Field) -> Any:
        def make() -> Any:
            owner = self.exposure.spec_for(field.model)
            prefix = owner.type_name if owner else field.model._meta.object_name
            return convert_choice_field_to_enum(field, name=f"{prefix}{pascal_case(field.name)}")

        return self.memo(("enum", field), make)

    def enum_filter(self, field: models.Field) -> Any:
        enum_type = self.choice_enum(field)
        return self.memo(("enum_filter", enum_type), lambda: enum_filter(enum_type))

    def create_input(self, model: type[models.Model]) -> Any:
        return self.memo(("create_input", model), lambda: model_input(self, model, update=False))

    def update_input(self, model: type[models.Model]) -> Any:
        return self.memo(("update_input", model), lambda: model_input(self, model, update=True))

    def bulk_update_item(self, model: type[models.Model]) -> Any:
        return self.memo(("bulk_update_item", model), lambda: bulk_update_item(self, model))

    def file_info(self) -> Any:
        """``FileInfo``, with the fields the extensions add."""
        return self.memo("file_info", lambda: build_file_info(self.extensions))

    def generic_union(self, field: GenericForeignKey) -> Any:
        return self.memo(("union", field), lambda: self._build_union(field))

    def _build_union(self, field: GenericForeignKey) -> Any:
        owner = self.spec(field.model)
        labels = owner.options.generic_targets.get(field.name)
        if labels is not None:
            from django.apps import apps

            targets = [apps.get_model(label) for label in labels]
        else:
            targets = [
                spec.model
                for spec in self.exposure.specs.values()
                if any(
                    isinstance(f, GenericRelation) and f.related_model is field.model
                    for f in spec.model._meta.private_fields
                )
            ] or list(self.exposure.specs)
        targets = [m for m in targets if self.is_exposed(m) and not m._meta.proxy]
        return build_generic_union(self, owner.type_name, field, targets)

    # -- the data path ------------------------------------------------------------------------
    def queryset(self, model: type[models.Model], action: str = READ) -> models.QuerySet:
        """Every access to ``model`` starts here (root lists, lookups, relation sub-queries,
        mutation lookups): the caller's read policy and the model's scope apply."""
        caching.read(model)
        return scoped(self.spec(model), model._default_manager.all(), current_user(), action)

    def restrict(self, model: type[models.Model], queryset: models.QuerySet) -> models.QuerySet:
        """The same rules on a queryset that did not start at :meth:`queryset` (a related manager)."""
        caching.read(model)
        return scoped(self.spec(model), queryset, current_user(), READ)

    def can_see(self, model: type[models.Model], field_name: str) -> bool:
        return can_see_field(self.spec(model), field_name, current_user())

    def require_visible(self, model: type[models.Model], field_name: str, argument: str) -> None:
        """Filtering, ordering or grouping on a field reveals it: only for those who may see it."""
        if not self.can_see(model, field_name):
            raise Forbidden(
                f"Argument '{argument}' uses a field you may not see.", extensions={"argument": argument}
            )

    def filtered(
        self, model: type[models.Model], queryset: models.QuerySet, where: Any, argument: str = "where"
    ) -> models.QuerySet:
        if where is None:
            return queryset
        return queryset.filter(self.where.compile(model, where, self.display(argument)))

    def ordered(self, model: type[models.Model], queryset: models.QuerySet, order_by: Any) -> models.QuerySet:
        queryset = apply_ordering(self, model, queryset, order_by, self.display("order_by"))
        return with_children(queryset, self.child_links(model))

    def fetch(self, model: type[models.Model], queryset: models.QuerySet) -> list:
        """Evaluate a queryset of ``model`` rows, downcast to their concrete types."""
        stats.check_deadline()
        return downcast_all(queryset, self.child_links(model))

    def fetcher(self, model: type[models.Model]) -> Callable[[models.QuerySet], list]:
        return lambda queryset: self.fetch(model, queryset)

    def list_rows(
        self,
        model: type[models.Model],
        queryset: models.QuerySet,
        *,
        where: Any,
        order_by: Any,
        limit: int | None,
        offset: int | None,
        info: Any = None,
    ) -> list:
        size, start = check_size(limit, "limit"), check_offset(offset, "offset")
        queryset = self.ordered(model, self.filtered(model, queryset, where), order_by)
        if info is not None:
            queryset = self.plan(model, queryset, info)
        return self.fetch(model, queryset[start : start + size])

    def fetch_by_pk(
        self, model: type[models.Model], pks: Iterable[Any], info: Any = None, *path: str
    ) -> dict[Any, Any]:
        pks = list(pks)
        if not pks:
            return {}
        queryset = with_children(self.queryset(model).filter(pk__in=pks), self.child_links(model))
        if info is not None:
            queryset = self.plan(model, queryset, info, *path)
        return {obj.pk: obj for obj in self.fetch(model, queryset)}

    def with_children(self, model: type[models.Model], queryset: models.QuerySet) -> models.QuerySet:
        return with_children(queryset, self.child_links(model))

    # -- the optimizer ------------------------------------------------------------------------
    def plan(
        self, model: type[models.Model], queryset: models.QuerySet, info: Any, *path: str
    ) -> models.QuerySet:
        """``queryset`` with the relations selected under ``info``'s field planned; ``path``
        leads from the field's type to the rows (``items`` of a page, ``edges``/``node``)."""
        if not optimizer.is_enabled():
            return queryset
        walker = Walker.of(info)
        named, nodes = get_named_type(info.return_type), info.field_nodes
        for name in path:
            nodes = walker.child(named, nodes, name)
            if not nodes:
                return queryset
            named = get_named_type(named.fields[name].type)
        return Planner(self, walker).plan(model, queryset, named, nodes)

    def model_of_type(self, type_name: str) -> type[models.Model] | None:
        """The model behind a generated object type or interface name."""

        def index() -> dict[str, type[models.Model]]:
            found = {}
            for spec in self.exposure.specs.values():
                found[spec.type_name] = spec.model
                found[f"{spec.type_name}Interface"] = spec.model
            return found

        return self.memo("types_to_models", index).get(type_name)

    def field_of(self, spec: ModelSpec, graphql_name: str) -> tuple[Any, bool]:
        """(FieldSpec, is the ``<relation>Count`` field) of a field of ``spec``'s type."""

        def index() -> dict[str, tuple[Any, bool]]:
            found = {}
            for name, fs in spec.fields.items():
                found[self.display(name)] = (fs, False)
                if fs.kind == Kind.TO_MANY:
                    found[self.display(f"{name}_count")] = (fs, True)
            return found

        return self.memo(("fields_of", spec.model), index).get(graphql_name, (None, False))

    def computed_of(self, spec: ModelSpec, graphql_name: str) -> Any:
        """The ``ComputedField`` behind a field of ``spec``'s type, if it is one."""

        def index() -> dict[str, Any]:
            return {self.display(name): method for name, method in spec.computed.items()}

        return self.memo(("computed_of", spec.model), index).get(graphql_name)

    def parse_id(self, model: type[models.Model], value: Any, argument: str) -> Any:
        shown = self.display(argument)
        try:
            return to_pk(model._meta.pk, value)
        except ValueError:
            raise BadUserInput(
                f"Argument '{shown}' is not a valid {self.spec(model).type_name} id: {value!r}.",
                argument=shown,
            ) from None

    # -- the schema ---------------------------------------------------------------------------
    def build(self) -> graphene.Schema:
        from toolkit.mutations.fields import mutation_fields
        from toolkit.mutations.methods import method_fields
        from toolkit.queries import root_fields
        from toolkit.security import auth_schema

        specs = list(self.exposure.specs.values())
        for spec in specs:
            for fs in spec.fields.values():
                if fs.kind == Kind.ENUM and self.registry.get_converted_field(fs.field) is None:
                    enum_type = self.choice_enum(fs.field)
                    required = not (fs.field.blank or fs.field.null)
                    converted = enum_type(
                        description=str(fs.field.help_text) or None, required=required
                    ).mount_as(EnumValueField)
                    self.registry.register_converted_field(fs.field, converted)
        types = [self.object_type(spec.model) for spec in specs]
        attrs: dict[str, Any] = {}
        for spec in specs:
            attrs.update(root_fields(self, spec))
        for extension in self.extensions:
            types += extension.types()
            attrs.update(extension.query_fields())
        if not attrs:
            attrs["empty"] = graphene.Boolean(
                name="_empty", description="Nothing is exposed: see TOOLKIT['APPS']."
            )
        mutations: dict[str, Any] = {}
        if self.config["AUTH_MUTATIONS"]:
            attrs.update(auth_schema.query_fields())
            mutations.update(auth_schema.mutation_fields())
        query = type("Query", (GeneratedObjectType,), attrs)
        if self.config["MUTATIONS"]:
            for spec in specs:
                if spec.writable_model:
                    mutations.update(mutation_fields(self, spec))
                    mutations.update(method_fields(self, spec))
        for extension in self.extensions:
            mutations.update(extension.mutation_fields())
        mutation = type("Mutation", (GeneratedObjectType,), mutations) if mutations else None
        schema = graphene.Schema(query=query, mutation=mutation, types=types, auto_camelcase=self.camel)
        schema.graphql_schema.extensions = {
            **(schema.graphql_schema.extensions or {}),
            extensions.SCHEMA_KEY: tuple(self.extensions),
        }
        return schema


_cache: dict[str, graphene.Schema] = {}
_lock = threading.Lock()


#: Django cache key of the schema generation that ``manage.py graphql regenerate`` bumps.
GENERATION_KEY = "toolkit:schema-generation"
_generation = {"value": 0, "checked_at": None}


def schema_generation() -> int:
    """The schema generation in Django's cache, looked up at most once per
    ``TOOLKIT["SCHEMA_GENERATION_CHECK_SECONDS"]``; a cache failure keeps the last value."""
    import logging
    import time

    from django.core.cache import cache

    now, checked_at = time.monotonic(), _generation["checked_at"]
    if checked_at is not None and now - checked_at < get_config()["SCHEMA_GENERATION_CHECK_SECONDS"]:
        return _generation["value"]
    try:
        _generation["value"] = int(cache.get(GENERATION_KEY) or 0)
    except Exception:  # the cache (e.g. Redis) is down: serve the schema we have
        logging.getLogger(__name__).warning("cannot read the schema generation", exc_info=True)
    _generation["checked_at"] = now
    return _generation["value"]


def bump_schema_generation() -> int:
    """Make every process rebuild its schema on its next ``get_schema()``; returns the new
    generation. Needs a cache shared by the processes (Redis) to reach beyond this one."""
    from django.core.cache import cache

    cache.add(GENERATION_KEY, 0, timeout=None)
    value = cache.incr(GENERATION_KEY)
    _generation["checked_at"] = None
    clear_schema_cache()
    return value


def get_schema() -> graphene.Schema:
    """The live schema for the current settings: built once per process, rebuilt when the
    exposure settings change or ``graphql regenerate`` bumps the schema generation. Raises
    ``ConfigurationError`` if the settings are invalid."""
    key = f"{config_fingerprint()}:{schema_generation()}"
    schema = _cache.get(key)
    if schema is None:
        with _lock:
            schema = _cache.get(key)
            if schema is None:
                schema = build_schema()
                _cache.clear()
                _cache[key] = schema
    return schema


def build_schema() -> graphene.Schema:
    """Build a fresh schema (uncached); prefer :func:`get_schema`."""
    exposure = build_registry()
    errors = [p for p in exposure.problems if not p.warning]
    if errors:
        details = "; ".join(f"{p.id}: {p.msg}" for p in errors)
        raise ConfigurationError(f"Invalid toolkit configuration ({details}). Run 'manage.py check'.")
    with _fewer_collections():
        return SchemaBuilder(exposure).build()


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Building allocates some 300,000 long-lived objects, which would trigger hundreds of
    generation-0 collections that find nothing to free: a higher threshold while building takes
    about a third off the build time without keeping garbage (collections still run)."""
    previous = gc.get_threshold()
    gc.set_threshold(50_000, previous[1], previous[2])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def clear_schema_cache() -> None:
    _cache.clear()
