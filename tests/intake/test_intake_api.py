"""POST /api/v1/alerts/{source}/ end to end: real payloads of every tool, through HTTP."""

import hashlib
import hmac
import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_q.models import Schedule
from django_q.tasks import async_task, result

from breachdesk.timeutils import iso
from incidents.intake.ingest import PAGE_TASK
from incidents.intake.models import Alert, AlertPayload, IdempotencyRecord, Integration
from incidents.intake.selectors import alert_get
from incidents.intake.signatures import sign
from incidents.models import Incident
from incidents.models.incident import EventKind
from incidents.services.lifecycle import incident_transition
from tests.intake.conftest import NOW, fixture_bytes, fixture_json

pytestmark = pytest.mark.django_db

# (source, fixture, alerts in the payload)
FIXTURES = [
    ("alertmanager", "alertmanager_firing", 2),
    ("grafana", "grafana_firing", 1),
    ("pagerduty", "pagerduty_trigger", 1),
    ("sentry", "sentry_event_alert", 1),
    ("sentry", "sentry_metric_alert", 1),
    ("cloudevents", "cloudevents_triggered", 1),
    ("cloudevents", "cloudevents_batch", 2),
    ("generic", "generic", 1),
]


def items(response) -> list[dict]:
    body = response.json()
    return body.get("alerts", [body])


@pytest.mark.parametrize(("source", "fixture", "count"), FIXTURES, ids=[f[1] for f in FIXTURES])
def test_native_payload_creates_then_deduplicates(
    source, fixture, count, make_integration, post, frozen
):
    issued = make_integration(source)
    first = post(source, fixture_bytes(fixture), token=issued.token)
    assert first.status_code == 202, first.content
    created = items(first)
    assert len(created) == count
    assert all(not a["deduplicated"] and a["occurrences"] == 1 for a in created)
    assert all(a["incident"] is not None for a in created)

    second = post(source, fixture_bytes(fixture), token=issued.token)
    assert second.status_code == 202
    repeated = items(second)
    assert [a["alert"] for a in repeated] == [a["alert"] for a in created]
    assert all(a["deduplicated"] and a["occurrences"] == 2 for a in repeated)
    assert Alert.objects.count() == count
    assert Incident.objects.count() == len({a["incident"] for a in created})
    alert = alert_get(created[0]["alert"])
    assert alert.occurrences == 2
    assert [p["seq"] for p in alert.payloads] == [1, 2]
    assert alert.payloads[0]["received_at"] == iso(NOW)
    assert alert.payloads_pruned == 0


def test_alertmanager_group_lifecycle(make_integration, post, frozen):
    issued = make_integration("alertmanager", name="prod-alertmanager")
    response = post("alertmanager", fixture_bytes("alertmanager_firing"), token=issued.token)
    body = response.json()
    assert body["count"] == 2
    first, second = body["alerts"]
    assert first["incident"] == second["incident"]  # one group, one incident
    incident = Incident.objects.get(pk=first["incident"])
    assert body["alerts"][0]["incident_reference"] == incident.reference

    # The incident: triage, from an alert, detected when the alert started, facts from labels.
    assert incident.status == "triage"
    assert incident.source == "alert"
    assert incident.title == "Outbound traffic from customers DB is 40x baseline"
    assert incident.detected_at == fixture_alert_start()
    assert incident.aware_at is None  # an alert is not awareness
    assert incident.proposed_aware_at is None
    assert incident.data_categories == ["contact", "financial"]
    assert incident.countries == ["DE", "FR"]
    assert "personal-data" in incident.tags
    assert "personal data is involved" in incident.summary
    events = list(incident.events.values_list("kind", "actor_label", "payload"))
    assert events[0][:2] == ("created", "integration:prod-alertmanager")
    # The alert that opened it is on the timeline; the grouped one is linked, not logged.
    attached = [e for e in events if e[0] == EventKind.ALERT_ATTACHED]
    assert [(e[2]["reason"], e[2]["alert"]) for e in attached] == [("opened", first["alert"])]
    assert set(incident.alerts.values_list("pk", flat=True)) == {first["alert"], second["alert"]}

    # Alertmanager resends the group: one alert resolved, one still firing.
    frozen.shift(timedelta(minutes=10))
    response = post("alertmanager", fixture_bytes("alertmanager_resolved"), token=issued.token)
    resolved, firing = response.json()["alerts"]
    assert (resolved["alert_status"], resolved["occurrences"]) == ("resolved", 2)
    assert (firing["alert_status"], firing["occurrences"]) == ("firing", 2)
    alert = Alert.objects.get(pk=resolved["alert"])
    assert alert.status == "resolved"
    assert iso(alert.resolved_at) == "2026-11-20T09:41:05.123000Z"  # endsAt from the payload
    incident.refresh_from_db()
    assert incident.status == "triage"  # resolving an alert never closes an incident

    # And resends it again: the resolved alert counts the repeat, no new row.
    response = post("alertmanager", fixture_bytes("alertmanager_resolved"), token=issued.token)
    assert response.json()["alerts"][0] == {**resolved, "occurrences": 3}
    assert Alert.objects.count() == 2
    assert Incident.objects.count() == 1


