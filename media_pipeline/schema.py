"""The media pipeline's part of the GraphQL API, added by ``TOOLKIT["SCHEMA_EXTENSIONS"]``.

- ``upload<Type><Field>(id: ID!, file: Upload!): <Type>Payload!`` for every writable File/Image
  field of an exposed model (``uploadBookCover``, ``uploadBookSampleChapter``), with the
  permissions of ``update<Type>`` (the change permission, the row scope) and the field's
  visibility; ``Upload`` in ``<Type>CreateInput``/``<Type>UpdateInput`` for the same fields.
- ``uploadFiles(files: [Upload!]!): UploadFilesPayload!`` (logged-in users) stores files not
  attached to a model; ``mediaFile(id: ID!)`` reads one back (its uploader or staff).
- ``FileInfo`` gains ``status``, ``contentType``, ``thumbnails`` and ``thumbnail(size)``; its
  ``url`` is null until the file is scanned clean (graphql_types.py).

A refused file is a ``FieldError`` whose ``code`` is the ``UploadRejected`` code in lower case
(``file_too_large``, ``unsupported_type``, ``extension_mismatch``, ``invalid_filename``,
``image_too_large``, ``invalid_image``, ``empty_file``), like Django's validation codes; every
mutation runs inside ``cleanup_on_failure()``, so a refused or rolled-back write leaves no file.

The ``uploads`` feature flag is checked by ``store_upload`` (media_pipeline/uploads.py): a switched-off
upload is refused with ``FEATURE_DISABLED`` and the mutation writes nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import graphene
from django.core.exceptions import ValidationError
from django.db import models, transaction

from media_pipeline.errors import UploadRejected
from media_pipeline.graphql_types import BATCH_ATTR, batch_of, build_types, row_of
from media_pipeline.models import MediaFile
from media_pipeline.uploads import cleanup_on_failure, link, store_upload
from toolkit.exceptions import BadUserInput, Forbidden, Unauthenticated
from toolkit.extensions import SchemaExtension
from toolkit.mutations.errors import ErrorList, join
from toolkit.mutations.fields import audited, finish, payload
from toolkit.mutations.payloads import error_list, model_payload
from toolkit.mutations.writer import Writer
from toolkit.permissions import model_permission, require
from toolkit.registry import ModelSpec
from toolkit.security import audit
from toolkit.security.context import current_user
from toolkit.security.policies import CHANGE, can_see_field
from toolkit.types.scalars import Upload


def rejection(exc: UploadRejected) -> ValidationError:
    """An ``UploadRejected`` as the validation error the toolkit's writer reports."""
    return ValidationError(exc.message, code=exc.code.lower())


