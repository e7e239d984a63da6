"""Strict JSON body parsing for the adapters: the project's one JSON decoder
(`breachdesk.jsondoc`), its errors as the adapters' PayloadError."""

from typing import Any

from breachdesk import jsondoc

from .base import PayloadError

MAX_DEPTH = jsondoc.MAX_DEPTH


def parse_json(body: bytes) -> Any:
    """Decode a request body as one JSON document (UTF-8), or raise PayloadError."""
    try:
        return jsondoc.decode(body)
    except jsondoc.JSONDocumentError as exc:
        raise PayloadError(exc.path, exc.message) from None