def fixture_alert_start():
    from datetime import UTC, datetime

    return datetime(2026, 11, 20, 9, 14, 5, 123000, tzinfo=UTC)


def test_pagerduty_reply_mirrors_the_events_api(make_integration, post, frozen):
    issued = make_integration("pagerduty")
    response = post("pagerduty", fixture_bytes("pagerduty_trigger"), token=issued.token)
    body = response.json()
    assert response.status_code == 202
    assert body["status"] == "success"
    assert body["message"] == "Event processed"
    assert body["dedup_key"] == "crm-export-anomaly/fileserver-07"
    incident = Incident.objects.get(pk=body["incident"])
    assert incident.data_categories == ["identity", "contact"]
    assert incident.records_count == 12400

    response = post("pagerduty", fixture_bytes("pagerduty_resolve"), token=issued.token)
    assert response.json()["alert"] == body["alert"]
    assert response.json()["alert_status"] == "resolved"


def test_pagerduty_routing_key_authenticates_when_no_header(make_integration, post, frozen):
    issued = make_integration("pagerduty")
    payload = fixture_json("pagerduty_trigger")
    payload["routing_key"] = issued.token
    assert post("pagerduty", payload).status_code == 202
    payload["routing_key"] = "R0ut1ngKey0000000000000000000001"
    assert post("pagerduty", payload).status_code == 401


def test_sentry_events_of_one_issue_share_an_incident(make_integration, post, frozen):
    issued = make_integration("sentry")
    headers = {"Sentry-Hook-Resource": "event_alert"}
    first = post("sentry", fixture_bytes("sentry_event_alert"), token=issued.token, **headers)
    payload = fixture_json("sentry_event_alert")
    payload["data"]["event"]["event_id"] = "9a9a9a9a9a9a4c7f8e1b2a3c4d5e6f70"
    second = post("sentry", payload, token=issued.token, **headers)
    assert second.json()["alert"] != first.json()["alert"]
    assert second.json()["incident"] == first.json()["incident"]
    resolved = post(
        "sentry",
        fixture_bytes("sentry_issue_resolved"),
        token=issued.token,
        **{"Sentry-Hook-Resource": "issue"},
    )
    assert resolved.status_code == 202
    assert resolved.json()["alert_status"] == "resolved"
    assert resolved.json()["incident"] == first.json()["incident"]  # same issue group
    assert Incident.objects.count() == 1


def test_sentry_may_authenticate_with_a_query_token(make_integration, post, frozen):
    issued = make_integration("sentry")
    response = post("sentry", fixture_bytes("sentry_event_alert"), query=f"?token={issued.token}")
    assert response.status_code == 202


def test_cloudevents_resolved_event_resolves_the_alert(make_integration, post, frozen):
    issued = make_integration("cloudevents")
    fired = post(
        "cloudevents",
        fixture_bytes("cloudevents_triggered"),
        token=issued.token,
        content_type="application/cloudevents+json",
    ).json()["alerts"][0]
    resolved = post(
        "cloudevents",
        fixture_bytes("cloudevents_resolved"),
        token=issued.token,
        content_type="application/cloudevents+json",
    ).json()["alerts"][0]
    assert resolved["alert"] == fired["alert"]
    assert resolved["alert_status"] == "resolved"
    incident = Incident.objects.get(pk=fired["incident"])
    assert incident.data_categories == ["identity", "health"]
    assert incident.status == "triage"


def cloudevent_binary(fixture: str) -> tuple[bytes, dict[str, str]]:
    """A fixture event in the HTTP binding's binary mode: (data as body, ce-* headers)."""
    event = fixture_json(fixture)
    event.pop("datacontenttype", None)
    body = json.dumps(event.pop("data")).encode()
    return body, {f"ce-{name}": str(value) for name, value in event.items()}


