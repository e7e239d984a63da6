"""Pure adapter tests: native payloads in, normalised alerts out. No database."""

import copy
import json
from datetime import UTC, datetime

import pytest

from incidents.intake.adapters import ADAPTERS, SOURCES, PayloadError, normalize
from incidents.intake.adapters.base import MAX_KEY_LENGTH, severity_of
from incidents.intake.adapters.body import parse_json
from tests.intake.conftest import fixture_json

RECEIVED = datetime(2026, 11, 20, 11, 30, tzinfo=UTC)


def parse(source, payload, **headers):
    return normalize(source, payload, received_at=RECEIVED, headers=headers)


def error_of(source, payload, **headers) -> str:
    with pytest.raises(PayloadError) as info:
        parse(source, payload, **headers)
    return str(info.value)


def test_every_source_has_an_adapter_and_a_model_choice():
    from incidents.intake.models import AlertSource

    assert tuple(AlertSource.values) == SOURCES == tuple(ADAPTERS)


# -- Alertmanager -------------------------------------------------------------------------


def test_alertmanager_batch_is_split_into_one_alert_per_entry():
    first, second = parse("alertmanager", fixture_json("alertmanager_firing"))
    assert first.source == "alertmanager"
    assert first.dedup_key == "a3f1c9d2e4b5a6c7@2026-11-20T09:14:05.123000Z"
    assert first.external_id == "a3f1c9d2e4b5a6c7"
    assert first.title == "Outbound traffic from customers DB is 40x baseline"
    assert first.severity == "critical"
    assert first.status == "firing"
    assert first.occurred_at == datetime(2026, 11, 20, 9, 14, 5, 123000, tzinfo=UTC)
    assert first.ended_at is None  # Go's zero time means "not ended"
    assert first.labels["instance"] == "db-customers-01:9100"
    assert first.link.startswith("http://prometheus.internal:9090/graph")
    assert first.group_key == '{}/{team="security"}:{alertname="PossibleDataExfiltration"}'
    assert "81 MB/s" in first.description
    assert second.dedup_key.startswith("b81e07c4d2a9f350@")
    assert second.group_key == first.group_key


def test_alertmanager_raw_payload_keeps_the_envelope_and_only_its_own_alert():
    payload = fixture_json("alertmanager_firing")
    first, second = parse("alertmanager", payload)
    assert first.raw["alerts"] == [payload["alerts"][0]]
    assert second.raw["alerts"] == [payload["alerts"][1]]
    assert first.raw["groupKey"] == payload["groupKey"]
    assert first.raw["receiver"] == "breach-tracker"


def test_alertmanager_resolved_alert_carries_its_end_time():
    resolved, still_firing = parse("alertmanager", fixture_json("alertmanager_resolved"))
    assert resolved.status == "resolved"
    assert resolved.ended_at == datetime(2026, 11, 20, 9, 41, 5, 123000, tzinfo=UTC)
    assert still_firing.status == "firing"
    # Same fingerprint and startsAt as when it fired: the same alert.
    assert (
        resolved.dedup_key
        == parse("alertmanager", fixture_json("alertmanager_firing"))[0].dedup_key
    )


def test_alertmanager_new_episode_of_same_label_set_is_a_new_alert():
    payload = fixture_json("alertmanager_firing")
    later = copy.deepcopy(payload)
    later["alerts"][0]["startsAt"] = "2026-11-21T02:00:00Z"
    assert parse("alertmanager", payload)[0].dedup_key != parse("alertmanager", later)[0].dedup_key


def test_alertmanager_without_fingerprint_hashes_the_label_set():
    payload = fixture_json("alertmanager_firing")
    del payload["alerts"][0]["fingerprint"]
    alert = parse("alertmanager", payload)[0]
    again = parse("alertmanager", payload)[0]
    assert alert.dedup_key == again.dedup_key
    assert len(alert.external_id) == 16


