"""Mutation input types: ``<Model>CreateInput``, ``<Model>UpdateInput`` and the relation inputs.

Every input field is optional in GraphQL: required fields are reported as ``FieldError``s with
code ``required``, so one response lists every problem of a form.

Relation inputs:
- to-one: ``<Target>ToOneInput { connect: ID, create: <Target>CreateInput }`` (or null to clear);
- many-to-many: ``<Target>ManyInput { set add remove: [ID!], create: [<Target>CreateInput!] }``,
  plus ``through: <Through>ThroughInput`` when the relation has a ``through`` model of its own;
- reverse foreign key: ``<Target>ChildrenInput`` adds ``update: [<Target>BulkUpdateItem!]`` and
  ``delete: [ID!]``;
- generic foreign key: ``<Union>Input { type: <Union>Type!, id: ID! }``.

File and Image fields take an ``Upload`` (docs/uploads.md) when a schema extension stores files
(``SchemaBuilder.file_writer``, e.g. the media pipeline); without one they are read-only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import graphene
from django.db import models

from toolkit.fieldkinds import Kind
from toolkit.filters.operators import SCALARS
from toolkit.naming import constant_case, pascal_case
from toolkit.types.base import GeneratedInputObjectType
from toolkit.types.scalars import JSON, Upload

if TYPE_CHECKING:
    from toolkit.registry import FieldSpec, ModelSpec
    from toolkit.schema import SchemaBuilder

ID_LIST = graphene.List(graphene.NonNull(graphene.ID))


def through_model(field: Any) -> type[models.Model] | None:
    """The user-defined ``through`` model of a many-to-many relation (either side), else None."""
    through = getattr(field, "through", None) or getattr(
        getattr(field, "remote_field", None), "through", None
    )
    if through is None or through._meta.auto_created:
        return None
    return through


def relation_kind(fs: FieldSpec) -> str:
    """``to_one``, ``many`` (many-to-many either side), ``children`` (reverse FK) or ``generic``."""
    if fs.kind == Kind.GENERIC_FK:
        return "generic"
    if fs.kind == Kind.TO_ONE:
        return "to_one"
    return "many" if fs.field.many_to_many else "children"


def _input(name: str, fields: dict[str, Any], description: str) -> type[graphene.InputObjectType]:
    meta = type("Meta", (), {"description": description})
    return type(name, (GeneratedInputObjectType,), {**fields, "Meta": meta})


def _value_type(builder: SchemaBuilder, fs: FieldSpec) -> Any:
    if fs.kind == Kind.ENUM:
        return builder.choice_enum(fs.field)
    if fs.kind == Kind.JSON:
        return JSON
    return SCALARS[fs.kind]


def _field_input(builder: SchemaBuilder, spec: ModelSpec, name: str) -> Any:
    fs = spec.fields[name]
    description = str(getattr(fs.field, "help_text", "") or "") or None
    if fs.kind in (Kind.TO_ONE, Kind.TO_MANY, Kind.GENERIC_FK):
        kind = relation_kind(fs)
        target = fs.related_model
        if kind == "generic":
            union = builder.generic_union(fs.field)
            if union is None:
                return None
            return graphene.InputField(builder.memo(("generic_input", union), lambda: generic_input(union)))
        if not builder.spec(target).writable_model and kind != "to_one":
            return None
        factory = {
            "to_one": lambda: builder.memo(("to_one_input", target), lambda: to_one_input(builder, target)),
            "many": lambda: many_input(builder, spec, fs),
            "children": lambda: builder.memo(
                ("children_input", target), lambda: children_input(builder, target)
            ),
        }[kind]
        return graphene.InputField(factory, description=description)
    return graphene.InputField(_value_type(builder, fs), description=description)


def model_input(builder: SchemaBuilder, model: type[models.Model], *, update: bool) -> Any:
    spec = builder.spec(model)
    fields = {}
    for name in spec.writable:
        converted = _field_input(builder, spec, name)
        if converted is not None:
            fields[name] = converted
    if builder.file_writer is not None:
        for name in spec.writable_files:
            help_text = str(getattr(spec.fields[name].field, "help_text", "") or "")
            fields[name] = graphene.InputField(
                Upload, description=help_text or "A file sent in a multipart request; null clears the field."
            )
    version = spec.version_field
    if update and version is not None:
        is_integer = isinstance(version, models.IntegerField)
        fields[concurrency_key(version)] = graphene.InputField(
            graphene.Int if is_integer else graphene.DateTime,
            description=f"Reject the update with code 'stale' unless the stored {version.name} is this value.",
        )
    kind = "Update" if update else "Create"
    what = "Fields to change; only the given ones change." if update else "Fields of the new row."
    return _input(f"{spec.type_name}{kind}Input", fields, what)


def concurrency_key(version: models.Field) -> str:
    """``expected_version`` for an integer field, ``expected_<name>`` for a date-time."""
    return "expected_version" if isinstance(version, models.IntegerField) else f"expected_{version.name}"


def to_one_input(builder: SchemaBuilder, target: type[models.Model]) -> Any:
    spec = builder.spec(target)
    fields: dict[str, Any] = {
        "connect": graphene.InputField(graphene.ID, description="An existing row's id.")
    }
    if spec.writable_model:
        fields["create"] = graphene.InputField(lambda: builder.create_input(target), description="A new row.")
    return _input(f"{spec.type_name}ToOneInput", fields, "Link one row: set exactly one of the keys.")


def many_input(builder: SchemaBuilder, owner: ModelSpec, fs: FieldSpec) -> Any:
    target = fs.related_model
    through = through_model(fs.field)
    spec = builder.spec(target)
    if through is None or not builder.is_exposed(through):
        return builder.memo(
            ("many_input", target), lambda: _many_fields(builder, spec, None, f"{spec.type_name}ManyInput")
        )
    name = f"{owner.type_name}{pascal_case(fs.name)}Input"
    return builder.memo(
        ("many_through_input", owner.model, fs.name), lambda: _many_fields(builder, spec, through, name)
    )


def _many_fields(builder: SchemaBuilder, spec: ModelSpec, through: Any, name: str) -> Any:
    target = spec.model
    fields: dict[str, Any] = {
        "set": graphene.InputField(ID_LIST, description="Exactly these rows, in place of the current ones."),
        "add": graphene.InputField(ID_LIST),
        "remove": graphene.InputField(ID_LIST),
        "create": graphene.InputField(graphene.List(graphene.NonNull(lambda: builder.create_input(target)))),
    }
    if through is not None:
        fields["through"] = graphene.InputField(
            builder.memo(("through_input", through), lambda: through_input(builder, through)),
            description="Values of the link rows that set/add/create make.",
        )
    return _input(name, fields, f"Change a list of {spec.type_name} links: set, then remove, add, create.")


def through_input(builder: SchemaBuilder, through: type[models.Model]) -> Any:
    spec = builder.spec(through)
    fields = {
        name: graphene.InputField(_value_type(builder, spec.fields[name]))
        for name in spec.writable
        if spec.fields[name].kind not in (Kind.TO_ONE, Kind.TO_MANY, Kind.GENERIC_FK)
    }
    return _input(f"{spec.type_name}ThroughInput", fields, f"Fields of the {spec.type_name} link rows.")


def children_input(builder: SchemaBuilder, target: type[models.Model]) -> Any:
    spec = builder.spec(target)
    fields = {
        "set": graphene.InputField(ID_LIST, description="Exactly these rows (others are detached)."),
        "add": graphene.InputField(ID_LIST),
        "remove": graphene.InputField(ID_LIST, description="Detach rows (only when the link is nullable)."),
        "create": graphene.InputField(graphene.List(graphene.NonNull(lambda: builder.create_input(target)))),
        "update": graphene.InputField(
            graphene.List(graphene.NonNull(lambda: builder.bulk_update_item(target)))
        ),
        "delete": graphene.InputField(ID_LIST),
    }
    return _input(
        f"{spec.type_name}ChildrenInput", fields, f"Change the {spec.type_name} rows that point here."
    )


def bulk_update_item(builder: SchemaBuilder, target: type[models.Model]) -> Any:
    spec = builder.spec(target)
    fields = {
        "id": graphene.InputField(graphene.NonNull(graphene.ID)),
        "input": graphene.InputField(graphene.NonNull(lambda: builder.update_input(target))),
    }
    return _input(f"{spec.type_name}BulkUpdateItem", fields, f"One {spec.type_name} to update.")


def generic_members(union: Any) -> dict[str, type[models.Model]]:
    """``{"BOOK": Book, ...}``: the enum values of a generic input and their models."""
    return {constant_case(t._meta.name): t._meta.model for t in union._meta.types}


def generic_input(union: Any) -> Any:
    enum = graphene.Enum(f"{union._meta.name}Type", [(name, name) for name in generic_members(union)])
    fields = {
        "type": graphene.InputField(graphene.NonNull(enum)),
        "id": graphene.InputField(graphene.NonNull(graphene.ID)),
    }
    return _input(f"{union._meta.name}Input", fields, f"Point at a {union._meta.name} member.")
