"""The request id: taken from the client's ``X-Request-ID`` (cleaned, at most 64 characters) or
generated, set as ``request.request_id``, bound to the log context for the whole request and
returned in the ``X-Request-ID`` response header. ``TOOLKIT["AUDIT_REQUEST_ID_HEADER"]`` names
another header to use instead (``""``: always generate one, returned as ``X-Request-ID``).

Put it first in ``MIDDLEWARE`` so that every response, redirects and refusals included, carries
the header, and every log line written while the request is served carries the id.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from toolkit.conf import get_config
from toolkit.observability import context


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = get_config()["AUDIT_REQUEST_ID_HEADER"]
        sent = request.META.get("HTTP_" + header.upper().replace("-", "_")) if header else None
        request_id = context.clean_request_id(sent) or context.new_request_id()
        request.request_id = request_id
        with context.bound(request_id=request_id):
            response = self.get_response(request)
        response[header or context.REQUEST_ID_HEADER] = request_id
        return response
