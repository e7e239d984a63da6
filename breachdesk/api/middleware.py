"""Every error under /api/ is JSON in the API's error shape, whoever produced it.

DRF views already answer through breachdesk.api.exceptions. What remains is what Django or a
non-JSON renderer answers before or around them: the HTML 404 of an unknown URL (also in
DEBUG), Django's HTML 400 when a body breaks DATA_UPLOAD_* limits outside a DRF view, an
HTML 500, the YAML of the schema view's 405, the text/plain 404 of the calendar feed, the
browsable API's HTML error page. This middleware rewrites those bodies as
`{"code": ..., "detail": ...}` and keeps the status and every header (Allow, WWW-Authenticate,
Retry-After).
"""

import json
from collections.abc import Callable
from http import HTTPStatus

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

API_PREFIX = "/api/"
# Ids are 64-bit integers in every database; Django's <int:…> converter accepts any digits.
ID_MAX = 2**63 - 1

# The same codes DRF's exceptions carry, so a client sees one vocabulary.
CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
    503: "unavailable",
}


def is_json(response: HttpResponse) -> bool:
    media_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def error_body(response: HttpResponse) -> dict:
    status = response.status_code
    data = getattr(response, "data", None)  # a DRF Response: already in the error shape
    if isinstance(data, dict) and "detail" in data:
        shape = {key: data[key] for key in ("detail", "field", "errors") if key in data}
        return {"code": str(data.get("code") or CODES.get(status, "error")), **shape}
    detail = f"{HTTPStatus(status).phrase}." if status in HTTPStatus._value2member_map_ else ""
    media_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    if media_type == "text/plain" and not response.streaming and len(response.content) < 500:
        detail = response.content.decode("utf-8", "replace").strip() or detail
    return {"code": CODES.get(status, "error"), "detail": detail or f"HTTP {status}."}


class ApiJsonErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        """An id in the URL beyond 64 bits names nothing: 404 before any query (a foreign-key
        lookup with it would be an OverflowError on SQLite, a DataError on PostgreSQL)."""
        for name, value in view_kwargs.items():
            if isinstance(value, int) and not 0 <= value <= ID_MAX:
                if request.path.startswith(API_PREFIX):
                    detail = f"No such object: {name} {value} is out of range."
                    return JsonResponse({"code": "not_found", "detail": detail}, status=404)
                raise Http404(f"{name} is out of range")
        return None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith(API_PREFIX)
            or is_json(response)
        ):
            return response
        body = error_body(response)
        if response.streaming:  # no error streams today; answer a plain one if one ever does
            replacement = HttpResponse(status=response.status_code)
            for header, value in response.items():
                replacement[header] = value
            response = replacement
        response.content = json.dumps(body).encode()
        response["Content-Type"] = "application/json"
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        response.headers.pop("Content-Disposition", None)
        return response
