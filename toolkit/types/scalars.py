"""Scalars graphene lacks: ``JSON`` (any JSON value), ``Duration`` (ISO 8601) and ``Upload`` (a file
sent in a GraphQL multipart request, see toolkit.multipart)."""

from __future__ import annotations

import datetime
from typing import Any

import graphene
from django.core.files.uploadedfile import UploadedFile
from django.utils.dateparse import parse_duration
from django.utils.duration import duration_iso_string
from graphql import GraphQLError, Undefined, ValueNode, value_from_ast_untyped


class JSON(graphene.Scalar):
    """Any JSON value: object, array, string, number, boolean or null."""

    @staticmethod
    def serialize(value: Any) -> Any:
        return value

    @staticmethod
    def parse_value(value: Any) -> Any:
        return value

    @staticmethod
    def parse_literal(node: ValueNode, _variables: Any = None) -> Any:
        return value_from_ast_untyped(node, _variables)


class Duration(graphene.Scalar):
    """A length of time as an ISO 8601 duration, e.g. ``PT1H30M`` or ``P2DT3H``."""

    @staticmethod
    def serialize(value: datetime.timedelta) -> str:
        return duration_iso_string(value)

    @staticmethod
    def parse_value(value: Any) -> datetime.timedelta:
        parsed = parse_duration(value) if isinstance(value, str) else None
        if parsed is None:
            raise GraphQLError(f"Duration cannot represent value {value!r}: use ISO 8601, e.g. 'PT1H30M'.")
        return parsed

    @classmethod
    def parse_literal(cls, node: ValueNode, _variables: Any = None) -> Any:
        value = value_from_ast_untyped(node, _variables)
        if value is Undefined:
            return Undefined
        return cls.parse_value(value)


class Upload(graphene.Scalar):
    """A file sent as a part of a GraphQL multipart request
    (https://github.com/jaydenseric/graphql-multipart-request-spec): the variable is null in
    "operations" and "map" names the file part that replaces it. Input only."""

    @staticmethod
    def serialize(value: Any) -> Any:
        raise GraphQLError("Upload is an input type: it cannot be returned.")

    @staticmethod
    def parse_value(value: Any) -> UploadedFile:
        if not isinstance(value, UploadedFile):
            raise GraphQLError(
                "Upload values must be files sent in a multipart request (see docs/uploads.md), "
                f"not {type(value).__name__}."
            )
        return value

    @staticmethod
    def parse_literal(node: ValueNode, _variables: Any = None) -> Any:
        raise GraphQLError("Upload values cannot be written in the document: pass them as variables.")