class MediaSchemaExtension(SchemaExtension):
    """Uploads, media records and file statuses (see the module docstring)."""

    writes_files = True

    def __init__(self, builder: Any) -> None:
        super().__init__(builder)
        self._types = build_types()

    # -- schema -------------------------------------------------------------------------------------
    def types(self) -> list[Any]:
        return [self._types["MediaFile"]]

    def file_info_fields(self) -> dict[str, Any]:
        return self._types["file_info_fields"]

    def query_fields(self) -> dict[str, Any]:
        return {
            "media_file": graphene.Field(
                self._types["MediaFile"],
                id=graphene.ID(required=True),
                resolver=self.resolve_media_file,
                description="A file you uploaded with uploadFiles (staff: any), or null.",
            )
        }

    def mutation_fields(self) -> dict[str, Any]:
        if not self.builder.config["MUTATIONS"]:
            return {}
        fields: dict[str, Any] = {}
        for spec, name in self.upload_targets():
            fields[self.mutation_name(spec, name)] = self.upload_field(spec, name)
        upload_files_payload = type(
            "UploadFilesPayload",
            (graphene.ObjectType,),
            {
                "Meta": type(
                    "Meta", (), {"description": "The stored files when ok; errors at files.<index>."}
                ),
                "ok": graphene.Boolean(required=True),
                "files": graphene.NonNull(graphene.List(graphene.NonNull(self._types["MediaFile"]))),
                "errors": error_list(),
            },
        )
        fields["upload_files"] = graphene.Field(
            graphene.NonNull(upload_files_payload),
            files=graphene.Argument(graphene.NonNull(graphene.List(graphene.NonNull(Upload)))),
            resolver=self.resolve_upload_files,
            description="Store files not attached to a model (logged-in users); all or nothing.",
        )
        return fields

    def upload_targets(self) -> Iterator[tuple[ModelSpec, str]]:
        for spec in self.builder.exposure.specs.values():
            if spec.writable_model:
                for name in spec.writable_files:
                    yield spec, name

    @staticmethod
    def mutation_name(spec: ModelSpec, field_name: str) -> str:
        return f"upload_{spec.singular}_{field_name}"

    def hidden_fields(self, user: Any) -> set[tuple[str, str]]:
        hidden = set()
        shown = self.builder.display
        if not self.builder.config["MUTATIONS"]:
            return hidden
        for spec, name in self.upload_targets():
            if not (
                user.has_perm(model_permission(spec.model, "change")) and can_see_field(spec, name, user)
            ):
                hidden.add(("Mutation", shown(self.mutation_name(spec, name))))
        if not user.is_authenticated:
            hidden |= {("Mutation", shown("upload_files")), ("Query", shown("media_file"))}
        return hidden

    # -- upload<Type><Field> --------------------------------------------------------------------------
    def upload_field(self, spec: ModelSpec, field_name: str) -> graphene.Field:
        builder, model = self.builder, spec.model
        shown = builder.display(field_name)

        def resolve(root: Any, info: Any, id: Any, file: Any) -> dict[str, Any]:
            require(info, model_permission(model, "change"))
            if not builder.can_see(model, field_name):
                raise Forbidden(f"You may not change the field '{shown}'.")
            writer = Writer(builder, info)
            with transaction.atomic():
                instance = writer.fetch(model, id, "id", action=CHANGE)
                if instance is not None:  # hold the row until the write commits, as updates do
                    instance = builder.queryset(model, CHANGE).select_for_update().get(pk=instance.pk)
                    writer.update(instance, {field_name: file})
                ok = finish(writer, dry_run=False)
            for error in writer.errors.items:  # the file is the ``file`` argument here
                if error.field == shown:
                    error.field = "file"
            audited(spec, "upload", ok, [id], {field_name: file}, writer.errors)
            return payload(spec, ok, instance, writer.errors)

        kind = "image" if isinstance(spec.fields[field_name].field, models.ImageField) else "file"
        return graphene.Field(
            graphene.NonNull(model_payload(builder, spec)),
            id=graphene.ID(required=True),
            file=graphene.Argument(graphene.NonNull(Upload)),
            resolver=resolve,
            description=(
                f"Replace the {kind} of a {spec.type_name}'s {shown} (as update{spec.type_name} does); "
                "the new file is served once scanned clean."
            ),
        )

    # -- uploadFiles and mediaFile --------------------------------------------------------------------
    def resolve_upload_files(self, root: Any, info: Any, files: list[Any]) -> dict[str, Any]:
        user = current_user()
        if user is None or not user.is_authenticated:
            raise Unauthenticated("Authentication required: log in to upload files.")
        errors, stored = ErrorList(), []
        for index, upload in enumerate(files):
            try:
                stored.append(store_upload(upload, owner=user))
            except UploadRejected as exc:
                errors.add(join("files", index), exc.message, exc.code.lower())
        ok = not errors
        if not ok:
            transaction.set_rollback(True)  # the field's transaction; cleanup_on_failure removes the files
        audit.record(
            "mutation",
            model=MediaFile._meta.label,
            operation="upload_files",
            object_ids=[str(m.pk) for m in stored] if ok else [],
            ok=ok,
            error_codes=sorted({e.code for e in errors.items}),
        )
        return {"ok": ok, "files": stored if ok else [], "errors": errors.items}

    def resolve_media_file(self, root: Any, info: Any, id: Any) -> MediaFile | None:
        user = current_user()
        if user is None or not user.is_authenticated:
            raise Unauthenticated("Authentication required: log in to read your files.")
        try:
            rows = MediaFile.objects.filter(pk=id)
            if not user.is_staff:
                rows = rows.filter(owner=user)
            return rows.first()
        except ValidationError:
            shown = self.builder.display("id")
            raise BadUserInput(
                f"Argument '{shown}' is not a valid MediaFile id: {id!r}.", argument=shown
            ) from None

    # -- execution ------------------------------------------------------------------------------------
    def write_file(self, instance: models.Model, field_name: str, value: Any) -> Callable[[], None] | None:
        if value is None:  # clear it; the post_save handler releases the old file on commit
            field = instance._meta.get_field(field_name)
            setattr(instance, field.attname, None if field.null else "")
            return None
        try:
            media = store_upload(value, instance=instance, field_name=field_name, owner=current_user())
        except UploadRejected as exc:
            raise rejection(exc) from None
        if instance.pk is None:
            return lambda: link(media, instance)
        return None

    @contextlib.contextmanager
    def mutation_field(self, context: Any) -> Iterator[None]:
        if getattr(context, BATCH_ATTR, None) is not None:
            batch_of(context).clear()  # records read before this write may change
        with cleanup_on_failure():
            yield

    def prepare_rows(self, rows: list[Any], info: Any) -> None:
        if row_of(rows[0]) is not None:
            batch_of(info.context).add_rows(rows)