def test_cloudevents_binary_mode_end_to_end(make_integration, post, frozen):
    issued = make_integration("cloudevents")
    structured = post(
        "cloudevents",
        fixture_bytes("cloudevents_triggered"),
        token=issued.token,
        content_type="application/cloudevents+json",
    ).json()["alerts"][0]
    body, headers = cloudevent_binary("cloudevents_triggered")
    again = post("cloudevents", body, token=issued.token, **headers)
    assert again.status_code == 202, again.content
    repeat = again.json()["alerts"][0]
    assert (repeat["alert"], repeat["deduplicated"], repeat["occurrences"]) == (
        structured["alert"],
        True,
        2,
    )
    body, headers = cloudevent_binary("cloudevents_resolved")
    resolved = post("cloudevents", body, token=issued.token, **headers).json()["alerts"][0]
    assert resolved["alert_status"] == "resolved"
    kept = alert_get(structured["alert"]).payloads
    assert kept[1]["payload"]["subject"] == "dlp/upload/jdoe"  # attributes from the headers
    assert kept[1]["payload"]["data"] == json.loads(cloudevent_binary("cloudevents_triggered")[0])


def test_cloudevents_binary_mode_errors_name_the_header(make_integration, post, frozen):
    issued = make_integration("cloudevents")
    body, headers = cloudevent_binary("cloudevents_triggered")
    del headers["ce-source"]
    response = post("cloudevents", body, token=issued.token, **headers)
    assert response.status_code == 400
    assert "ce-source" in json.dumps(response.json())
    assert Alert.objects.count() == 0


def test_cloudevents_webhook_validation_handshake(make_integration, post):
    issued = make_integration("cloudevents", rate_limit_per_minute=120)
    client = post.client
    origin = {"WebHook-Request-Origin": "eventgrid.azure.net"}
    answer = client.options(
        "/api/v1/alerts/cloudevents/",
        headers={**origin, "Authorization": f"Bearer {issued.token}"},
    )
    assert answer.status_code == 200
    assert answer["WebHook-Allowed-Origin"] == "eventgrid.azure.net"
    assert answer["WebHook-Allowed-Rate"] == "120"
    assert client.options("/api/v1/alerts/cloudevents/", headers=origin).status_code == 401
    other = make_integration("generic", name="other-tool")
    denied = client.options(
        "/api/v1/alerts/cloudevents/",
        headers={**origin, "Authorization": f"Bearer {other.token}"},
    )
    assert denied.status_code == 403


def test_a_new_episode_after_resolution_is_a_new_alert_on_the_same_incident(
    make_integration, post, frozen
):
    issued = make_integration("pagerduty")
    first = post("pagerduty", fixture_bytes("pagerduty_trigger"), token=issued.token).json()
    post("pagerduty", fixture_bytes("pagerduty_resolve"), token=issued.token)
    frozen.shift(timedelta(minutes=5))
    again = post("pagerduty", fixture_bytes("pagerduty_trigger"), token=issued.token).json()
    assert again["alert"] != first["alert"]
    assert not again["deduplicated"]
    assert again["incident"] == first["incident"]  # same group ("crm") within the window


def test_group_window_and_closed_incidents(make_integration, post, frozen, dpo):
    issued = make_integration("generic", group_window_minutes=30)

    def fire(key):
        return post(
            "generic",
            {"title": f"Alert {key}", "dedup_key": key, "group_key": "g"},
            token=issued.token,
        ).json()

    first = fire("a")
    frozen.shift(timedelta(minutes=20))
    assert fire("b")["incident"] == first["incident"]
    frozen.shift(timedelta(minutes=31))  # both siblings last seen > 30 minutes ago
    third = fire("c")
    assert third["incident"] != first["incident"]
    incident_transition(
        incident_id=third["incident"],
        actor=dpo,
        to="dismissed",
        comment="Test traffic from the staging load balancer",
    )
    fourth = fire("d")  # the group's incident was dismissed: open a new one
    assert fourth["incident"] not in (first["incident"], third["incident"])


def test_group_window_zero_opens_an_incident_per_alert(make_integration, post, frozen):
    issued = make_integration("alertmanager", group_window_minutes=0)
    body = post("alertmanager", fixture_bytes("alertmanager_firing"), token=issued.token).json()
    assert body["alerts"][0]["incident"] != body["alerts"][1]["incident"]


