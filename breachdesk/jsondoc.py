"""Strict JSON documents: the one decoder behind every JSON body BreachDesk accepts.

Beyond `json.loads`, refuse what JSON allows but databases do not store: NaN/Infinity,
NUL characters and lone surrogates (PostgreSQL's jsonb and UTF-8 reject them), and
documents nested deeper than any client sends (a 50,000-deep array would otherwise exhaust
the interpreter's stack). Pure Python, no Django: the DRF parser (breachdesk/api/parsers.py)
and the alert-intake adapters both use it.
"""

import json
import math
from typing import Any

MAX_DEPTH = 64


class JSONDocumentError(ValueError):
    """Why a body is not an acceptable JSON document; `path` names the place ("body", ...)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path} {message}")
        self.path = path
        self.message = message


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]} is out of range")
    return value


def decode(body: bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """One JSON document (UTF-8) from a request body, or JSONDocumentError naming the problem."""
    if not body.strip():
        raise JSONDocumentError("body", "is empty; send a JSON document")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise JSONDocumentError(
            "body", f"is not UTF-8 ({exc.reason} at byte {exc.start})"
        ) from None
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise JSONDocumentError(
            "body", f"is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise JSONDocumentError("body", f"is nested more than {max_depth} levels deep") from None
    except ValueError as exc:  # NaN/Infinity, huge numbers
        raise JSONDocumentError("body", f"is not acceptable JSON: {exc}") from None
    check_storable(value, max_depth=max_depth)
    return value


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character (\\u0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains an unpaired surrogate (invalid \\u escape)"
    return None


def check_storable(value: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """Walk the document without recursion; name the first unstorable place."""
    stack: list[tuple[Any, str, int]] = [(value, "body", 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > max_depth:
            raise JSONDocumentError("body", f"is nested more than {max_depth} levels deep")
        if isinstance(item, str):
            if problem := _text_problem(item):
                raise JSONDocumentError(path, problem)
        elif isinstance(item, dict):
            for key, child in item.items():
                if problem := _text_problem(key):
                    raise JSONDocumentError(path, f"a member name {problem}")
                stack.append((child, f"{path}.{key}" if len(path) < 200 else path, depth + 1))
        elif isinstance(item, list):
            stack.extend(
                (child, f"{path}[{i}]" if len(path) < 200 else path, depth + 1)
                for i, child in enumerate(item)
            )
