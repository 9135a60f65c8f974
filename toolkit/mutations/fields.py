"""Root mutation fields of one model: create, update, delete and the three bulk variants."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import graphene
from django.db import transaction

from toolkit.mutations import bulk
from toolkit.mutations.errors import ErrorList
from toolkit.mutations.execution import defer_rollback
from toolkit.mutations.payloads import BulkDeletePayload, DeletePayload, bulk_payload, model_payload
from toolkit.mutations.writer import Writer
from toolkit.permissions import model_permission, require
from toolkit.security import audit
from toolkit.security.policies import CHANGE, DELETE

if TYPE_CHECKING:
    from toolkit.registry import ModelSpec
    from toolkit.schema import SchemaBuilder

DRY_RUN_HELP = "Validate and run everything, return the result, then roll it all back."


def audited(
    spec: ModelSpec,
    operation: str,
    ok: bool,
    ids: list[Any],
    data: Any,
    errors: ErrorList,
    dry_run: bool = False,
) -> None:
    """One audit event per mutation: who (from the context), what, which fields, the result."""
    audit.record(
        "mutation",
        model=spec.label,
        operation=operation,
        object_ids=[str(i) for i in ids if i is not None],
        fields=sorted(data) if isinstance(data, dict) else None,
        ok=ok,
        error_codes=sorted({e.code for e in errors.items}),
        dry_run=bool(dry_run),
    )


def payload(spec: ModelSpec, ok: bool, instance: Any, errors: ErrorList) -> dict[str, Any]:
    return {"ok": ok, spec.singular: instance if ok else None, "errors": errors.items}


def finish(writer: Writer, dry_run: bool) -> bool:
    """Inside the write's transaction: roll back on errors now, or after the payload on dry runs."""
    ok = not writer.errors
    if not ok or (dry_run and not defer_rollback()):
        transaction.set_rollback(True)
    return ok


def mutation_fields(builder: SchemaBuilder, spec: ModelSpec) -> dict[str, graphene.Field]:
    model = spec.model
    name = spec.type_name
    model_payload_type = model_payload(builder, spec)

    def lookup(writer: Writer, raw_id: Any, action: str) -> Any:
        instance = writer.fetch(model, raw_id, "id", action=action)
        if instance is not None and action == CHANGE:  # hold the row until the write commits
            instance = builder.queryset(model, action).select_for_update().get(pk=instance.pk)
        return instance

    def resolve_create(root: Any, info: Any, input: dict, dry_run: bool = False) -> dict:
        require(info, model_permission(model, "add"))
        writer = Writer(builder, info)
        with transaction.atomic():
            instance = writer.create(model, input)
            ok = finish(writer, dry_run)
        audited(spec, "create", ok, [getattr(instance, "pk", None)], input, writer.errors, dry_run)
        return payload(spec, ok, instance, writer.errors)

    def resolve_update(root: Any, info: Any, id: Any, input: dict, dry_run: bool = False) -> dict:
        require(info, model_permission(model, "change"))
        writer = Writer(builder, info)
        with transaction.atomic():
            instance = lookup(writer, id, CHANGE)
            if instance is not None:
                writer.update(instance, input)
            ok = finish(writer, dry_run)
        audited(spec, "update", ok, [id], input, writer.errors, dry_run)
        return payload(spec, ok, instance, writer.errors)

    def resolve_delete(root: Any, info: Any, id: Any) -> dict:
        require(info, model_permission(model, "delete"))
        writer = Writer(builder, info)
        with transaction.atomic():
            instance = lookup(writer, id, DELETE)
            deleted_id = instance.pk if instance is not None else None
            if instance is not None:
                writer.delete(instance)
            ok = finish(writer, dry_run=False)
        audited(spec, "delete", ok, [id], None, writer.errors)
        return {"ok": ok, "deleted_id": deleted_id if ok else None, "errors": writer.errors.items}

    create_input = builder.create_input(model)
    update_input = builder.update_input(model)
    item = builder.bulk_update_item(model)
    many = graphene.NonNull(graphene.List(graphene.NonNull(create_input)))
    atomic_help = "All or nothing (default); false writes each item in its own savepoint."
    return {
        f"create_{spec.singular}": graphene.Field(
            graphene.NonNull(model_payload_type),
            input=graphene.NonNull(create_input),
            dry_run=graphene.Boolean(default_value=False, description=DRY_RUN_HELP),
            resolver=resolve_create,
            description=f"Create a {name}, with nested rows, in one transaction.",
        ),
        f"update_{spec.singular}": graphene.Field(
            graphene.NonNull(model_payload_type),
            id=graphene.ID(required=True),
            input=graphene.NonNull(update_input),
            dry_run=graphene.Boolean(default_value=False, description=DRY_RUN_HELP),
            resolver=resolve_update,
            description=f"Change the given fields of a {name}.",
        ),
        f"delete_{spec.singular}": graphene.Field(
            graphene.NonNull(DeletePayload),
            id=graphene.ID(required=True),
            resolver=resolve_delete,
            description=f"Delete a {name} (and what Django's on_delete cascades).",
        ),
        f"bulk_create_{spec.plural}": graphene.Field(
            graphene.NonNull(bulk_payload(builder, spec)),
            inputs=many,
            atomic=graphene.Boolean(default_value=True, description=atomic_help),
            resolver=lambda root, info, inputs, atomic=True: (
                _bulk_enabled() and bulk.create(builder, info, spec, inputs, atomic is not False)
            ),
            description=f"Create many {name} rows (at most TOOLKIT['BULK_MAX_ITEMS']).",
        ),
        f"bulk_update_{spec.plural}": graphene.Field(
            graphene.NonNull(bulk_payload(builder, spec)),
            items=graphene.NonNull(graphene.List(graphene.NonNull(item))),
            atomic=graphene.Boolean(default_value=True, description=atomic_help),
            resolver=lambda root, info, items, atomic=True: (
                _bulk_enabled() and bulk.update(builder, info, spec, items, atomic is not False)
            ),
            description=f"Update many {name} rows, each with its own input.",
        ),
        f"bulk_delete_{spec.plural}": graphene.Field(
            graphene.NonNull(BulkDeletePayload),
            ids=graphene.NonNull(graphene.List(graphene.NonNull(graphene.ID))),
            resolver=lambda root, info, ids: _bulk_enabled() and bulk.delete(builder, info, spec, ids),
            description=f"Delete many {name} rows; nothing is deleted if any id is unknown.",
        ),
    }


def _bulk_enabled() -> bool:
    """True, or ``FEATURE_DISABLED`` when the ``bulk_mutations`` feature flag is off."""
    from toolkit import flags

    flags.require("bulk_mutations")
    return True