def test_alertmanager_nanosecond_timestamps_and_offsets():
    payload = fixture_json("alertmanager_firing")
    payload["alerts"][0]["startsAt"] = "2026-11-20T10:14:05.123456789+01:00"
    assert parse("alertmanager", payload)[0].occurred_at == datetime(
        2026, 11, 20, 9, 14, 5, 123456, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p.pop("alerts"), "alerts: required"),
        (lambda p: p.update(alerts=[]), "alerts: must not be empty"),
        (lambda p: p.update(alerts={}), "alerts: must be a JSON array, not an object"),
        (lambda p: p["alerts"][0].pop("labels"), "alerts[0].labels: required"),
        (lambda p: p["alerts"][1].update(labels={}), "alerts[1].labels: must contain at least one"),
        (
            lambda p: p["alerts"][0]["labels"].update(severity=3),
            "alerts[0].labels.severity: must be a string, not a number",
        ),
        (lambda p: p["alerts"][0].pop("status"), "alerts[0].status: required"),
        (
            lambda p: p["alerts"][0].update(status="pending"),
            "alerts[0].status: must be 'firing' or 'resolved'",
        ),
        (lambda p: p["alerts"][0].pop("startsAt"), "alerts[0].startsAt: required"),
        (
            lambda p: p["alerts"][0].update(startsAt="yesterday"),
            "alerts[0].startsAt: not an RFC 3339 timestamp",
        ),
        (
            lambda p: p["alerts"][0].update(startsAt="2026-11-20T09:14:05"),
            "alerts[0].startsAt: timestamp must include a UTC offset",
        ),
        (lambda p: p.update(version="3"), "version: must be '4'"),
        (
            lambda p: p["alerts"].__setitem__(0, "x"),
            "alerts[0]: must be a JSON object, not a string",
        ),
    ],
)
def test_alertmanager_shape_errors_name_the_field(mutate, message):
    payload = fixture_json("alertmanager_firing")
    mutate(payload)
    assert error_of("alertmanager", payload).startswith(message)


def test_alertmanager_body_must_be_an_object():
    assert error_of("alertmanager", [1, 2]) == "body: must be a JSON object, not an array"


# -- Grafana ------------------------------------------------------------------------------


def test_grafana_alert_maps_panel_link_and_labels():
    (alert,) = parse("grafana", fixture_json("grafana_firing"))
    assert alert.source == "grafana"
    assert alert.dedup_key == "5be0c1f2a9d8e7f6@2026-11-20T09:20:00Z"
    assert alert.title == "12,400 customer records exported by one session in 5 min"
    assert alert.severity == "warning"
    assert alert.link == "https://grafana.internal/d/crm-audit?viewPanel=4"
    assert alert.group_key == '{}/{}:{alertname="Mass record export"}'
    assert alert.labels["data_categories"] == "identity,contact"


def test_grafana_resolved():
    (alert,) = parse("grafana", fixture_json("grafana_resolved"))
    assert alert.status == "resolved"
    assert alert.ended_at == datetime(2026, 11, 20, 9, 35, tzinfo=UTC)


def test_grafana_legacy_alert_is_refused_with_a_hint():
    legacy = {
        "evalMatches": [],
        "ruleId": 0,
        "ruleName": "Test",
        "state": "alerting",
        "title": "[Alerting] Test",
    }
    assert "legacy Grafana alert" in error_of("grafana", legacy)


# -- PagerDuty ----------------------------------------------------------------------------


def test_pagerduty_trigger():
    (alert,) = parse("pagerduty", fixture_json("pagerduty_trigger"))
    assert alert.dedup_key == "crm-export-anomaly/fileserver-07"
    assert alert.title == "Unusual bulk export of customer records from CRM"
    assert alert.severity == "critical"
    assert alert.status == "firing"
    assert alert.occurred_at == datetime(2026, 11, 20, 9, 58, tzinfo=UTC)
    assert alert.labels["component"] == "export-service"
    assert alert.labels["personal_data"] == "true"  # custom_details scalars become labels
    assert alert.link == "https://grafana.internal/d/crm"
    assert alert.group_key == "crm"


def test_pagerduty_resolve_needs_only_the_key():
    (alert,) = parse("pagerduty", fixture_json("pagerduty_resolve"))
    assert alert.status == "resolved"
    assert alert.dedup_key == "crm-export-anomaly/fileserver-07"


