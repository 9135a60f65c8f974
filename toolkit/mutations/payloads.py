"""Payload types: ``FieldError``, ``<Model>Payload``, ``DeletePayload`` and the bulk results."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import graphene

from toolkit.types.base import GeneratedObjectType

if TYPE_CHECKING:
    from toolkit.registry import ModelSpec
    from toolkit.schema import SchemaBuilder


class FieldErrorType(graphene.ObjectType):
    """A validation problem: ``field`` is a dotted path into the input (``__all__`` when it is
    about the whole object); ``code`` is Django's validation code."""

    field = graphene.String(required=True)
    messages = graphene.NonNull(graphene.List(graphene.NonNull(graphene.String)))
    code = graphene.String(required=True)

    class Meta:
        name = "FieldError"


def error_list() -> graphene.NonNull:
    return graphene.NonNull(graphene.List(graphene.NonNull(FieldErrorType)))


class DeletePayload(graphene.ObjectType):
    ok = graphene.Boolean(required=True)
    deleted_id = graphene.ID(description="The id of the deleted row, when ok.")
    errors = error_list()


class BulkDeletePayload(graphene.ObjectType):
    ok = graphene.Boolean(required=True)
    deleted_ids = graphene.NonNull(graphene.List(graphene.NonNull(graphene.ID)))
    errors = error_list()


def _object(name: str, fields: dict[str, Any], description: str) -> Any:
    return type(
        name, (GeneratedObjectType,), {**fields, "Meta": type("Meta", (), {"description": description})}
    )


def model_payload(builder: SchemaBuilder, spec: ModelSpec) -> Any:
    """``<Model>Payload { ok, <model>, errors }``."""
    return builder.memo(
        ("payload", spec.model),
        lambda: _object(
            f"{spec.type_name}Payload",
            {
                "ok": graphene.Boolean(required=True),
                spec.singular: graphene.Field(lambda: builder.output_type(spec.model)),
                "errors": error_list(),
            },
            f"The result of writing a {spec.type_name}: the row when ok, the errors otherwise.",
        ),
    )


def bulk_payload(builder: SchemaBuilder, spec: ModelSpec) -> Any:
    """``<Model>BulkPayload { ok, results: [<Model>BulkResult!]! }`` with per-item results."""

    def make() -> Any:
        result = _object(
            f"{spec.type_name}BulkResult",
            {
                "index": graphene.Int(required=True),
                "ok": graphene.Boolean(required=True),
                spec.singular: graphene.Field(lambda: builder.output_type(spec.model)),
                "errors": error_list(),
            },
            "One item of a bulk write; errors are relative to the item's input.",
        )
        return _object(
            f"{spec.type_name}BulkPayload",
            {
                "ok": graphene.Boolean(required=True, description="True when every item was written."),
                "results": graphene.NonNull(graphene.List(graphene.NonNull(result))),
            },
            f"The result of a bulk write of {spec.type_name} rows, one result per item in order.",
        )

    return builder.memo(("bulk_payload", spec.model), make)
