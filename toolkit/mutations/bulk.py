"""Bulk create/update/delete: atomic (all or nothing) or per-item savepoints.

When no per-row hook could be skipped — the model does not override ``save()``, nothing listens
to ``pre_save``/``post_save`` for it, it is not a multi-table child, and the inputs set only plain
fields and ``connect`` links (no files) — rows are validated in Python, unique constraints are checked once
per batch (:mod:`toolkit.mutations.uniqueness`) and written with ``bulk_create``/``bulk_update``
in batches of ``TOOLKIT["BULK_BATCH_SIZE"]``. Otherwise each row goes through the full
:class:`Writer` path, signals and nested writes included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import signals
from django.utils import timezone

from toolkit import caching
from toolkit.conf import get_config
from toolkit.exceptions import BadUserInput
from toolkit.fieldkinds import Kind
from toolkit.ids import to_pk
from toolkit.mutations.errors import ALL, ErrorList, FieldError
from toolkit.mutations.uniqueness import unique_errors
from toolkit.mutations.writer import Writer
from toolkit.permissions import model_permission, require
from toolkit.security import audit
from toolkit.security.policies import CHANGE, DELETE

if TYPE_CHECKING:
    from toolkit.registry import ModelSpec
    from toolkit.schema import SchemaBuilder

ROLLED_BACK = FieldError(ALL, ["Not saved: another item of this atomic batch failed."], "rolled_back")


@dataclass
class ItemResult:
    index: int
    instance: Any = None
    errors: ErrorList = field(default_factory=ErrorList)

    def as_payload(self, spec: ModelSpec, ok: bool) -> dict[str, Any]:
        errors = self.errors.items or ([] if ok else [ROLLED_BACK])
        return {"index": self.index, "ok": ok, spec.singular: self.instance if ok else None, "errors": errors}


def _check_size(count: int, argument: str) -> None:
    limit = get_config()["BULK_MAX_ITEMS"]
    if count > limit:
        raise BadUserInput(
            f"Argument '{argument}' has {count} items; the limit is {limit}.", argument=argument
        )


def _payload(spec: ModelSpec, results: list[ItemResult], atomic: bool, operation: str) -> dict[str, Any]:
    all_ok = all(not r.errors for r in results)
    audit.record(
        "mutation",
        model=spec.label,
        operation=operation,
        object_ids=[str(r.instance.pk) for r in results if r.instance is not None and not r.errors],
        items=len(results),
        failed_items=[r.index for r in results if r.errors],
        atomic=atomic,
        ok=all_ok,
    )
    return {
        "ok": all_ok,
        "results": [r.as_payload(spec, not r.errors and (all_ok or not atomic)) for r in results],
    }


# -- create -------------------------------------------------------------------------------------
def create(builder: SchemaBuilder, info: Any, spec: ModelSpec, inputs: list[dict], atomic: bool) -> dict:
    require(info, model_permission(spec.model, "add"))
    _check_size(len(inputs), "inputs")
    with transaction.atomic():
        results = None
        if is_plain(spec, inputs):
            results = _fast_create(builder, spec, inputs, atomic)
        if results is None:
            results = _each(builder, info, inputs, lambda writer, data: writer.create(spec.model, data))
        if atomic and any(r.errors for r in results):
            transaction.set_rollback(True)
    return _payload(spec, results, atomic, "bulk_create")


def _each(builder: SchemaBuilder, info: Any, items: list, write: Any) -> list[ItemResult]:
    """Write item by item, each in a savepoint (kept unless it failed)."""
    results = []
    for index, item in enumerate(items):
        writer = Writer(builder, info)
        with transaction.atomic():
            instance = write(writer, item)
            if writer.errors:
                transaction.set_rollback(True)
        results.append(ItemResult(index, instance, writer.errors))
    return results


def is_plain(spec: ModelSpec, inputs: list[dict]) -> bool:
    """True when bulk SQL skips nothing a per-row save would do (see the module docstring)."""
    model = spec.model
    if model._meta.parents or model.save is not models.Model.save:
        return False
    if _has_receivers(signals.pre_save, model) or _has_receivers(signals.post_save, model):
        return False
    for data in inputs:
        for name, value in data.items():
            fs = spec.fields.get(name)
            if fs is None:
                continue  # the concurrency key of updates
            if fs.kind in (Kind.TO_MANY, Kind.GENERIC_FK, Kind.FILE):
                return False
            if fs.kind == Kind.TO_ONE and value is not None and set(value) - {"connect"}:
                return False
    return True


def _prefetch_links(builder: SchemaBuilder, spec: ModelSpec, inputs: list[dict]) -> dict[tuple, Any]:
    """Every ``connect`` target of the batch, one query per relation."""
    wanted: dict[Any, set] = {}
    for data in inputs:
        for name, value in data.items():
            fs = spec.fields.get(name)
            if fs is not None and fs.kind == Kind.TO_ONE and value and value.get("connect") is not None:
                try:
                    wanted.setdefault(fs.related_model, set()).add(
                        to_pk(fs.related_model._meta.pk, value["connect"])
                    )
                except ValueError:
                    continue  # reported by the row's own validation
    known = {}
    for model, pks in wanted.items():
        for row in builder.queryset(model).filter(pk__in=pks):
            known[(model, row.pk)] = row
    return known


def _has_receivers(signal: Any, model: type[models.Model]) -> bool:
    """Receivers other than the toolkit's own cache invalidation (which bulk writes call directly)
    and those marked ``bulk_safe = True``: receivers with nothing to do for the writes the fast
    path makes (no file, to-many or nested change), e.g. the media pipeline's file tracking."""
    if not signal.has_listeners(model):
        return False
    sync, asynchronous = signal._live_receivers(model)
    own = caching.receivers()
    return any(r not in own and not getattr(r, "bulk_safe", False) for r in [*sync, *asynchronous])


