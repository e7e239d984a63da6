"""The one JSON parser of the API: size-limited, depth-limited, strict (breachdesk.jsondoc).

Every API view, the anonymous token endpoint included, parses JSON bodies here, so a body
over DATA_UPLOAD_MAX_MEMORY_SIZE is a JSON 413 and a body nested 50,000 deep is a JSON 400
naming the problem, never a RecursionError.
"""

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser

from breachdesk import jsondoc


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def body_limit() -> int:
    return int(getattr(settings, "DATA_UPLOAD_MAX_MEMORY_SIZE", None) or 1024 * 1024)


def read_limited(stream, *, declared: str = "") -> bytes:
    """At most limit + 1 bytes of a body: 413 before anything parses it."""
    limit = body_limit()
    if declared:
        if not declared.strip().isdigit():
            raise ParseError("Content-Length is not a number.")
        if int(declared) > limit:
            raise PayloadTooLarge(f"The body is {int(declared)} bytes; the limit is {limit}.")
    data = stream.read(limit + 1) if stream is not None else b""
    if len(data) > limit:
        raise PayloadTooLarge(f"The body is over the limit of {limit} bytes.")
    return data


class JSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH", "") if request is not None else ""
        body = read_limited(stream, declared=declared)
        try:
            return jsondoc.decode(body)
        except jsondoc.JSONDocumentError as exc:
            raise ParseError(f"JSON parse error: {exc}") from None