def test_pagerduty_trigger_without_dedup_key_derives_a_stable_one():
    payload = fixture_json("pagerduty_trigger")
    del payload["dedup_key"]
    first = parse("pagerduty", payload)[0]
    payload["payload"]["timestamp"] = "2026-11-20T09:59:00Z"  # a retry a minute later
    assert first.dedup_key.startswith("auto:")
    assert parse("pagerduty", payload)[0].dedup_key == first.dedup_key


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p.pop("event_action"), "event_action: required"),
        (lambda p: p.update(event_action="escalate"), "event_action: must be one of"),
        (lambda p: p.pop("payload"), "payload: required"),
        (lambda p: p["payload"].pop("summary"), "payload.summary: required"),
        (lambda p: p["payload"].pop("source"), "payload.source: required"),
        (lambda p: p["payload"].update(severity="high"), "payload.severity: must be one of"),
        (lambda p: p.update(dedup_key="k" * 256), "dedup_key: must be at most 255"),
        (
            lambda p: p["payload"].update(timestamp="20/11/2026"),
            "payload.timestamp: not an RFC 3339",
        ),
    ],
)
def test_pagerduty_shape_errors(mutate, message):
    payload = fixture_json("pagerduty_trigger")
    mutate(payload)
    assert error_of("pagerduty", payload).startswith(message)


def test_pagerduty_resolve_without_key_is_refused():
    assert error_of("pagerduty", {"event_action": "resolve"}) == "dedup_key: required for resolve"


# -- Sentry -------------------------------------------------------------------------------


def test_sentry_issue_alert_dedups_on_event_and_groups_on_issue():
    (alert,) = parse(
        "sentry", fixture_json("sentry_event_alert"), **{"sentry-hook-resource": "event_alert"}
    )
    assert alert.dedup_key == "event:3f6c1b8e9d2a4c7f8e1b2a3c4d5e6f70"
    assert alert.group_key == "issue:5512093341"
    assert alert.title == "DataLeakWarning: unmasked email written to access log"
    assert alert.severity == "error"
    assert alert.occurred_at == datetime(2026, 11, 20, 9, 31, 12, 4000, tzinfo=UTC)
    assert alert.labels["environment"] == "production"
    assert alert.labels["triggered_rule"] == "PII leak in logs"
    assert alert.link.endswith("/events/3f6c1b8e9d2a4c7f8e1b2a3c4d5e6f70/")


def test_sentry_resource_is_inferred_without_the_header():
    (alert,) = parse("sentry", fixture_json("sentry_event_alert"))
    assert alert.dedup_key.startswith("event:")


def test_sentry_issue_resolved():
    (alert,) = parse(
        "sentry", fixture_json("sentry_issue_resolved"), **{"sentry-hook-resource": "issue"}
    )
    assert alert.status == "resolved"
    assert alert.dedup_key == "issue:5512093341"
    assert alert.labels["project"] == "crm-api"


def test_sentry_metric_alert():
    (alert,) = parse("sentry", fixture_json("sentry_metric_alert"))
    assert alert.dedup_key == "metric_alert:81233"
    assert alert.severity == "critical"
    assert alert.title == "Critical: Export endpoint 403 rate"
    assert alert.occurred_at == datetime(2026, 11, 20, 9, 45, tzinfo=UTC)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"action": "triggered"}, "data: required"),
        ({"data": {"event": {}}}, "action: required"),
        (
            {"action": "triggered", "data": {"event": {"title": "x"}}},
            "data.event.event_id: required",
        ),
        ({"action": "created", "data": {"installation": {}}}, "data: expected data.event"),
        (
            {"action": "triggered", "data": {"event": {"event_id": "e", "tags": "env=prod"}}},
            "data.event.tags: must be an array",
        ),
    ],
)
def test_sentry_shape_errors(payload, message):
    assert error_of("sentry", payload).startswith(message)


