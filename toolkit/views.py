"""``/graphql/``: graphene-django's view serving the live schema, with our error codes.

POST bodies must be JSON (``application/json`` or ``application/graphql``): browsers cannot
send those cross-site without a CORS preflight, which is what makes the endpoint safe to
exempt from Django's cookie-based CSRF check. GET serves queries (and GraphiQL when enabled).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import View
from graphene_django.settings import graphene_settings
from graphene_django.views import GraphQLView as BaseGraphQLView
from graphene_django.views import HttpError
from graphql import ExecutionResult, GraphQLError, OperationType, execute, get_operation_ast, parse, validate

from toolkit import errors
from toolkit.conf import get_config
from toolkit.mutations.execution import MutationExecutionContext
from toolkit.rules import VALIDATION_RULES
from toolkit.schema import get_schema

JSON_CONTENT_TYPES = ("application/json", "application/graphql")


def graphiql_enabled() -> bool:
    configured = get_config()["GRAPHIQL"]
    return settings.DEBUG if configured is None else bool(configured)


@method_decorator(csrf_exempt, name="dispatch")
class GraphQLView(BaseGraphQLView):
    """Serves :func:`toolkit.get_schema` (looked up per request, so it follows the settings)."""

    def __init__(self, **kwargs: Any) -> None:
        View.__init__(self, **kwargs)
        self.schema = None
        self.middleware = None
        self.root_value = None
        self.pretty = False
        self.batch = False
        self.graphiql = False
        self.subscription_path = None
        self.execution_context_class = MutationExecutionContext
        self.validation_rules = VALIDATION_RULES

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST" and self.get_content_type(request) not in JSON_CONTENT_TYPES:
            return JsonResponse(
                {
                    "errors": [
                        {
                            "message": "POST requests must have Content-Type application/json.",
                            "extensions": {"code": "UNSUPPORTED_MEDIA_TYPE"},
                        }
                    ]
                },
                status=415,
            )
        self.schema = get_schema()
        self.graphiql = graphiql_enabled()
        return super().dispatch(request, *args, **kwargs)

    def execute_graphql_request(
        self,
        request: HttpRequest,
        data: Any,
        query: str | None,
        variables: Any,
        operation_name: str | None,
        show_graphiql: bool = False,
    ) -> ExecutionResult | None:
        if not query:
            if show_graphiql:
                return None
            raise HttpError(HttpResponseBadRequest("Must provide query string."))
        if variables is not None and not isinstance(variables, dict):
            raise HttpError(HttpResponseBadRequest("Variables must be a JSON object."))
        if operation_name is not None and not isinstance(operation_name, str):
            raise HttpError(HttpResponseBadRequest("operationName must be a string."))
        schema = self.schema.graphql_schema
        try:
            document = parse(query)
        except GraphQLError as error:
            return ExecutionResult(errors=[errors.parse_error(error)])

        operation = get_operation_ast(document, operation_name)
        if (
            request.method.lower() == "get"
            and operation is not None
            and operation.operation != OperationType.QUERY
        ):
            if show_graphiql:
                return None
            raise HttpError(
                HttpResponseNotAllowed(
                    ["POST"], f"Can only perform a {operation.operation.value} operation from a POST request."
                )
            )

        validation_errors = validate(
            schema, document, self.validation_rules, graphene_settings.MAX_VALIDATION_ERRORS
        )
        if validation_errors:
            return ExecutionResult(errors=errors.validation_errors(document, validation_errors))

        result = execute(
            schema,
            document,
            root_value=self.get_root_value(request),
            context_value=self.get_context(request),
            variable_values=variables,
            operation_name=operation_name,
            middleware=self.get_middleware(request),
            execution_context_class=self.execution_context_class,
        )
        if result.errors and result.data is None and not any(e.path for e in result.errors):
            # Failed before any resolver ran: bad variables or an unknown operation.
            return ExecutionResult(
                errors=[
                    errors.variable_errors(document, [e])[0]
                    if e.message.startswith("Variable")
                    else errors.with_code(e, errors.VALIDATION_FAILED)
                    for e in result.errors
                ]
            )
        return result

    @staticmethod
    def format_error(error: Exception) -> dict[str, Any]:
        if isinstance(error, HttpError):
            return {"message": error.message, "extensions": {"code": "BAD_REQUEST"}}
        return errors.format_error(error)