def test_group_by_labels(make_integration, post, frozen):
    issued = make_integration("generic", group_by=["cluster"])

    def fire(key, cluster):
        return post(
            "generic",
            {"title": key, "dedup_key": key, "labels": {"cluster": cluster}},
            token=issued.token,
        ).json()["incident"]

    assert fire("a", "eu-1") == fire("b", "eu-1") != fire("c", "us-1")


def test_resolved_alert_never_seen_firing_opens_no_incident(make_integration, post, frozen):
    issued = make_integration("generic")
    body = post("generic", {"title": "Recovered", "status": "resolved"}, token=issued.token).json()
    assert body["incident"] is None
    assert body["alert_status"] == "resolved"
    assert Incident.objects.count() == 0


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("none", None),
        ("received", NOW),
        ("occurred", fixture_alert_start()),
    ],
)
def test_integration_may_propose_an_awareness_time(mode, expected, make_integration, post, frozen):
    issued = make_integration("alertmanager", propose_awareness=mode)
    body = post("alertmanager", fixture_bytes("alertmanager_firing"), token=issued.token).json()
    incident = Incident.objects.get(pk=body["alerts"][0]["incident"])
    assert incident.proposed_aware_at == expected
    assert incident.aware_at is None


def test_new_incident_pages_on_call_after_commit(
    make_integration, post, frozen, django_capture_on_commit_callbacks
):
    issued = make_integration("alertmanager")
    with django_capture_on_commit_callbacks() as callbacks:
        body = post("alertmanager", fixture_bytes("alertmanager_firing"), token=issued.token)
    pages = [c for c in callbacks if getattr(c, "args", None) == (PAGE_TASK,)]
    assert len(pages) == 1  # two alerts, one incident, one page
    assert pages[0].func.__name__ == "async_task"
    assert pages[0].keywords == {"incident_id": body.json()["alerts"][0]["incident"]}

    with django_capture_on_commit_callbacks() as callbacks:
        post("alertmanager", fixture_bytes("alertmanager_firing"), token=issued.token)
    assert not [c for c in callbacks if getattr(c, "args", None) == (PAGE_TASK,)]


def test_new_incident_is_paged_through_notifications(
    make_integration, post, frozen, org, django_capture_on_commit_callbacks
):
    from notifications.models import OnCallPage

    issued = make_integration("generic")
    with django_capture_on_commit_callbacks(execute=True):
        body = post("generic", fixture_bytes("generic"), token=issued.token).json()
    # Tests run django-q2 tasks inline: the page was claimed for exactly this incident.
    assert list(OnCallPage.objects.values_list("incident_id", flat=True)) == [body["incident"]]
    with django_capture_on_commit_callbacks(execute=True):
        post("generic", fixture_bytes("generic"), token=issued.token)
    assert OnCallPage.objects.count() == 1


@override_settings(BREACHDESK_INTAKE_KEEP_PAYLOADS=3)
def test_raw_payloads_are_kept_bounded(make_integration, post, frozen):
    issued = make_integration("generic")
    shown, stored = [], []
    for number in range(1, 11):
        post(
            "generic",
            {"title": "Disk full", "dedup_key": "disk", "description": str(number)},
            token=issued.token,
        )
        alert = alert_get(Alert.objects.get().pk)
        assert alert.occurrences == number
        shown.append([p["payload"]["description"] for p in alert.payloads])
        stored.append(AlertPayload.objects.filter(alert=alert).count())
        assert alert.payloads_pruned == number - len(alert.payloads)
    # The last three are shown; storage is pruned every third occurrence, so it stays below 6.
    assert shown[-1] == ["8", "9", "10"]
    assert shown[1] == ["1", "2"]
    assert stored == [1, 2, 3, 4, 5, 3, 4, 5, 3, 4]


def test_ignored_fact_labels_are_noted_not_refused(make_integration, post, frozen):
    issued = make_integration("generic")
    response = post(
        "generic",
        {"title": "Odd labels", "labels": {"data_categories": "health,dna", "countries": "ZZ"}},
        token=issued.token,
    )
    assert response.status_code == 202
    incident = Incident.objects.get(pk=response.json()["incident"])
    assert incident.data_categories == ["health"]
    assert incident.countries == []
    assert "dna ignored" in incident.summary