def test_sentry_installation_hook_is_not_an_alert():
    message = error_of(
        "sentry",
        {"action": "created", "data": {"installation": {}}},
        **{"sentry-hook-resource": "installation"},
    )
    assert "resource 'installation' is not an alert" in message


# -- CloudEvents --------------------------------------------------------------------------


def test_cloudevent_triggered():
    (alert,) = parse("cloudevents", fixture_json("cloudevents_triggered"))
    assert alert.dedup_key == "/monitoring/siem/eu-west-1#dlp/upload/jdoe"
    assert alert.external_id == "evt-01JD4Q8Z6G7M2N3P4R5S6T7V8W"
    assert alert.title == "8.4 GB uploaded to external share"
    assert alert.severity == "critical"  # severitytext extension
    assert alert.status == "firing"
    assert alert.labels["countries"] == "DE"
    assert alert.labels["severitytext"] == "critical"
    assert alert.link == "https://siem.internal/cases/dlp-17-jdoe"


def test_cloudevent_resolved_by_type_matches_the_triggered_alert():
    (resolved,) = parse("cloudevents", fixture_json("cloudevents_resolved"))
    (fired,) = parse("cloudevents", fixture_json("cloudevents_triggered"))
    assert resolved.status == "resolved"
    assert resolved.dedup_key == fired.dedup_key


def test_cloudevents_batch_mode():
    alerts = parse("cloudevents", fixture_json("cloudevents_batch"))
    assert [a.external_id for a in alerts] == ["evt-batch-1", "evt-batch-2"]
    assert alerts[1].group_key == "auth/bruteforce"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda e: e.pop("specversion"), "specversion: required"),
        (lambda e: e.update(specversion="0.3"), "specversion: must be '1.0'"),
        (lambda e: e.pop("id"), "id: required"),
        (lambda e: e.update(source=""), "source: required"),
        (lambda e: e.pop("type"), "type: required"),
        (lambda e: e.update(time="now"), "time: not an RFC 3339"),
        (lambda e: e.update(data_base64="aGk="), "data_base64: must not be present together"),
        (lambda e: e.update(Bad_Name="x"), "Bad_Name: not a CloudEvents attribute"),
        (lambda e: e.update(ext={"a": 1}), "ext: extension attributes must be"),
    ],
)
def test_cloudevent_shape_errors(mutate, message):
    event = fixture_json("cloudevents_triggered")
    mutate(event)
    assert error_of("cloudevents", event).startswith(message)


def test_cloudevents_batch_errors_name_the_entry():
    batch = fixture_json("cloudevents_batch")
    del batch[1]["id"]
    assert error_of("cloudevents", batch) == "[1].id: required"


def binary_mode(event: dict) -> tuple[object, dict[str, str]]:
    """The HTTP binding's binary mode of a structured event: (body data, ce-* headers)."""
    headers = {"content-type": event.pop("datacontenttype", "application/json")}
    data = event.pop("data")
    headers.update({f"ce-{name}": str(value) for name, value in event.items()})
    return data, headers


def test_cloudevent_binary_mode_reads_the_same_alert_as_structured_mode():
    event = fixture_json("cloudevents_triggered")
    (structured,) = parse("cloudevents", copy.deepcopy(event))
    data, headers = binary_mode(event)
    (binary,) = normalize("cloudevents", data, received_at=RECEIVED, headers=headers)
    assert binary.dedup_key == structured.dedup_key
    assert (binary.title, binary.severity, binary.status) == (
        structured.title,
        structured.severity,
        structured.status,
    )
    assert binary.labels == structured.labels
    assert binary.occurred_at == structured.occurred_at
    assert binary.raw["data"] == data
    assert binary.raw["datacontenttype"] == "application/json"


