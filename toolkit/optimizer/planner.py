"""Plan the ORM work of a selection: one query per relation level, whatever the number of rows.

For the rows of a model and the fields selected on them, the planner adds to the queryset:

- ``select_related`` for to-one chains whose target everyone may see in full;
- ``Prefetch`` for to-many relations (one per relation and argument set, carrying the nested
  ``where``/``orderBy``/``limit``/``offset`` and the target's scoping, stored under
  :func:`~toolkit.optimizer.selection.cache_key`), for to-one links to restricted or polymorphic
  models (so scoping applies), and ``GenericPrefetch`` for generic foreign keys;
- a correlated sub-query per ``<relation>Count(where:)``.

Resolvers read what the plan stored and fall back to querying when it is absent, so a plan can
never change a result, only the number of queries. Anything the planner cannot plan (an argument
that will be rejected, a shape it does not know) is left to the resolvers, which raise at the
right path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.fields import GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce

from toolkit import caching, stats
from toolkit.exceptions import ToolkitError
from toolkit.fieldkinds import Kind
from toolkit.optimizer.selection import Selected, Walker, cache_key
from toolkit.pagination import check_offset, check_size
from toolkit.security.policies import is_restricted

if TYPE_CHECKING:
    from toolkit.registry import FieldSpec, ModelSpec
    from toolkit.schema import SchemaBuilder


class Planner:
    def __init__(self, builder: SchemaBuilder, walker: Walker) -> None:
        self.builder = builder
        self.walker = walker
        #: The plan descriptions being built (for ``extensions.debug``), innermost last.
        self._described: list[dict[str, Any]] = []

    # -- entry points ---------------------------------------------------------------------------
    def plan(
        self,
        model: type[models.Model],
        queryset: models.QuerySet,
        named_type: Any,
        nodes: list,
        required: tuple[str, ...] = (),
    ) -> models.QuerySet:
        """``queryset`` (rows of ``model`` returned as ``named_type``) with the selection planned;
        ``required`` columns are loaded whatever is selected (a prefetch's link to its parent)."""
        work = _Work(columns=None if self.builder.child_links(model) else set(required))
        log = stats.plan_log()
        if log is None:
            self._collect(model, named_type, nodes, "", work)
            return work.apply(queryset)
        described: dict[str, Any] = {"model": model._meta.label}
        if self._described:
            self._described[-1].setdefault("nested", []).append(described)
        else:
            described["path"] = stats.resolver_path()
            log.append(described)
        self._described.append(described)
        try:
            self._collect(model, named_type, nodes, "", work)
        finally:
            self._described.pop()
        described.update(work.describe())
        return work.apply(queryset)

    # -- collecting ---------------------------------------------------------------------------------
    def _collect(
        self, model: type[models.Model], named_type: Any, nodes: list, prefix: str, work: _Work
    ) -> None:
        for object_type in self.walker.object_types(named_type):
            concrete = self.builder.model_of_type(object_type.name)
            if concrete is None:
                continue
            path = prefix + self._child_path(model, concrete)
            if path is None:
                continue  # a type this row can never be
            spec = self.builder.spec(concrete)
            for selected in self.walker.under(object_type, nodes):
                self._field(spec, selected, path, work)

    def _child_path(self, model: type[models.Model], concrete: type[models.Model]) -> str | None:
        """``""`` for the model itself, ``"booklaunch__"`` for a multi-table child reached
        through the parent's ``select_related``; None when unrelated."""
        if concrete is model or (concrete._meta.proxy and concrete._meta.concrete_model is model):
            return ""
        for link in self.builder.child_links(model):
            target = model
            for accessor in link.split("__"):
                target = target._meta.get_field(accessor).related_model
            if target is concrete:
                return link + "__"
        return None

    def _field(self, spec: ModelSpec, selected: Selected, path: str, work: _Work) -> None:
        fs, counting = self.builder.field_of(spec, selected.name)
        if fs is None:
            method = self.builder.computed_of(spec, selected.name)
            if method is not None:  # a @computed method reads what it declares, else the whole row
                if method.requires is None:
                    work.load_everything()
                for column in method.requires or ():
                    work.load(path + column)
            return
        if fs.kind not in (Kind.TO_ONE, Kind.TO_MANY, Kind.GENERIC_FK) and not counting:
            work.load(path + fs.field.name)
        elif counting:
            self._count(spec, fs, selected, path, work)
        elif fs.kind == Kind.TO_MANY:
            self._to_many(fs, selected, path, work)
        elif fs.kind == Kind.TO_ONE:
            self._to_one(fs, selected, path, work)
        elif fs.kind == Kind.GENERIC_FK:
            work.load(path + fs.field.ct_field)
            work.load(path + fs.field.fk_field)
            self._generic(fs, selected, path, work)

    def _to_one(self, fs: FieldSpec, selected: Selected, path: str, work: _Work) -> None:
        target = fs.related_model
        lookup = path + fs.name
        forward = not isinstance(fs.field, models.ForeignObjectRel)
        if forward:
            work.load(lookup)  # the foreign key column
        if is_restricted(self.builder.spec(target)) or self.builder.child_links(target):
            queryset = self.builder.with_children(target, self.builder.queryset(target))
            queryset = self.plan(target, queryset, selected.type, selected.nodes)
            work.prefetch(lookup, Prefetch(lookup, queryset=queryset))
            return
        caching.read(target)  # joined, not queried on its own: record it for the result cache
        work.select(lookup)
        self._collect(target, selected.type, selected.nodes, lookup + "__", work)

    def _to_many(self, fs: FieldSpec, selected: Selected, path: str, work: _Work) -> None:
        target = fs.related_model
        args = selected.args
        try:
            size = check_size(args.get("limit"), "limit")
            start = check_offset(args.get("offset"), "offset")
            queryset = self.builder.queryset(target)
            queryset = self.builder.filtered(target, queryset, args.get("where"))
            queryset = self.builder.ordered(target, queryset, args.get("order_by"))
        except ToolkitError:
            return  # the resolver raises it, at the nested field's path
        queryset = self.plan(target, queryset, selected.type, selected.nodes, _link_columns(fs.field))
        if needs_distinct(fs.field):
            queryset = queryset.distinct()
        if not prefetched_whole(fs.field):
            queryset = queryset[start : start + size]
        key = cache_key(fs.name, args)
        work.prefetch(path + key, Prefetch(path + fs.name, queryset=queryset, to_attr=key))

    def _count(self, spec: ModelSpec, fs: FieldSpec, selected: Selected, path: str, work: _Work) -> None:
        if path:
            return  # counts of multi-table children are left to their resolvers
        target = fs.related_model
        try:
            related = self.builder.filtered(target, self.builder.queryset(target), selected.args.get("where"))
        except ToolkitError:
            return
        link = _outer_link(spec.model, fs.field)
        if isinstance(fs.field, GenericRelation):
            content_type = ContentType.objects.get_for_model(
                spec.model, for_concrete_model=fs.field.for_concrete_model
            )
            related = related.filter(**{fs.field.content_type_field_name: content_type})
        counted = (
            related.filter(**{link: OuterRef("pk")})
            .order_by()
            .values(link)
            .annotate(total=Count("pk", distinct=True))
            .values("total")
        )
        key = cache_key(f"{fs.name}_count", selected.args)
        work.annotate(key, Coalesce(Subquery(counted, output_field=IntegerField()), Value(0)))

    def _generic(self, fs: FieldSpec, selected: Selected, path: str, work: _Work) -> None:
        union = self.builder.generic_union(fs.field)
        if union is None or path:
            return
        querysets = []
        for member in union._meta.types:
            model = member._meta.model
            queryset = self.builder.with_children(model, self.builder.queryset(model))
            querysets.append(
                self.plan(model, queryset, self.walker.schema.get_type(member._meta.name), selected.nodes)
            )
        work.prefetch(path + fs.name, GenericPrefetch(path + fs.name, querysets))


class _Work:
    """What a plan adds to one queryset. ``columns``: what ``only()`` loads (None: everything,
    for polymorphic rows whose children are joined)."""

    def __init__(self, columns: set[str] | None = None) -> None:
        self.related: list[str] = []
        self.prefetches: dict[str, Prefetch] = {}
        self.annotations: dict[str, Any] = {}
        self.columns = columns

    def load(self, column: str) -> None:
        if self.columns is not None:
            self.columns.add(column)

    def load_everything(self) -> None:
        self.columns = None

    def select(self, lookup: str) -> None:
        if lookup not in self.related:
            self.related.append(lookup)

    def prefetch(self, key: str, prefetch: Prefetch) -> None:
        self.prefetches.setdefault(key, prefetch)

    def annotate(self, name: str, expression: Any) -> None:
        self.annotations.setdefault(name, expression)

    def describe(self) -> dict[str, Any]:
        """What the plan adds, for ``extensions.debug`` (nested plans are added by the planner)."""
        return {
            "only": sorted(self.columns) if self.columns is not None else None,
            "selectRelated": list(self.related),
            "prefetch": [p.prefetch_through for p in self.prefetches.values()],
            "annotate": list(self.annotations),
        }

    def apply(self, queryset: models.QuerySet) -> models.QuerySet:
        if self.columns is not None:
            queryset = queryset.only(*self.columns) if self.columns else queryset.only("pk")
        if self.related:
            queryset = queryset.select_related(*self.related)
        if self.annotations:
            queryset = queryset.annotate(**self.annotations)
        if self.prefetches:
            queryset = queryset.prefetch_related(*self.prefetches.values())
        return queryset


def _link_columns(field: Any) -> tuple[str, ...]:
    """Columns of the related rows that tie them to their parent (prefetch needs them loaded)."""
    if isinstance(field, GenericRelation):
        return (field.object_id_field_name, field.content_type_field_name)
    if isinstance(field, models.ManyToOneRel) and not field.many_to_many:
        return (field.field.name,)
    return ()


def prefetched_whole(field: Any) -> bool:
    """Relations prefetched without a window-function slice (the resolver slices them): generic
    relations (Django cannot slice their prefetch) and many-to-many through a model of your own
    (a pair linked twice would take two places of the slice)."""
    return isinstance(field, GenericRelation) or needs_distinct(field)


def needs_distinct(field: Any) -> bool:
    """A many-to-many relation through a model of your own: the same pair may be linked twice."""
    through = getattr(field, "through", None) or getattr(
        getattr(field, "remote_field", None), "through", None
    )
    return through is not None and not through._meta.auto_created


def _outer_link(model: type[models.Model], field: Any) -> str:
    """The lookup from the related model back to ``model`` (for correlated counts)."""
    if isinstance(field, GenericRelation):
        return field.object_id_field_name
    if isinstance(field, models.ManyToManyField):
        return field.related_query_name()
    return field.field.name
