"""Alertmanager v4 webhooks and Grafana unified alerting (the same batch shape, plus extras).

Both post a *group*: every notification carries the whole group state, firing and resolved
alerts mixed, and is sent again every group/repeat interval. We split the batch into one
alert per entry. Dedup key: the alert's `fingerprint` (a hash of its label set) plus its
`startsAt`, so separate episodes of the same label set stay separate alerts.
"""

from datetime import datetime
from typing import Any

from .base import (
    FIRING,
    STATUSES,
    NormalizedAlert,
    PayloadError,
    bounded_key,
    clip,
    digest_of,
    get_str,
    join,
    label_set_key,
    parse_time,
    require_list,
    require_object,
    severity_of,
    string_map,
)

MAX_ALERTS = 1000


def parse_alertmanager(
    payload: Any, *, received_at: datetime, headers: dict[str, str] | None = None
) -> list[NormalizedAlert]:
    """Prometheus Alertmanager webhook, message version 4."""
    body = require_object(payload, "body")
    version = body.get("version")
    if version is not None and version != "4":
        raise PayloadError("version", f"must be '4' (Alertmanager webhook v4), not {version!r}")
    return _parse_group(body, source="alertmanager", received_at=received_at)


def parse_grafana(
    payload: Any, *, received_at: datetime, headers: dict[str, str] | None = None
) -> list[NormalizedAlert]:
    """Grafana unified alerting webhook contact point, message version 1."""
    body = require_object(payload, "body")
    if "alerts" not in body and ("evalMatches" in body or "ruleId" in body):
        raise PayloadError(
            "alerts",
            "required (this is a legacy Grafana alert; use a unified alerting contact point)",
        )
    version = body.get("version")
    if version is not None and version != "1":
        raise PayloadError("version", f"must be '1' (Grafana webhook v1), not {version!r}")
    return _parse_group(body, source="grafana", received_at=received_at)


def _parse_group(
    body: dict[str, Any], *, source: str, received_at: datetime
) -> list[NormalizedAlert]:
    items = require_list(body.get("alerts"), "alerts") if "alerts" in body else None
    if items is None:
        raise PayloadError("alerts", "required")
    if len(items) > MAX_ALERTS:
        raise PayloadError("alerts", f"at most {MAX_ALERTS} alerts per notification")
    group_key = body.get("groupKey")
    if group_key is not None and not isinstance(group_key, str | int):
        raise PayloadError("groupKey", "must be a string")
    group_labels = string_map(body.get("groupLabels"), "groupLabels")
    common_annotations = string_map(body.get("commonAnnotations"), "commonAnnotations")
    external_url = get_str(body, "externalURL", "")
    group = (
        str(group_key)
        if group_key not in (None, "")
        else (label_set_key(group_labels) if group_labels else "")
    )
    envelope = {key: value for key, value in body.items() if key != "alerts"}
    return [
        _parse_alert(
            item,
            join("alerts", index),
            source=source,
            group=group,
            envelope=envelope,
            external_url=external_url,
            common_annotations=common_annotations,
            received_at=received_at,
        )
        for index, item in enumerate(items)
    ]


def _parse_alert(
    item: Any,
    path: str,
    *,
    source: str,
    group: str,
    envelope: dict[str, Any],
    external_url: str,
    common_annotations: dict[str, str],
    received_at: datetime,
) -> NormalizedAlert:
    alert = require_object(item, path)
    labels = string_map(alert.get("labels"), join(path, "labels"), required=True)
    if not labels:
        raise PayloadError(join(path, "labels"), "must contain at least one label")
    annotations = {
        **common_annotations,
        **string_map(alert.get("annotations"), join(path, "annotations")),
    }
    status = get_str(alert, "status", path, required=True)
    if status not in STATUSES:
        raise PayloadError(join(path, "status"), f"must be 'firing' or 'resolved', not {status!r}")
    starts_at = parse_time(alert.get("startsAt"), join(path, "startsAt"), zero_is_none=True)
    if starts_at is None:
        raise PayloadError(join(path, "startsAt"), "required")
    ends_at = parse_time(alert.get("endsAt"), join(path, "endsAt"), zero_is_none=True)
    fingerprint = get_str(alert, "fingerprint", path, max_length=128) or digest_of(labels)[:16]
    title = (
        annotations.get("summary")
        or annotations.get("title")
        or labels.get("alertname")
        or f"Alert {fingerprint}"
    )
    if source == "grafana":
        link = (
            get_str(alert, "panelURL", path)
            or get_str(alert, "dashboardURL", path)
            or get_str(alert, "generatorURL", path)
        )
    else:
        link = get_str(alert, "generatorURL", path)
    return NormalizedAlert(
        source=source,
        dedup_key=bounded_key(f"{fingerprint}@{starts_at.isoformat().replace('+00:00', 'Z')}"),
        external_id=fingerprint,
        title=clip(title, 300),
        description=annotations.get("description") or annotations.get("message") or "",
        severity=severity_of(labels.get("severity") or labels.get("priority")),
        status=status,
        occurred_at=starts_at,
        ended_at=ends_at if status != FIRING else None,
        labels=labels,
        link=link or external_url,
        group_key=group,
        raw={**envelope, "alerts": [item]},
    )