def test_cloudevent_binary_mode_decodes_percent_encoded_headers():
    data, headers = binary_mode(fixture_json("cloudevents_triggered"))
    headers["ce-subject"] = "dlp/upload/j%C3%BCrgen%20doe"
    (alert,) = normalize("cloudevents", data, received_at=RECEIVED, headers=headers)
    assert alert.labels["ce_subject"] == "dlp/upload/jürgen doe"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda h, d: h.pop("ce-id"), "ce-id: required"),
        (lambda h, d: h.update({"ce-specversion": "0.3"}), "ce-specversion: must be '1.0'"),
        (lambda h, d: h.update({"ce-time": "yesterday"}), "ce-time: not an RFC 3339"),
        (lambda h, d: h.update({"ce-data": "x"}), "ce-data: binary mode carries the data"),
        (lambda h, d: h.update({"ce-Bad_Name": "x"}), "ce-bad_name: not a CloudEvents attr"),
    ],
)
def test_cloudevent_binary_mode_errors_name_the_header(mutate, message):
    data, headers = binary_mode(fixture_json("cloudevents_triggered"))
    mutate(headers, data)
    with pytest.raises(PayloadError) as info:
        normalize("cloudevents", data, received_at=RECEIVED, headers=headers)
    assert str(info.value).startswith(message)


# -- generic ------------------------------------------------------------------------------


def test_generic_alert():
    (alert,) = parse("generic", fixture_json("generic"))
    assert alert.dedup_key == "s3-public/acme-backups-eu"
    assert alert.occurred_at == datetime(2026, 11, 20, 7, 55, tzinfo=UTC)
    assert alert.severity == "critical"


def test_generic_minimal_alert_defaults():
    (alert,) = parse("generic", {"title": "Laptop reported stolen"})
    assert alert.status == "firing"
    assert alert.severity == "unknown"
    assert alert.occurred_at == RECEIVED
    assert alert.dedup_key.startswith("auto:")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "title: required"),
        ({"title": 5}, "title: must be a string, not a number"),
        ({"title": "x", "severity": "sev0"}, "severity: must be one of"),
        ({"title": "x", "status": "open"}, "status: must be 'firing' or 'resolved'"),
        (
            {"title": "x", "occurred_at": "2026-11-20T08:55:00"},
            "occurred_at: timestamp must include",
        ),
        ({"title": "x", "labels": ["a"]}, "labels: must be a JSON object"),
        ({"title": "x", "labels": {"a": None}}, "labels.a: must be a string, not null"),
        ({"title": "x", "colour": "red"}, "colour: unknown field"),
    ],
)
def test_generic_shape_errors(payload, message):
    assert error_of("generic", payload).startswith(message)


# -- shared -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("critical", "critical"),
        ("P1", "critical"),
        ("page", "critical"),
        ("high", "error"),
        ("Warning", "warning"),
        ("info", "info"),
        ("low", "info"),
        ("banana", "unknown"),
        (None, "unknown"),
        (3, "unknown"),
    ],
)
def test_severity_aliases(word, expected):
    assert severity_of(word) == expected


def test_keys_longer_than_the_column_are_digested():
    event = fixture_json("cloudevents_triggered")
    event["subject"] = "s" * 900
    (alert,) = parse("cloudevents", event)
    assert alert.dedup_key.startswith("sha256:")
    assert len(alert.dedup_key) <= MAX_KEY_LENGTH


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "body: is empty"),
        (b"   ", "body: is empty"),
        (b"{", "body: is not valid JSON"),
        (b"\xff\xfe{}", "body: is not UTF-8"),
        (b'{"a": NaN}', "body: is not acceptable JSON: NaN"),
        (b'{"a": 1e999}', "body: is not acceptable JSON: number 1e999 is out of range"),
        (b'{"a": "\\u0000"}', "body.a: contains a NUL character"),
        (b'{"a": ["\\ud800"]}', "body.a[0]: contains an unpaired surrogate"),
        (b'{"\\u0000": 1}', "body: a member name contains a NUL"),
        (b"[" * 100 + b"]" * 100, "body: is nested more than 64 levels deep"),
        (b"[" * 100_000, "body: is nested more than 64 levels deep"),
    ],
)
def test_parse_json_refuses_unstorable_bodies(body, message):
    with pytest.raises(PayloadError) as info:
        parse_json(body)
    assert str(info.value).startswith(message)


def test_parse_json_accepts_a_byte_order_mark():
    assert parse_json(b"\xef\xbb\xbf" + json.dumps({"a": 1}).encode()) == {"a": 1}
