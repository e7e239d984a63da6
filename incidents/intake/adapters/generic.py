"""BreachDesk's own format, for scripts and tools without a native integration.

{"title": "...",                      required, at most 300 characters
 "dedup_key": "...",                  optional, at most 255; default: title + labels
 "status": "firing" | "resolved",     optional, default firing
 "severity": "critical" | "error" | "warning" | "info",   optional
 "occurred_at": "2026-11-20T09:14:05Z",  optional, with offset; default: received time
 "labels": {"k": "v"},                optional, string values
 "description": "...", "link": "https://...", "group_key": "..."}   optional
"""

from datetime import datetime
from typing import Any

from .base import (
    FIRING,
    RESOLVED,
    SEVERITIES,
    STATUSES,
    NormalizedAlert,
    PayloadError,
    bounded_key,
    digest_of,
    get_str,
    parse_time,
    require_object,
    string_map,
)

KNOWN = frozenset(
    {
        "title",
        "dedup_key",
        "status",
        "severity",
        "occurred_at",
        "labels",
        "description",
        "link",
        "group_key",
    }
)


def parse_generic(
    payload: Any, *, received_at: datetime, headers: dict[str, str] | None = None
) -> list[NormalizedAlert]:
    body = require_object(payload, "body")
    unknown = sorted(set(body) - KNOWN)
    if unknown:
        raise PayloadError(unknown[0], f"unknown field (allowed: {', '.join(sorted(KNOWN))})")
    title = get_str(body, "title", "", required=True, max_length=300)
    status = get_str(body, "status", "", default=FIRING)
    if status not in STATUSES:
        raise PayloadError("status", f"must be 'firing' or 'resolved', not {status!r}")
    severity = get_str(body, "severity", "", default="unknown")
    if severity not in SEVERITIES:
        raise PayloadError("severity", f"must be one of {', '.join(SEVERITIES)}, not {severity!r}")
    labels = string_map(body.get("labels"), "labels")
    occurred = parse_time(body.get("occurred_at"), "occurred_at") or received_at
    dedup_key = get_str(body, "dedup_key", "", max_length=255) or "auto:" + digest_of(
        {"title": title, "labels": labels}
    )
    link = get_str(body, "link", "", max_length=2000)
    return [
        NormalizedAlert(
            source="generic",
            dedup_key=dedup_key,
            external_id=get_str(body, "dedup_key", ""),
            title=title,
            description=get_str(body, "description", "", max_length=20000),
            severity=severity,
            status=status,
            occurred_at=occurred,
            ended_at=occurred if status == RESOLVED else None,
            labels=labels,
            link=link,
            group_key=bounded_key(get_str(body, "group_key", "")),
            raw=body,
        )
    ]
