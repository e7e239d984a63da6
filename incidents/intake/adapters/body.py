"""Strict JSON body parsing: every way a body can be unusable becomes a PayloadError.

Beyond `json.loads`, refuse what JSON allows but databases do not store: NaN/Infinity,
NUL characters and lone surrogates (PostgreSQL's jsonb and UTF-8 reject them), and
documents nested deeper than anything a monitoring tool sends.
"""

import json
import math
from typing import Any

from .base import PayloadError

MAX_DEPTH = 64


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]} is out of range")
    return value


def parse_json(body: bytes) -> Any:
    """Decode a request body as one JSON document (UTF-8), or raise PayloadError("body")."""
    if not body.strip():
        raise PayloadError("body", "is empty; send a JSON document")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PayloadError("body", f"is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise PayloadError(
            "body", f"is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise PayloadError("body", f"is nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:  # NaN/Infinity, huge numbers
        raise PayloadError("body", f"is not acceptable JSON: {exc}") from None
    check_storable(value)
    return value


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character (\\u0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an unpaired surrogate (invalid \\u escape)"
    return None


def check_storable(value: Any) -> None:
    """Walk the document without recursion; name the first unstorable place."""
    stack: list[tuple[Any, str, int]] = [(value, "body", 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise PayloadError("body", f"is nested more than {MAX_DEPTH} levels deep")
        if isinstance(item, str):
            if problem := _text_problem(item):
                raise PayloadError(path, problem)
        elif isinstance(item, dict):
            for key, child in item.items():
                if problem := _text_problem(key):
                    raise PayloadError(path, f"a member name {problem}")
                stack.append((child, f"{path}.{key}" if len(path) < 200 else path, depth + 1))
        elif isinstance(item, list):
            stack.extend(
                (child, f"{path}[{i}]" if len(path) < 200 else path, depth + 1)
                for i, child in enumerate(item)
            )