def test_future_alert_time_does_not_put_detection_in_the_future(make_integration, post, frozen):
    issued = make_integration("generic")
    later = iso(NOW + timedelta(minutes=3))  # sender clock skew
    body = post("generic", {"title": "Skewed", "occurred_at": later}, token=issued.token).json()
    assert Incident.objects.get(pk=body["incident"]).detected_at == NOW


# -- authentication, authorisation, limits ---------------------------------------------------


def test_missing_token_is_401_with_challenge(make_integration, post):
    make_integration("generic")
    response = post("generic", {"title": "x"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer bdi_wrong",
        "Basic dXNlcjpwYXNz",
        "Bearer ",
        "Token abc",
    ],
)
def test_wrong_token_is_401(authorization, make_integration, post):
    make_integration("generic")
    response = post("generic", {"title": "x"}, Authorization=authorization)
    assert response.status_code == 401
    assert set(response.json()) >= {"code", "detail"}


def test_disabled_integration_is_401(make_integration, post):
    issued = make_integration("generic")
    Integration.objects.filter(pk=issued.integration.pk).update(is_active=False)
    response = post("generic", {"title": "x"}, token=issued.token)
    assert response.status_code == 401
    assert "disabled" in response.json()["detail"]


def test_token_of_another_source_is_403(make_integration, post):
    issued = make_integration("grafana", name="team-grafana")
    response = post("alertmanager", fixture_bytes("alertmanager_firing"), token=issued.token)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "team-grafana" in response.json()["detail"]
    assert "grafana" in response.json()["detail"]
    assert Alert.objects.count() == 0


def test_unknown_source_is_404(make_integration, post):
    issued = make_integration("generic")
    response = post("zabbix", {"title": "x"}, token=issued.token)
    assert response.status_code == 404
    assert "alertmanager" in response.json()["detail"]


def test_integration_token_can_do_nothing_else(make_integration, post):
    issued = make_integration("generic")
    alert_id = post("generic", {"title": "x"}, token=issued.token).json()["alert"]
    client = post.client
    auth = {"Authorization": f"Bearer {issued.token}"}
    for url in ("/api/v1/alerts/", f"/api/v1/alerts/{alert_id}/", "/api/v1/incidents/"):
        assert client.get(url, headers=auth).status_code == 401, url
    response = client.post(
        f"/api/v1/alerts/{alert_id}/detach/", {}, headers=auth, content_type="application/json"
    )
    assert response.status_code == 401


def test_signed_integration_requires_a_valid_recent_signature(make_integration, post, frozen):
    issued = make_integration("generic", with_signing_secret=True)
    body = json.dumps({"title": "Signed alert"}).encode()
    ts = int(NOW.timestamp())
    unsigned = post("generic", body, token=issued.token)
    assert unsigned.status_code == 401
    assert "requires a signature" in unsigned.json()["detail"]
    good = {
        "X-BreachDesk-Timestamp": str(ts),
        "X-BreachDesk-Signature": sign(issued.signing_secret, ts, body),
    }
    assert post("generic", body, token=issued.token, **good).status_code == 202
    tampered = post("generic", body.replace(b"Signed", b"Forged"), token=issued.token, **good)
    assert tampered.status_code == 401
    old = {
        "X-BreachDesk-Timestamp": str(ts - 600),
        "X-BreachDesk-Signature": sign(issued.signing_secret, ts - 600, body),
    }
    stale = post("generic", body, token=issued.token, **old)
    assert stale.status_code == 401
    assert "5 minutes" in stale.json()["detail"]
    assert Alert.objects.count() == 1


def _sentry_headers(secret: str, body: bytes, ts: int) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "Sentry-Hook-Resource": "event_alert",
        "Sentry-Hook-Timestamp": str(ts),
        "Sentry-Hook-Signature": digest,
    }


def test_a_captured_sentry_request_replayed_with_a_fresh_timestamp_is_refused(
    make_integration, post, frozen
):
    issued = make_integration("sentry", with_signing_secret=True)
    body = fixture_bytes("sentry_event_alert")
    ts = int(NOW.timestamp())
    first = post(
        "sentry", body, token=issued.token, **_sentry_headers(issued.signing_secret, body, ts)
    )
    assert first.status_code == 202, first.content
    frozen.shift(120)
    replay = _sentry_headers(issued.signing_secret, body, ts)
    replay["Sentry-Hook-Timestamp"] = str(ts + 120)  # not signed: an attacker can refresh it
    replayed = post("sentry", body, token=issued.token, **replay)
    assert replayed.status_code == 401
    assert "replay" in replayed.json()["detail"]
    assert Alert.objects.get().occurrences == 1


