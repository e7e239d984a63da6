"""PagerDuty Events API v2 (`POST /v2/enqueue` bodies), so PD-compatible senders can reuse
their integration. Dedup key: `dedup_key`; `resolve` resolves; `acknowledge` counts as a
further occurrence of a firing alert.
"""

from datetime import datetime
from typing import Any

from .base import (
    FIRING,
    RESOLVED,
    NormalizedAlert,
    PayloadError,
    clip,
    digest_of,
    get_object,
    get_str,
    parse_time,
    require_list,
    require_object,
    scalar_labels,
)

ACTIONS = ("trigger", "acknowledge", "resolve")
PD_SEVERITIES = ("critical", "error", "warning", "info")


def parse_pagerduty(
    payload: Any, *, received_at: datetime, headers: dict[str, str] | None = None
) -> list[NormalizedAlert]:
    body = require_object(payload, "body")
    action = get_str(body, "event_action", "", required=True)
    if action not in ACTIONS:
        raise PayloadError("event_action", f"must be one of {', '.join(ACTIONS)}, not {action!r}")
    dedup_key = get_str(body, "dedup_key", "", max_length=255)
    links = body.get("links")
    if links is not None:
        require_list(links, "links", allow_empty=True)
    if action != "trigger":
        # PD accepts resolve/acknowledge with only routing_key, event_action and dedup_key.
        if not dedup_key:
            raise PayloadError("dedup_key", f"required for {action}")
        details = get_object(body, "payload", "")
        summary = get_str(details, "summary", "payload") if details else ""
        return [
            NormalizedAlert(
                source="pagerduty",
                dedup_key=dedup_key,
                external_id=dedup_key,
                title=clip(summary or f"{action}: {dedup_key}", 300),
                severity=_severity(details) if details.get("severity") else "unknown",
                status=RESOLVED if action == "resolve" else FIRING,
                occurred_at=received_at,
                ended_at=received_at if action == "resolve" else None,
                labels={"event_action": action},
                link=_first_link(body),
                group_key="",
                raw=body,
            )
        ]
    details = get_object(body, "payload", "", required=True)
    summary = get_str(details, "summary", "payload", required=True, max_length=1024)
    origin = get_str(details, "source", "payload", required=True, max_length=255)
    severity = _severity(details, required=True)
    occurred = parse_time(details.get("timestamp"), "payload.timestamp") or received_at
    labels = {"source": origin, "event_action": action}
    for key in ("component", "group", "class"):
        value = get_str(details, key, "payload", max_length=255)
        if value:
            labels[key] = value
    custom = details.get("custom_details")
    # custom_details may be any JSON; its scalar members become labels (facts live there).
    labels.update({k: v for k, v in scalar_labels(custom).items() if k not in labels})
    return [
        NormalizedAlert(
            source="pagerduty",
            # PD generates a random key when a trigger has none; we derive one from the content
            # so that a sender's retries of the same event still deduplicate.
            dedup_key=dedup_key
            or "auto:" + digest_of({k: v for k, v in details.items() if k != "timestamp"}),
            external_id=dedup_key,
            title=clip(summary, 300),
            description=str(custom) if isinstance(custom, str) else "",
            severity=severity,
            status=FIRING,
            occurred_at=occurred,
            labels=labels,
            link=_first_link(body) or get_str(body, "client_url", ""),
            group_key=labels.get("group", ""),
            raw=body,
        )
    ]


def _severity(details: dict[str, Any], *, required: bool = False) -> str:
    value = get_str(details, "severity", "payload", required=required)
    if value not in PD_SEVERITIES:
        raise PayloadError(
            "payload.severity", f"must be one of {', '.join(PD_SEVERITIES)}, not {value!r}"
        )
    return value


def _first_link(body: dict[str, Any]) -> str:
    links = body.get("links")
    if isinstance(links, list):
        for link in links:
            if isinstance(link, dict) and isinstance(link.get("href"), str):
                return link["href"]
    return ""
