"""The one internal alert shape and the small, strict readers every adapter shares.

Pure Python: no Django. Adapters raise `PayloadError(path, message)`; the API turns it
into a 400 naming the path (e.g. ``alerts[0].labels: required``).
"""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

FIRING = "firing"
RESOLVED = "resolved"
STATUSES = (FIRING, RESOLVED)

# Canonical severities (PagerDuty's four, plus "unknown" when a tool sends none).
SEVERITIES = ("critical", "error", "warning", "info", "unknown")
_SEVERITY_ALIASES = {
    "critical": "critical",
    "crit": "critical",
    "fatal": "critical",
    "page": "critical",
    "emergency": "critical",
    "emerg": "critical",
    "alert": "critical",
    "disaster": "critical",
    "p1": "critical",
    "sev1": "critical",
    "high": "error",
    "error": "error",
    "err": "error",
    "major": "error",
    "p2": "error",
    "sev2": "error",
    "warning": "warning",
    "warn": "warning",
    "medium": "warning",
    "minor": "warning",
    "average": "warning",
    "p3": "warning",
    "sev3": "warning",
    "info": "info",
    "informational": "info",
    "information": "info",
    "notice": "info",
    "low": "info",
    "debug": "info",
    "none": "info",
    "ok": "info",
    "p4": "info",
    "p5": "info",
    "sev4": "info",
}

MAX_KEY_LENGTH = 255
MAX_TITLE_LENGTH = 300
MAX_LABELS = 200
MAX_LABEL_VALUE_LENGTH = 4000


class PayloadError(ValueError):
    """The payload does not match the source's documented format."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


@dataclass(frozen=True, slots=True)
class NormalizedAlert:
    """What every adapter produces: one alert, whatever tool sent it."""

    source: str
    dedup_key: str
    title: str
    severity: str
    status: str
    occurred_at: datetime
    external_id: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    link: str = ""
    group_key: str = ""
    description: str = ""
    ended_at: datetime | None = None
    raw: Any = None

    def __post_init__(self) -> None:
        # Guard the contract here so a buggy adapter fails loudly in its own tests.
        if self.status not in STATUSES:
            raise ValueError(f"status {self.status!r} not in {STATUSES}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity {self.severity!r} not in {SEVERITIES}")
        if self.occurred_at.tzinfo is None or self.occurred_at.utcoffset() is None:
            raise ValueError("occurred_at must be aware")
        if not self.dedup_key or len(self.dedup_key) > MAX_KEY_LENGTH:
            raise ValueError("dedup_key must be 1..255 characters")


# -- readers -------------------------------------------------------------------------------


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def require_object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadError(path, f"must be a JSON object, not {type_name(value)}")
    return value


def require_list(value: Any, path: str, *, allow_empty: bool = False) -> list[Any]:
    if not isinstance(value, list):
        raise PayloadError(path, f"must be a JSON array, not {type_name(value)}")
    if not value and not allow_empty:
        raise PayloadError(path, "must not be empty")
    return value


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def get_str(
    obj: Mapping[str, Any],
    key: str,
    path: str,
    *,
    required: bool = False,
    max_length: int | None = None,
    default: str = "",
) -> str:
    """A string member; missing/null is `default` unless required; empty counts as missing."""
    where = join(path, key)
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise PayloadError(where, "required")
        return default
    if not isinstance(value, str):
        raise PayloadError(where, f"must be a string, not {type_name(value)}")
    if max_length is not None and len(value) > max_length:
        raise PayloadError(where, f"must be at most {max_length} characters")
    return value


def get_object(
    obj: Mapping[str, Any], key: str, path: str, *, required: bool = False
) -> dict[str, Any]:
    where = join(path, key)
    value = obj.get(key)
    if value is None:
        if required:
            raise PayloadError(where, "required")
        return {}
    return require_object(value, where)


def string_map(value: Any, path: str, *, required: bool = False) -> dict[str, str]:
    """Labels/annotations: an object of string values (Alertmanager's model.LabelSet)."""
    if value is None:
        if required:
            raise PayloadError(path, "required")
        return {}
    obj = require_object(value, path)
    if len(obj) > MAX_LABELS:
        raise PayloadError(path, f"at most {MAX_LABELS} entries")
    for key, item in obj.items():
        if not isinstance(item, str):
            raise PayloadError(join(path, key), f"must be a string, not {type_name(item)}")
        if len(item) > MAX_LABEL_VALUE_LENGTH:
            raise PayloadError(join(path, key), f"at most {MAX_LABEL_VALUE_LENGTH} characters")
    return dict(obj)


def scalar_labels(value: Any, *, prefix: str = "") -> dict[str, str]:
    """Best-effort labels from a free-form object: scalars become strings, the rest is skipped."""
    if not isinstance(value, dict):
        return {}
    out: dict[str, str] = {}
    for key, item in list(value.items())[:MAX_LABELS]:
        if isinstance(item, bool):
            out[f"{prefix}{key}"] = "true" if item else "false"
        elif isinstance(item, str | int | float) and len(str(item)) <= MAX_LABEL_VALUE_LENGTH:
            out[f"{prefix}{key}"] = str(item)
    return out


def parse_time(value: Any, path: str, *, zero_is_none: bool = False) -> datetime | None:
    """RFC 3339 / ISO 8601 with an offset, returned in UTC. Go's zero time may mean "unset"."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise PayloadError(path, f"must be an RFC 3339 timestamp string, not {type_name(value)}")
    text = value.strip()
    if zero_is_none and text.startswith("0001-01-01"):
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise PayloadError(
            path, f"not an RFC 3339 timestamp: {value[:40]!r} (e.g. 2026-11-20T09:14:05Z)"
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise PayloadError(path, "timestamp must include a UTC offset (e.g. Z or +01:00)")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise PayloadError(path, "timestamp out of range") from None


def parse_epoch(value: Any, path: str) -> datetime | None:
    if value is None or isinstance(value, bool):
        return None
    if not isinstance(value, int | float):
        raise PayloadError(path, f"must be a number (Unix seconds), not {type_name(value)}")
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise PayloadError(path, "timestamp out of range") from None


def severity_of(value: Any) -> str:
    """Map a tool's severity word onto the canonical set; anything else is "unknown"."""
    if isinstance(value, str):
        return _SEVERITY_ALIASES.get(value.strip().lower(), "unknown")
    return "unknown"


def bounded_key(text: str) -> str:
    """Keys longer than the column are replaced by their digest (stable, collision-safe)."""
    if len(text) <= MAX_KEY_LENGTH:
        return text
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def digest_of(value: Any) -> str:
    """A stable digest of a JSON value (sorted keys), used when a tool sends no identifier."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def label_set_key(labels: Mapping[str, str]) -> str:
    return "{" + ",".join(f"{k}={labels[k]!r}" for k in sorted(labels)) + "}"


def clip(text: str, length: int) -> str:
    text = " ".join(text.split()) if "\n" in text or "\t" in text else text
    return text if len(text) <= length else text[: length - 1] + "…"