@pytest.mark.parametrize("source", ["generic", "alertmanager", "pagerduty", "cloudevents"])
def test_the_sentry_scheme_is_refused_on_other_sources(source, make_integration, post, frozen):
    issued = make_integration(source, with_signing_secret=True)
    body = json.dumps({"title": "Signed the Sentry way"}).encode()
    headers = _sentry_headers(issued.signing_secret, body, int(NOW.timestamp()))
    response = post(source, body, token=issued.token, **headers)
    assert response.status_code == 401
    assert "requires a signature" in response.json()["detail"]


def test_body_over_one_megabyte_is_413(make_integration, post):
    issued = make_integration("generic")
    big = b'{"title": "x", "description": "' + b"a" * (1024 * 1024) + b'"}'
    response = post("generic", big, token=issued.token)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    head, tail = b'{"title": "x", "description": "', b'"}'
    at_limit = head + b"a" * (1024 * 1024 - len(head) - len(tail)) + tail
    assert len(at_limit) == 1024 * 1024
    assert post("generic", at_limit, token=issued.token).status_code == 400  # too long a field


def test_bad_json_is_400(make_integration, post):
    issued = make_integration("generic")
    response = post("generic", b'{"title": ', token=issued.token)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"].startswith("body: is not valid JSON")
    assert body["field"] == "body"


def test_format_error_is_400_naming_the_field(make_integration, post):
    issued = make_integration("alertmanager")
    payload = fixture_json("alertmanager_firing")
    del payload["alerts"][0]["labels"]
    response = post("alertmanager", payload, token=issued.token)
    assert response.status_code == 400
    assert response.json()["detail"] == "alerts[0].labels: required"
    assert response.json()["field"] == "alerts[0].labels"
    assert Alert.objects.count() == 0  # a batch is all or nothing


def test_rate_limit_is_429_with_retry_after(make_integration, post, frozen):
    issued = make_integration("generic", rate_limit_per_minute=2)
    for _ in range(2):
        assert post("generic", {"title": "x"}, token=issued.token).status_code == 202
    response = post("generic", {"title": "x"}, token=issued.token)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60
    other = make_integration("generic", name="other-generic")  # limits are per token
    assert post("generic", {"title": "y"}, token=other.token).status_code == 202
    frozen.shift(timedelta(seconds=int(response["Retry-After"])))
    assert post("generic", {"title": "x"}, token=issued.token).status_code == 202


def test_unlimited_integration(make_integration, post, frozen):
    issued = make_integration("generic", rate_limit_per_minute=0)
    for _ in range(5):
        assert post("generic", {"title": "x"}, token=issued.token).status_code == 202


def test_idempotency_key_replays_the_original_reply(make_integration, post, frozen):
    issued = make_integration("generic")
    body = fixture_bytes("generic")
    first = post("generic", body, token=issued.token, **{"Idempotency-Key": "delivery-1"})
    replay = post("generic", body, token=issued.token, **{"Idempotency-Key": "delivery-1"})
    assert replay.status_code == first.status_code == 202
    assert replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"
    assert Alert.objects.get().occurrences == 1  # the replay did not count again

    other = post(
        "generic", {"title": "Another"}, token=issued.token, **{"Idempotency-Key": "delivery-1"}
    )
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"

    too_long = post("generic", body, token=issued.token, **{"Idempotency-Key": "k" * 256})
    assert too_long.status_code == 400
    assert IdempotencyRecord.objects.count() == 1


def test_idempotency_keys_are_per_integration(make_integration, post, frozen):
    one, two = make_integration("generic", name="one"), make_integration("generic", name="two")
    body = fixture_bytes("generic")
    a = post("generic", body, token=one.token, **{"Idempotency-Key": "k"}).json()
    b = post("generic", body, token=two.token, **{"Idempotency-Key": "k"}).json()
    assert a["alert"] != b["alert"]


