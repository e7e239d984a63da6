"""Sentry integration-platform webhooks: issue alerts (`event_alert`), plus `issue` and
`metric_alert` resources. The resource comes from the `Sentry-Hook-Resource` header, or from
the shape of `data` when a proxy dropped the header.

- event_alert: an issue-alert rule fired for one event. Dedup on the event id, group by the
  issue id (every event of one Sentry issue lands on one incident). Never resolves.
- issue: dedup on the issue id; `action: resolved` resolves.
- metric_alert: dedup on the metric-alert (incident) id; `action: resolved` resolves.
"""

from datetime import datetime
from typing import Any

from .base import (
    FIRING,
    RESOLVED,
    NormalizedAlert,
    PayloadError,
    bounded_key,
    clip,
    get_object,
    get_str,
    join,
    parse_epoch,
    parse_time,
    require_object,
    severity_of,
)

RESOURCES = ("event_alert", "issue", "metric_alert")


def parse_sentry(
    payload: Any, *, received_at: datetime, headers: dict[str, str] | None = None
) -> list[NormalizedAlert]:
    body = require_object(payload, "body")
    action = get_str(body, "action", "", required=True)
    data = get_object(body, "data", "", required=True)
    resource = (headers or {}).get("sentry-hook-resource", "")
    if not resource:
        resource = next((r for r in ("event", "issue", "metric_alert") if r in data), "")
        resource = "event_alert" if resource == "event" else resource
    if resource not in RESOURCES:
        raise PayloadError(
            "data",
            "expected data.event (issue alert), data.issue or data.metric_alert"
            + (f"; resource {resource!r} is not an alert" if resource else ""),
        )
    if resource == "event_alert":
        return [_event_alert(body, data, action, received_at)]
    if resource == "issue":
        return [_issue(body, data, action, received_at)]
    return [_metric_alert(body, data, action, received_at)]


def _tags(event: dict[str, Any], path: str) -> dict[str, str]:
    tags = event.get("tags")
    out: dict[str, str] = {}
    if tags is None:
        return out
    if isinstance(tags, dict):  # some SDKs / relays send an object
        items = list(tags.items())
    elif isinstance(tags, list):
        items = []
        for index, pair in enumerate(tags):
            if isinstance(pair, list | tuple) and len(pair) == 2:
                items.append((pair[0], pair[1]))
            elif isinstance(pair, dict) and "key" in pair:
                items.append((pair.get("key"), pair.get("value")))
            else:
                raise PayloadError(join(path, index), "must be a [key, value] pair")
    else:
        raise PayloadError(path, "must be an array of [key, value] pairs")
    for key, value in items[:200]:
        if isinstance(key, str) and isinstance(value, str | int | float | bool):
            out[key] = str(value)
    return out


def _event_alert(
    body: dict[str, Any], data: dict[str, Any], action: str, received_at: datetime
) -> NormalizedAlert:
    event = get_object(data, "event", "data", required=True)
    event_id = get_str(event, "event_id", "data.event", max_length=128) or get_str(
        event, "id", "data.event", max_length=128
    )
    if not event_id:
        raise PayloadError("data.event.event_id", "required")
    issue_id = event.get("issue_id")
    if issue_id is not None and not isinstance(issue_id, str | int):
        raise PayloadError("data.event.issue_id", "must be a string")
    rule = get_str(data, "triggered_rule", "data")
    title = get_str(event, "title", "data.event") or get_str(event, "message", "data.event")
    labels = _tags(event, "data.event.tags")
    labels.update({"sentry_resource": "event_alert", "action": action})
    if rule:
        labels["triggered_rule"] = rule
    level = get_str(event, "level", "data.event")
    if level:
        labels["level"] = level
    occurred = parse_time(event.get("datetime"), "data.event.datetime")
    if occurred is None:
        stamp = event.get("timestamp")
        occurred = (
            parse_epoch(stamp, "data.event.timestamp")
            if isinstance(stamp, int | float)
            else parse_time(stamp, "data.event.timestamp")
        )
    return NormalizedAlert(
        source="sentry",
        dedup_key=bounded_key(f"event:{event_id}"),
        external_id=event_id,
        title=clip(title or rule or f"Sentry event {event_id}", 300),
        description=get_str(event, "culprit", "data.event"),
        severity=severity_of(level),
        status=FIRING,
        occurred_at=occurred or received_at,
        labels=labels,
        link=get_str(event, "web_url", "data.event") or get_str(event, "issue_url", "data.event"),
        group_key=bounded_key(f"issue:{issue_id}") if issue_id not in (None, "") else "",
        raw=body,
    )


