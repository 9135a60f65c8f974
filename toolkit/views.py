"""``/graphql/``: graphene-django's view serving the live schema, with our error codes.

POST bodies must be JSON (``application/json`` or ``application/graphql``): browsers cannot
send those cross-site without a CORS preflight, which is what makes the endpoint safe to
exempt from Django's cookie-based CSRF check. ``multipart/form-data`` carries file uploads
(toolkit.multipart) and must come with a header that forces a preflight, or a JWT. GET serves
queries (and GraphiQL when enabled).
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
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
from graphql import ExecutionResult, GraphQLError, OperationType, execute, get_operation_ast, validate

from toolkit import caching, documents, errors, flags, multipart, signals, stats
from toolkit import debug as debugging
from toolkit.conf import get_config
from toolkit.mutations.execution import MutationExecutionContext
from toolkit.rules import hide_suggestions, validation_rules
from toolkit.schema import get_schema
from toolkit.security import audit, limits, ratelimit, tokens
from toolkit.security.context import acting_as
from toolkit.security.ratelimit import client_ip

JSON_CONTENT_TYPES = ("application/json", "application/graphql")
MULTIPART = "multipart/form-data"
logger = logging.getLogger("toolkit.views")


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
        self.validation_rules = None  # per request: toolkit.rules.validation_rules(user)
        #: The operations of a multipart request, files in place (toolkit.multipart).
        self.multipart_data: dict[str, Any] | list[dict[str, Any]] | None = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        content_type = self.get_content_type(request) if request.method == "POST" else None
        is_multipart = content_type == MULTIPART
        if content_type is not None and not is_multipart and content_type not in JSON_CONTENT_TYPES:
            return JsonResponse(
                {
                    "errors": [
                        {
                            "message": "POST requests must have Content-Type application/json "
                            "(or multipart/form-data for file uploads).",
                            "extensions": errors.extensions("UNSUPPORTED_MEDIA_TYPE"),
                        }
                    ]
                },
                status=415,
            )
        if is_multipart and not multipart.preflighted(request):
            return ViewError(400, "CSRF_PREVENTED", multipart.csrf_message()).as_response()
        try:
            raw_token = tokens.bearer_token(request)
            if raw_token is not None:  # a token, when present, must be valid: no fallback to anonymous
                request.user = tokens.user_for_access_token(raw_token)
        except tokens.InvalidToken as exc:
            audit.record("token_rejected", user=AnonymousUser(), reason=exc.message, ip=client_ip(request))
            response = JsonResponse(
                {"errors": [{"message": exc.message, "extensions": errors.extensions("UNAUTHENTICATED")}]},
                status=401,
            )
            response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            return response
        self.schema = get_schema()
        self.graphiql = graphiql_enabled()
        with acting_as(getattr(request, "user", None), request=request):
            try:
                if is_multipart:
                    self.multipart_data = self._parse_multipart(request)
                self.batch = self._is_batch(request)
            except ViewError as exc:
                return exc.as_response()
            return super().dispatch(request, *args, **kwargs)

    @staticmethod
    def _parse_multipart(request: HttpRequest) -> dict[str, Any] | list[dict[str, Any]]:
        try:
            return multipart.parse(request)
        except multipart.MultipartError as exc:
            if exc.status == 413:
                audit.record("limit_exceeded", limit=f"upload_{exc.extensions['limit']}", message=exc.message)
            raise ViewError(exc.status, exc.code, exc.message, **exc.extensions) from None

    def parse_body(self, request: HttpRequest) -> Any:
        if self.multipart_data is not None:
            return self.multipart_data
        return super().parse_body(request)

    def _is_batch(self, request: HttpRequest) -> bool:
        """A JSON array body (or multipart ``operations``) is a batch of operations (bounded by the limits)."""
        if self.multipart_data is not None:
            operations = self.multipart_data
            if not isinstance(operations, list):
                return False
        else:
            if request.method != "POST" or self.get_content_type(request) != "application/json":
                return False
            body = request.body.lstrip()
            if not body.startswith(b"["):
                return False
            try:
                operations = json.loads(body)
            except ValueError:
                return False  # reported as invalid JSON by the body parser
        limit = limits.limits_for(getattr(request, "user", None)).max_batch
        if not all(isinstance(o, dict) for o in operations):
            raise ViewError(400, "BAD_REQUEST", "Each operation of a batch must be a JSON object.")
        count = len(operations)
        if limit == 0:
            raise ViewError(400, "BAD_REQUEST", "Batched requests are not accepted.")
        if count > limit:
            audit.record("limit_exceeded", limit="batch", message=f"{count} operations; the limit is {limit}")
            raise ViewError(
                400,
                "GRAPHQL_VALIDATION_FAILED",
                f"The batch has {count} operations; the limit is {limit}.",
                limit="batch",
            )
        return True

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
        if not isinstance(query, str):
            raise HttpError(HttpResponseBadRequest("The query must be a string."))
        if variables is not None and not isinstance(variables, dict):
            raise HttpError(HttpResponseBadRequest("Variables must be a JSON object."))
        if operation_name is not None and not isinstance(operation_name, str):
            raise HttpError(HttpResponseBadRequest("operationName must be a string."))
        request.toolkit_variables = variables  # for the operation's log line (redacted there)
        schema = self.schema.graphql_schema
        user = getattr(request, "user", None)
        caller_limits = limits.limits_for(user)
        too_large = limits.check_document_size(query, caller_limits)
        if too_large is not None:
            audit.record_limit_errors([too_large])
            return self.refused(request, [too_large])
        document = documents.parsed(query, caller_limits.max_tokens)
        if isinstance(document, GraphQLError):
            too_many = limits.token_error(document)
            if too_many is not None:
                audit.record_limit_errors([too_many])
            return self.refused(request, [too_many or errors.parse_error(document)])

        operation = get_operation_ast(document, operation_name)
        if operation is not None:
            request.toolkit_operation = (
                operation.name.value if operation.name else None,
                operation.operation.value,
            )
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

        def validate_document() -> list[GraphQLError]:
            with limits.operation_variables(variables if isinstance(variables, dict) else None):
                return validate(
                    schema,
                    document,
                    validation_rules(user),
                    graphene_settings.MAX_VALIDATION_ERRORS,
                    hide_suggestions=hide_suggestions(),
                )

        introspection = flags.is_enabled("introspection")
        validation_key = (id(schema), query, caller_limits, introspection, hide_suggestions())
        validation_errors = documents.validated(validation_key, variables, validate_document)
        if validation_errors:
            audit.record_limit_errors(validation_errors)
            return self.refused(request, errors.validation_errors(document, validation_errors))
        self.count_request(request, limits.operation_cost(schema, document, variables, operation_name))

        cache_key = None
        if (
            caching.is_enabled()
            and operation is not None
            and operation.operation == OperationType.QUERY
            and self.multipart_data is None  # a result may depend on the files, not only their names
        ):
            cache_key = caching.result_key(query, variables, operation_name, user)
            cached = caching.get(cache_key)
            if cached is not None:
                request.toolkit_stats = stats.OperationStats(cache_hit=True)
                extensions = None
                if debugging.wants_debug(request):
                    request.toolkit_stats.finished = request.toolkit_stats.started
                    extensions = {"debug": debugging.extension(request.toolkit_stats, request, "hit")}
                return ExecutionResult(data=cached, extensions=extensions)
        debug = debugging.wants_debug(request)
        with (
            stats.measuring(
                keep_statements=debug and get_config()["DEBUG_SQL"], keep_plans=debug
            ) as measured,
            stats.attributing() if debug else contextlib.nullcontext({}) as by_path,
            caching.recording() as reads,
            stats.statement_timeout(),
        ):
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
        request.toolkit_stats = measured
        if cache_key is not None and not result.errors:
            caching.put(cache_key, result.data, reads)
        if debug:
            result.extensions = {
                **(result.extensions or {}),
                "debug": debugging.extension(measured, request, "miss" if cache_key else "off"),
            }
            warn_at = get_config()["DEBUG_QUERY_WARNING"]
            if warn_at and sum(by_path.values()) > warn_at:
                logger.warning(
                    "Operation %s: %s", operation_name or "(anonymous)", stats.describe(by_path, warn_at)
                )
        if (
            result.errors
            and result.data is None
            and all(isinstance(e.original_error, ratelimit.RateLimited) for e in result.errors)
        ):  # e.g. a throttled tokenAuth: nothing was done, the whole answer is a refusal
            exc = result.errors[0].original_error
            raise ViewError(429, "RATE_LIMITED", exc.message, retry_after=exc.retry_after)
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
    def count_request(request: HttpRequest, cost: int) -> None:
        """Count the request toward the caller's rate limits; over them, HTTP 429."""
        try:
            ratelimit.check_request(request, cost)
        except ratelimit.RateLimited as exc:
            raise ViewError(429, "RATE_LIMITED", exc.message, retry_after=exc.retry_after) from None

    def refused(self, request: HttpRequest, refusal: list[GraphQLError]) -> ExecutionResult:
        """A document refused before execution (too large, unparsable, invalid) still counts as one
        request of cost 1, so a flood of broken documents is throttled like any other."""
        self.count_request(request, 1)
        return ExecutionResult(errors=refusal)

    def get_response(self, request: HttpRequest, data: Any, show_graphiql: bool = False) -> tuple[Any, int]:
        """graphene-django's response shape, plus ``extensions`` (the DEBUG figures)."""
        query, variables, operation_name, request_id = self.get_graphql_params(request, data)
        request.toolkit_operation = (operation_name if isinstance(operation_name, str) else None, None)
        request.toolkit_stats = None
        started = time.perf_counter()
        try:
            result = self.execute_graphql_request(
                request, data, query, variables, operation_name, show_graphiql
            )
        except HttpError as exc:
            code = exc.code if isinstance(exc, ViewError) else "BAD_REQUEST"
            self._operation_executed(request, started, "refused", exc.response.status_code, [code])
            raise
        if result is None:
            return None, 200
        status = 200
        response: dict[str, Any] = {}
        if result.errors:
            response["errors"] = [self.format_error(e) for e in result.errors]
        if result.errors and any(not getattr(e, "path", None) for e in result.errors):
            status = 400  # refused before execution
        else:
            response["data"] = result.data
        if result.extensions:
            response["extensions"] = result.extensions
        if self.batch:
            response["id"] = request_id
            response["status"] = status
        outcome = "refused" if status != 200 else "error" if result.errors else "ok"
        codes = [e.get("extensions", {}).get("code") for e in response.get("errors", [])]
        self._operation_executed(request, started, outcome, status, codes)
        return self.json_encode(request, response, pretty=show_graphiql), status

    @staticmethod
    def _operation_executed(
        request: HttpRequest, started: float, outcome: str, http_status: int, codes: list[str]
    ) -> None:
        """Send :data:`toolkit.signals.operation_executed` (failing receivers are only logged)."""
        if not signals.operation_executed.has_listeners():
            return
        name, kind = getattr(request, "toolkit_operation", (None, None))
        measured = getattr(request, "toolkit_stats", None)
        responses = signals.operation_executed.send_robust(
            sender=GraphQLView,
            request=request,
            operation_name=name,
            operation_type=kind,
            duration=time.perf_counter() - started,
            sql_count=measured.sql_count if measured is not None else 0,
            status=outcome,
            http_status=http_status,
            error_codes=codes,
            cache_hit=bool(measured is not None and measured.cache_hit),
        )
        for receiver, response in responses:
            if isinstance(response, Exception):
                logger.error("operation_executed receiver %r failed", receiver, exc_info=response)

    @staticmethod
    def format_error(error: Exception) -> dict[str, Any]:
        if isinstance(error, ViewError):
            return error.formatted()
        if isinstance(error, HttpError):
            return {"message": error.message, "extensions": errors.extensions("BAD_REQUEST")}
        return errors.format_error(error)


class ViewError(HttpError):
    """A refusal before execution, with its HTTP status and ``extensions.code``."""

    def __init__(
        self, status: int, code: str, message: str, *, retry_after: int | None = None, **extensions: Any
    ) -> None:
        response = HttpResponse(status=status, content_type="application/json")
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
            extensions["retryAfter"] = retry_after
        super().__init__(response, message)
        self.code = code
        self.extensions = extensions

    def formatted(self) -> dict[str, Any]:
        return {"message": self.message, "extensions": errors.extensions(self.code, **self.extensions)}

    def as_response(self) -> HttpResponse:
        self.response.content = json.dumps({"errors": [self.formatted()]})
        return self.response