def test_the_hourly_schedule_forgets_replies_older_than_a_week(make_integration, post, frozen):
    issued = make_integration("generic")
    old = post("generic", {"title": "Old"}, token=issued.token, **{"Idempotency-Key": "old"})
    frozen.shift(timedelta(days=6, hours=23))
    post("generic", {"title": "Recent"}, token=issued.token, **{"Idempotency-Key": "recent"})
    frozen.shift(timedelta(hours=1, seconds=1))
    call_command("ensure_schedules", stdout=io.StringIO())
    schedule = Schedule.objects.get(name="intake-idempotency-prune")
    result(async_task(schedule.func))  # what the worker runs (tasks run inline in tests)
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]
    # Forgotten: the same key is now a new delivery, counted as a repeat of the alert.
    again = post("generic", {"title": "Old"}, token=issued.token, **{"Idempotency-Key": "old"})
    assert again.get("Idempotent-Replayed") is None
    assert again.json()["alert"] == old.json()["alert"]
    assert again.json()["occurrences"] == 2


def test_the_daily_purge_deletes_old_payloads_of_alerts_no_incident_took(
    make_integration, post, api, frozen
):
    issued = make_integration("generic")
    linked = post("generic", {"title": "Exfiltration", "dedup_key": "x"}, token=issued.token)
    noise = post("generic", {"title": "Port scan", "dedup_key": "n"}, token=issued.token)
    api["dpo"].post(f"/api/v1/alerts/{noise.json()['alert']}/detach/", {}, format="json")
    frozen.shift(timedelta(days=89))
    post("generic", {"title": "Port scan", "dedup_key": "n"}, token=issued.token)
    frozen.shift(timedelta(days=1, seconds=1))
    call_command("ensure_schedules", stdout=io.StringIO())
    schedule = Schedule.objects.get(name="intake-payload-purge")
    assert schedule.minutes == 24 * 60
    assert result(async_task(schedule.func)) == 1  # the 90-day-old payload of the noise
    detail = api["viewer"].get(f"/api/v1/alerts/{noise.json()['alert']}/").json()
    assert (detail["occurrences"], len(detail["payloads"]), detail["payloads_pruned"]) == (2, 1, 1)
    kept = api["viewer"].get(f"/api/v1/alerts/{linked.json()['alert']}/").json()
    assert len(kept["payloads"]) == 1  # evidence of an incident stays with it
    with override_settings(BREACHDESK_INTAKE_UNLINKED_PAYLOAD_DAYS=0):
        frozen.shift(timedelta(days=365))
        assert result(async_task(schedule.func)) == 0


def test_failed_requests_are_not_remembered_for_idempotency(make_integration, post, frozen):
    issued = make_integration("generic")
    bad = post("generic", {"title": 1}, token=issued.token, **{"Idempotency-Key": "k"})
    assert bad.status_code == 400
    good = post("generic", {"title": "fixed"}, token=issued.token, **{"Idempotency-Key": "k"})
    assert good.status_code == 202


def test_a_single_alert_payload_is_kept_byte_for_byte(make_integration, post, api, frozen):
    issued = make_integration("generic")
    body = (
        '{ "title":"Caf\\u00e9 DB dump",\n'
        '  "severity" : "critical", "labels": {"b": "2", "a": "1"} }'
    )
    alert_id = post("generic", body, token=issued.token).json()["alert"]
    raw = api["viewer"].get(f"/api/v1/alerts/{alert_id}/payloads/1/")
    assert raw.status_code == 200
    assert raw["Content-Type"].startswith("application/json")
    assert raw.content == body.encode()
    assert api["viewer"].get(f"/api/v1/alerts/{alert_id}/payloads/2/").status_code == 404
    assert api["anonymous"].get(f"/api/v1/alerts/{alert_id}/payloads/1/").status_code == 401
    other = make_integration("generic", name="second-tool")
    # An integration token reads nothing.
    integration = post.client.get(
        f"/api/v1/alerts/{alert_id}/payloads/1/", headers={"Authorization": f"Bearer {other.token}"}
    )
    assert integration.status_code == 401


def test_a_batch_entry_keeps_its_own_part(make_integration, post, api, frozen):
    issued = make_integration("alertmanager")
    created = post("alertmanager", fixture_bytes("alertmanager_firing"), token=issued.token).json()
    first = created["alerts"][0]["alert"]
    raw = json.loads(api["viewer"].get(f"/api/v1/alerts/{first}/payloads/1/").content)
    envelope = fixture_json("alertmanager_firing")
    assert raw["groupKey"] == envelope["groupKey"]
    assert raw["alerts"] == [envelope["alerts"][0]]
