"""A schema extension for testing the multipart layer without the media pipeline: mutations that
describe the files they receive (name, size, digest, where the bytes are)."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import graphene

from toolkit.extensions import SchemaExtension
from toolkit.types.scalars import Upload

#: Paths of the temporary files the last operation saw (to check they are gone afterwards).
SEEN_PATHS: list[str] = []


class EchoFile(graphene.ObjectType):
    name = graphene.String(required=True)
    size = graphene.Int(required=True)
    sha256 = graphene.String(required=True)
    on_disk = graphene.Boolean(required=True, description="True for a temporary file, False in memory.")


def describe(upload: Any) -> dict[str, Any]:
    upload.seek(0)
    content = upload.read()
    path = getattr(upload, "temporary_file_path", None)
    if path is not None:
        assert os.path.exists(path())
        SEEN_PATHS.append(path())
    return {
        "name": upload.name,
        "size": upload.size,
        "sha256": hashlib.sha256(content).hexdigest(),
        "on_disk": path is not None,
    }


class EchoExtension(SchemaExtension):
    def mutation_fields(self) -> dict[str, Any]:
        return {
            "echo_upload": graphene.Field(
                EchoFile, file=Upload(required=True), resolver=lambda root, info, file: describe(file)
            ),
            "echo_uploads": graphene.Field(
                graphene.List(graphene.NonNull(EchoFile)),
                files=graphene.List(graphene.NonNull(Upload), required=True),
                resolver=lambda root, info, files: [describe(f) for f in files],
            ),
            "echo_optional": graphene.Field(
                EchoFile,
                file=Upload(),
                resolver=lambda root, info, file=None: describe(file) if file else None,
            ),
        }