def _prepare(
    builder: SchemaBuilder,
    spec: ModelSpec,
    instance: models.Model,
    data: dict,
    result: ItemResult,
    known: dict[tuple, Any],
    *,
    creating: bool,
) -> None:
    """Assign and validate one row without saving (unique checks come later, batched)."""
    writer = Writer(builder, known=known)
    if not creating and not writer.check_fresh(spec, instance, data, ""):
        result.errors = writer.errors
        return
    if creating:
        writer.set_owner(spec, instance)
    _, rejected = writer.assign(spec, instance, data, "", {})
    skip = (
        rejected
        | writer.not_writable(spec)
        | (writer.require_fields(spec, data, "", {}) if creating else set())
    )
    links = {n for n, f in spec.fields.items() if f.kind == Kind.TO_ONE and n in data}
    version = spec.version_field
    if not creating and version is not None and isinstance(version, models.IntegerField):
        setattr(instance, version.attname, (getattr(instance, version.attname) or 0) + 1)
    try:
        # Foreign keys were fetched by assign() already; unique checks run once for the batch.
        instance.full_clean(exclude=skip | links, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        writer.errors.add_validation_error(exc, "", writer.display)
    result.errors = writer.errors


def _add_unique_errors(builder: SchemaBuilder, results: list[ItemResult], instances: dict[int, Any]) -> None:
    candidates = [i for i in instances if not results[i].errors]
    errors = unique_errors([instances[i] for i in candidates])
    for position, error in errors.items():
        results[candidates[position]].errors.add_validation_error(error, "", builder.display)


def _fast_create(
    builder: SchemaBuilder, spec: ModelSpec, inputs: list[dict], atomic: bool
) -> list[ItemResult] | None:
    results = [ItemResult(i) for i in range(len(inputs))]
    known = _prefetch_links(builder, spec, inputs)
    instances = {}
    for index, data in enumerate(inputs):
        instances[index] = spec.model()
        _prepare(builder, spec, instances[index], data, results[index], known, creating=True)
    _add_unique_errors(builder, results, instances)
    if atomic and any(r.errors for r in results):
        return results
    valid = [i for i in instances if not results[i].errors]
    try:
        with transaction.atomic():
            created = spec.model._default_manager.bulk_create(
                [instances[i] for i in valid], batch_size=get_config()["BULK_BATCH_SIZE"]
            )
            caching.invalidate(spec.model)  # bulk_create sends no post_save
    except IntegrityError:
        return None  # a race with another writer: redo row by row for precise errors
    for index, instance in zip(valid, created, strict=True):
        results[index].instance = instance
    return results


# -- update -------------------------------------------------------------------------------------
def update(builder: SchemaBuilder, info: Any, spec: ModelSpec, items: list[dict], atomic: bool) -> dict:
    require(info, model_permission(spec.model, "change"))
    _check_size(len(items), "items")
    with transaction.atomic():
        results = None
        if is_plain(spec, [item["input"] for item in items]):
            results = _fast_update(builder, spec, items, atomic)
        if results is None:
            results = _each(
                builder, info, items, lambda writer, item: _update_one(builder, writer, spec, item)
            )
        if atomic and any(r.errors for r in results):
            transaction.set_rollback(True)
    return _payload(spec, results, atomic, "bulk_update")


def _update_one(builder: SchemaBuilder, writer: Writer, spec: ModelSpec, item: dict) -> Any:
    instance = writer.fetch(spec.model, item["id"], "id", action=CHANGE)
    if instance is None:
        return None
    instance = builder.queryset(spec.model, CHANGE).select_for_update().get(pk=instance.pk)
    return writer.update(instance, item["input"])


def _fast_update(
    builder: SchemaBuilder, spec: ModelSpec, items: list[dict], atomic: bool
) -> list[ItemResult] | None:
    results = [ItemResult(i) for i in range(len(items))]
    lookup = Writer(builder)
    found = lookup.fetch_many(spec.model, [item["id"] for item in items], "id", action=CHANGE)
    if found is None:  # unknown ids: per-row updates report them item by item
        return None
    rows = dict(enumerate(found))
    if len({row.pk for row in rows.values()}) != len(rows):
        return None  # the same row twice: per-row updates apply them in order
    locked = (
        builder.queryset(spec.model, CHANGE).select_for_update().in_bulk([row.pk for row in rows.values()])
    )
    instances = {index: locked[row.pk] for index, row in rows.items()}
    known = _prefetch_links(builder, spec, [item["input"] for item in items])
    changed: set[str] = set()
    for index, instance in instances.items():
        data = items[index]["input"]
        _prepare(builder, spec, instance, data, results[index], known, creating=False)
        changed |= {spec.fields[n].field.name for n in data if n in spec.fields}
    _add_unique_errors(builder, results, instances)
    if atomic and any(r.errors for r in results):
        return results
    valid = [i for i in instances if not results[i].errors]
    changed |= _automatic_fields(spec, [instances[i] for i in valid])
    if valid and changed:
        try:
            with transaction.atomic():
                spec.model._default_manager.bulk_update(
                    [instances[i] for i in valid], sorted(changed), batch_size=get_config()["BULK_BATCH_SIZE"]
                )
                caching.invalidate(spec.model)  # bulk_update sends no post_save
        except IntegrityError:
            return None
    for index in valid:
        results[index].instance = instances[index]
    return results


def _automatic_fields(spec: ModelSpec, instances: list[models.Model]) -> set[str]:
    """``auto_now`` stamps and the version counter: ``bulk_update`` does not call ``pre_save``."""
    names = set()
    now = timezone.now()
    for f in spec.model._meta.concrete_fields:
        if getattr(f, "auto_now", False):
            names.add(f.name)
            for instance in instances:
                setattr(instance, f.attname, now)
    if spec.version_field is not None and isinstance(spec.version_field, models.IntegerField):
        names.add(spec.version_field.name)
    return names


# -- delete -------------------------------------------------------------------------------------
def delete(builder: SchemaBuilder, info: Any, spec: ModelSpec, ids: list) -> dict:
    require(info, model_permission(spec.model, "delete"))
    _check_size(len(ids), "ids")
    writer = Writer(builder)
    with transaction.atomic():
        rows = writer.fetch_many(spec.model, ids, "ids", action=DELETE)
        deleted: list[Any] = []
        if rows is not None:
            pks = list(dict.fromkeys(row.pk for row in rows))
            try:
                with transaction.atomic():
                    builder.queryset(spec.model, DELETE).filter(pk__in=pks).delete()
                deleted = pks
            except (models.ProtectedError, models.RestrictedError) as exc:
                blockers = sorted({str(type(o)._meta.verbose_name_plural) for o in exc.args[1]})
                writer.errors.add(
                    "ids", f"Cannot delete: related {', '.join(blockers)} depend on them.", "protected"
                )
        if writer.errors:
            transaction.set_rollback(True)
            deleted = []
    audit.record(
        "mutation",
        model=spec.label,
        operation="bulk_delete",
        object_ids=[str(pk) for pk in deleted],
        ok=not writer.errors,
        error_codes=sorted({e.code for e in writer.errors.items}),
    )
    return {"ok": not writer.errors, "deleted_ids": deleted, "errors": writer.errors.items}
