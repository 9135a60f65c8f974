"""Root query fields for one model: ``book``, ``books``, ``booksPage``, ``booksConnection``,
``booksAggregate`` (names from the spec's singular/plural, camel-cased by graphene)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import graphene

from toolkit.aggregates import AggregateResult, build_aggregate_types, group_keys
from toolkit.exceptions import NotFound
from toolkit.pagination import (
    build_connection_types,
    build_page_type,
    connection_slice,
    page_slice,
)
from toolkit.selection import selected_field_names
from toolkit.types.relations import list_arguments

if TYPE_CHECKING:
    from toolkit.registry import ModelSpec
    from toolkit.schema import SchemaBuilder


def _filtering_arguments(builder: SchemaBuilder, spec: ModelSpec) -> dict[str, Any]:
    args = list_arguments(builder, spec.model)
    return {"where": args["where"], "order_by": args["order_by"]}


def root_fields(builder: SchemaBuilder, spec: ModelSpec) -> dict[str, graphene.Field]:
    model = spec.model
    output = builder.output_type(model)
    name = spec.type_name

    def resolve_one(root: Any, info: Any, id: str) -> Any:
        pk = builder.parse_id(model, id, "id")
        obj = builder.fetch_by_pk(model, {pk}, info).get(pk)
        if obj is None:
            raise NotFound(f"{name} with id {id!r} does not exist.")
        return obj

    def resolve_list(root: Any, info: Any, where=None, order_by=None, limit=None, offset=None) -> list:
        return builder.list_rows(
            model,
            builder.queryset(model),
            where=where,
            order_by=order_by,
            limit=limit,
            offset=offset,
            info=info,
        )

    def ordered(where: Any, order_by: Any) -> Any:
        return builder.ordered(model, builder.filtered(model, builder.queryset(model), where), order_by)

    def resolve_page(root: Any, info: Any, page=None, page_size=None, where=None, order_by=None) -> Any:
        queryset = builder.plan(model, ordered(where, order_by), info, "items")
        return page_slice(queryset, page, page_size, builder.fetcher(model), builder.display("page_size"))

    def resolve_connection(
        root: Any, info: Any, first=None, after=None, last=None, before=None, where=None, order_by=None
    ) -> Any:
        return connection_slice(
            builder.plan(model, ordered(where, order_by), info, "edges", "node"),
            builder.fetcher(model),
            first=first,
            after=after,
            last=last,
            before=before,
        )

    aggregate_type, group_enum = build_aggregate_types(builder, spec)

    def resolve_aggregate(root: Any, info: Any, where=None, group_by=None) -> AggregateResult:
        keys = group_keys(group_by)
        for key in keys:
            builder.require_visible(model, key, builder.display("group_by"))
        queryset = builder.filtered(model, builder.queryset(model), where)
        return AggregateResult(builder, spec, queryset, keys, selected_field_names(info))

    aggregate_args: dict[str, Any] = {"where": _filtering_arguments(builder, spec)["where"]}
    if group_enum is not None:
        aggregate_args["group_by"] = graphene.Argument(graphene.List(graphene.NonNull(group_enum)))

    return {
        spec.singular: graphene.Field(
            output,
            id=graphene.ID(required=True),
            resolver=resolve_one,
            description=f"One {name} by id; null with a NOT_FOUND error when absent.",
        ),
        spec.plural: graphene.Field(
            graphene.NonNull(graphene.List(graphene.NonNull(output))),
            args=list_arguments(builder, model),
            resolver=resolve_list,
            description=f"{name} rows: filter with 'where', sort with 'orderBy', slice with limit/offset.",
        ),
        f"{spec.plural}_page": graphene.Field(
            graphene.NonNull(build_page_type(name, output)),
            page=graphene.Int(),
            page_size=graphene.Int(),
            **_filtering_arguments(builder, spec),
            resolver=resolve_page,
            description=f"One numbered page of {name} rows (pages start at 1).",
        ),
        f"{spec.plural}_connection": graphene.Field(
            graphene.NonNull(build_connection_types(name, output)),
            first=graphene.Int(),
            after=graphene.String(),
            last=graphene.Int(),
            before=graphene.String(),
            **_filtering_arguments(builder, spec),
            resolver=resolve_connection,
            description=f"{name} rows as a Relay connection.",
        ),
        f"{spec.plural}_aggregate": graphene.Field(
            graphene.NonNull(aggregate_type),
            **aggregate_args,
            resolver=resolve_aggregate,
            description=f"Count and statistics over {name} rows, optionally grouped.",
        ),
    }
