"""CloudEvents 1.0 over HTTP: structured mode (one JSON event), batch mode (a JSON array)
and binary mode (attributes in `ce-*` headers, the body is the event's JSON `data`).

The spec defines no alert semantics, so BreachDesk's convention (docs/alert-intake.md):
- `type` ending in `.resolved` resolves the alert; anything else fires it;
- `subject` is the alert key: dedup key = `source` + `subject` (or + `id` without a
  subject), so redeliveries of one event and later events about one alert deduplicate;
- `data.title` / `data.summary`, `data.severity` (or the `severitytext` extension),
  `data.labels` (an object of strings), `data.url` fill the rest.
"""

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from .base import (
    FIRING,
    RESOLVED,
    NormalizedAlert,
    PayloadError,
    bounded_key,
    clip,
    get_str,
    join,
    parse_time,
    require_list,
    require_object,
    scalar_labels,
    severity_of,
    type_name,
)

CORE = frozenset(
    {
        "specversion",
        "id",
        "source",
        "type",
        "datacontenttype",
        "dataschema",
        "subject",
        "time",
        "data",
        "data_base64",
    }
)
EXTENSION_NAME = re.compile(r"^[a-z0-9]{1,20}$")
MAX_BATCH = 1000


HEADER_PREFIX = "ce-"


def parse_cloudevents(
    payload: Any, *, received_at: datetime, headers: Mapping[str, str] | None = None
) -> list[NormalizedAlert]:
    headers = {name.lower(): value for name, value in (headers or {}).items()}
    if HEADER_PREFIX + "specversion" in headers:
        return [_binary_event(payload, headers, received_at)]
    if isinstance(payload, list):
        events = require_list(payload, "body")
        if len(events) > MAX_BATCH:
            raise PayloadError("body", f"at most {MAX_BATCH} events per batch")
        return [_event(item, f"[{index}]", received_at) for index, item in enumerate(events)]
    return [_event(payload, "", received_at)]


def _binary_event(data: Any, headers: Mapping[str, str], received_at: datetime) -> NormalizedAlert:
    """HTTP binding, binary mode: each `ce-<attribute>` header is one attribute (values are
    percent-encoded, section 3.1.3.2), `Content-Type` is `datacontenttype`, the body is
    `data`. Errors name the header (`ce-id: required`) or the body (`body.labels`)."""
    event: dict[str, Any] = {
        name[len(HEADER_PREFIX) :]: unquote(value)
        for name, value in headers.items()
        if name.startswith(HEADER_PREFIX)
    }
    if "data" in event or "data_base64" in event:
        raise PayloadError(f"{HEADER_PREFIX}data", "binary mode carries the data in the body")
    if content_type := headers.get("content-type", ""):
        event["datacontenttype"] = content_type
    event["data"] = data
    try:
        return _event(event, "", received_at)
    except PayloadError as exc:
        head, _, rest = exc.path.partition(".")
        head, bracket, index = head.partition("[")
        if head == "data":
            path = "body" + (f".{rest}" if rest else "")
        else:
            path = HEADER_PREFIX + head + (bracket + index) + (f".{rest}" if rest else "")
        raise PayloadError(path, exc.message) from None


def _event(item: Any, path: str, received_at: datetime) -> NormalizedAlert:
    event = require_object(item, path or "body")
    version = event.get("specversion")
    if version is None:
        raise PayloadError(join(path, "specversion"), "required ('1.0')")
    if version != "1.0":
        raise PayloadError(join(path, "specversion"), f"must be '1.0', not {version!r}")
    event_id = get_str(event, "id", path, required=True, max_length=255)
    source = get_str(event, "source", path, required=True, max_length=1000)
    kind = get_str(event, "type", path, required=True, max_length=255)
    subject = get_str(event, "subject", path, max_length=1000)
    get_str(event, "datacontenttype", path)
    if "data" in event and "data_base64" in event:
        raise PayloadError(join(path, "data_base64"), "must not be present together with data")
    get_str(event, "data_base64", path)
    occurred = parse_time(event.get("time"), join(path, "time")) or received_at
    labels = {"ce_type": kind, "ce_source": source[:4000]}
    if subject:
        labels["ce_subject"] = subject
    for name, value in event.items():
        if name in CORE:
            continue
        if not EXTENSION_NAME.match(name):
            raise PayloadError(
                join(path, name),
                "not a CloudEvents attribute (extension names are [a-z0-9], at most 20 characters)",
            )
        if not isinstance(value, str | int | bool):
            raise PayloadError(
                join(path, name),
                f"extension attributes must be strings, integers or booleans, "
                f"not {type_name(value)}",
            )
        labels[name] = str(value).lower() if isinstance(value, bool) else str(value)
    data = event.get("data")
    data_obj = data if isinstance(data, dict) else {}
    labels.update(scalar_labels(data_obj.get("labels")))
    title = (
        next(
            (
                data_obj[k]
                for k in ("title", "summary")
                if isinstance(data_obj.get(k), str) and data_obj[k]
            ),
            "",
        )
        or subject
        or kind
    )
    severity = severity_of(event.get("severitytext") or data_obj.get("severity"))
    status_word = data_obj.get("status")
    resolved = kind.endswith(".resolved") or status_word == "resolved"
    link = next(
        (data_obj[k] for k in ("url", "link", "href") if isinstance(data_obj.get(k), str)), ""
    )
    group = data_obj.get("group_key")
    return NormalizedAlert(
        source="cloudevents",
        dedup_key=bounded_key(f"{source}#{subject or event_id}"),
        external_id=event_id,
        title=clip(title, 300),
        description=data_obj["description"] if isinstance(data_obj.get("description"), str) else "",
        severity=severity,
        status=RESOLVED if resolved else FIRING,
        occurred_at=occurred,
        ended_at=occurred if resolved else None,
        labels=labels,
        link=link,
        group_key=bounded_key(group)
        if isinstance(group, str) and group
        else (bounded_key(f"{source}#{subject}") if subject else ""),
        raw=event,
    )