def _issue(
    body: dict[str, Any], data: dict[str, Any], action: str, received_at: datetime
) -> NormalizedAlert:
    issue = get_object(data, "issue", "data", required=True)
    raw_id = issue.get("id")
    if raw_id in (None, "") or not isinstance(raw_id, str | int) or isinstance(raw_id, bool):
        raise PayloadError("data.issue.id", "required")
    issue_id = str(raw_id)
    labels = {"sentry_resource": "issue", "action": action}
    for key in ("level", "status", "substatus", "shortId", "platform"):
        value = issue.get(key)
        if isinstance(value, str) and value:
            labels[key] = value
    project = issue.get("project")
    if isinstance(project, dict) and isinstance(project.get("slug"), str):
        labels["project"] = project["slug"]
    resolved = action == "resolved"
    return NormalizedAlert(
        source="sentry",
        dedup_key=bounded_key(f"issue:{issue_id}"),
        external_id=issue_id,
        title=clip(get_str(issue, "title", "data.issue") or f"Sentry issue {issue_id}", 300),
        description=get_str(issue, "culprit", "data.issue"),
        severity=severity_of(issue.get("level")),
        status=RESOLVED if resolved else FIRING,
        occurred_at=parse_time(issue.get("firstSeen"), "data.issue.firstSeen") or received_at,
        ended_at=received_at if resolved else None,
        labels=labels,
        link=(
            get_str(issue, "web_url", "data.issue")
            or get_str(issue, "permalink", "data.issue")
            or get_str(issue, "url", "data.issue")
        ),
        group_key=f"issue:{issue_id}",
        raw=body,
    )


def _metric_alert(
    body: dict[str, Any], data: dict[str, Any], action: str, received_at: datetime
) -> NormalizedAlert:
    alert = get_object(data, "metric_alert", "data", required=True)
    raw_id = alert.get("id")
    if raw_id in (None, "") or not isinstance(raw_id, str | int) or isinstance(raw_id, bool):
        raise PayloadError("data.metric_alert.id", "required")
    alert_id = str(raw_id)
    rule = alert.get("alert_rule")
    rule_name = rule.get("name") if isinstance(rule, dict) else None
    title = (
        get_str(data, "description_title", "data")
        or get_str(alert, "title", "data.metric_alert")
        or (rule_name if isinstance(rule_name, str) else "")
        or f"Metric alert {alert_id}"
    )
    resolved = action == "resolved"
    occurred = parse_time(
        alert.get("date_started"), "data.metric_alert.date_started"
    ) or parse_time(alert.get("date_detected"), "data.metric_alert.date_detected")
    return NormalizedAlert(
        source="sentry",
        dedup_key=bounded_key(f"metric_alert:{alert_id}"),
        external_id=alert_id,
        title=clip(title, 300),
        description=get_str(data, "description_text", "data"),
        severity={"critical": "critical", "warning": "warning"}.get(action, "unknown"),
        status=RESOLVED if resolved else FIRING,
        occurred_at=occurred or received_at,
        ended_at=received_at if resolved else None,
        labels={"sentry_resource": "metric_alert", "action": action},
        link=get_str(data, "web_url", "data"),
        group_key=f"metric_alert:{alert_id}",
        raw=body,
    )
