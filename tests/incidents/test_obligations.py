"""Legal clocks on incidents: planning, exact deadlines, meeting, waiving, rule versions."""

from datetime import timedelta

import pytest
import time_machine

from incidents.models import Obligation, RuleVersion
from incidents.services.incidents import incident_create, incident_update
from incidents.services.obligations import obligation_meet
from incidents.services.rule_versions import rules_current
from tests.conftest import EVIDENCE, utc

AWARE = utc(2026, 5, 4, 9, 30)


def obligations(api, incident_id, role="viewer"):
    response = api[role].get(f"/api/v1/incidents/{incident_id}/obligations/")
    assert response.status_code == 200
    return {row["rule_code"]: row for row in response.json()}


@pytest.fixture
def essential_org(org):
    org.sectors = ["nis2_essential"]
    org.save()
    return org


@pytest.mark.django_db
def test_german_and_californian_breach_gets_every_applicable_clock(api, dpo, essential_org):
    with time_machine.travel(AWARE + timedelta(hours=2), tick=False):
        created = (
            api["dpo"]
            .post(
                "/api/v1/incidents/",
                {
                    "title": "Customer database exfiltrated",
                    "detected_at": "2026-05-04T08:00:00Z",
                    "aware_at": "2026-05-04T09:30:00Z",
                    "countries": ["DE", "US-CA"],
                    "residents": {"DE": 5000, "US-CA": 800},
                    "subjects_count": 5800,
                },
                format="json",
            )
            .json()
        )
        rows = obligations(api, created["id"])
    gdpr = rows["eu-gdpr-33-1-sa"]
    assert gdpr["status"] == "pending"
    assert gdpr["due_at"] == "2026-05-07T09:30:00Z"
    assert gdpr["seconds_remaining"] == 70 * 3600
    assert gdpr["citation"].startswith("GDPR Art. 33")
    assert rows["eu-gdpr-34-individuals"]["deadline_kind"] == "standard"
    assert rows["us-ca-1798-82-individuals"]["due_at"] == "2026-06-03T08:00:00Z"  # discovery
    assert rows["us-ca-1798-82-ag"]["status"] == "awaiting_trigger"
    assert rows["eu-nis2-23-4a-early-warning"]["due_at"] == "2026-05-05T09:30:00Z"
    assert rows["eu-nis2-23-4b-incident-notification"]["due_at"] == "2026-05-07T09:30:00Z"
    assert rows["eu-nis2-23-4d-final"]["status"] == "awaiting_trigger"
    for row in rows.values():
        assert row["citation"]
        assert row["regime"]
        assert row["rule_version"] >= 1


@pytest.mark.django_db
def test_no_obligations_before_awareness(api, dpo, org):
    incident = incident_create(actor=dpo, data={"title": "Alert", "countries": ["DE"]})
    assert obligations(api, incident.pk) == {}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "aware",
    [
        utc(2026, 3, 28, 23, 30),  # EU clocks go forward on 29 March 01:00 UTC
        utc(2026, 10, 24, 23, 30),  # and back on 25 October 01:00 UTC
        utc(2028, 2, 27, 12, 0),  # across a leap day
        utc(2026, 12, 30, 18, 0),  # across the year end
    ],
)
def test_authority_clock_is_72_elapsed_hours(aware, dpo, org):
    with time_machine.travel(aware + timedelta(minutes=5), tick=False):
        incident = incident_create(
            actor=dpo, data={"title": "Laptop", "aware_at": aware, "countries": ["FR"]}
        )
    obligation = incident.obligations.get(rule_code="eu-gdpr-33-1-sa")
    assert obligation.due_at == aware + timedelta(hours=72)
    assert obligation.clock_started_at == aware


@pytest.mark.django_db
def test_late_filing_needs_reasons_and_lateness_is_frozen(api, dpo, org):
    with time_machine.travel(AWARE, tick=False):
        incident = incident_create(
            actor=dpo, data={"title": "Late", "aware_at": AWARE, "countries": ["FR"]}
        )
    obligation = incident.obligations.get(rule_code="eu-gdpr-33-1-sa")
    url = f"/api/v1/obligations/{obligation.pk}/meet/"
    with time_machine.travel(AWARE + timedelta(hours=83), tick=False):
        response = api["dpo"].post(url, {"met_at": "2026-05-07T19:30:00Z"}, format="json")
        assert response.status_code == 400
        assert response.json()["errors"]["evidence"] == ["This field is required."]
        response = api["dpo"].post(
            url, {"met_at": "2026-05-07T19:30:00Z", "evidence": EVIDENCE}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["field"] == "delay_reason"
        response = api["dpo"].post(
            url,
            {
                "met_at": "2026-05-07T19:30:00Z",
                "delay_reason": "Forensics confirmed scope only then",
                "evidence": {
                    "channel": "web_form",
                    "recipient": "CNIL",
                    "reference": "CNIL-2026-123",
                },
            },
            format="json",
        )
        assert response.status_code == 200, response.json()
        body = response.json()
    assert body["status"] == "late"
    assert body["late_by_seconds"] == 10 * 3600
    assert body["seconds_remaining"] == -10 * 3600
    with time_machine.travel(AWARE + timedelta(days=30), tick=False):
        frozen = obligations(api, incident.pk)["eu-gdpr-33-1-sa"]
    assert frozen["seconds_remaining"] == -10 * 3600
    assert frozen["overdue"] is False
    with time_machine.travel(AWARE + timedelta(days=30), tick=False):
        again = api["dpo"].post(
            url, {"met_at": "2026-05-07T19:30:00Z", "evidence": EVIDENCE}, format="json"
        )
    assert again.status_code == 409


@pytest.mark.django_db
def test_meeting_the_nis2_notification_starts_the_final_report_clock(dpo, essential_org):
    aware = utc(2026, 1, 28, 10)
    with time_machine.travel(aware, tick=False):
        incident = incident_create(
            actor=dpo, data={"title": "Outage", "aware_at": aware, "countries": ["DE"]}
        )
    notification = incident.obligations.get(rule_code="eu-nis2-23-4b-incident-notification")
    with time_machine.travel(utc(2026, 1, 31, 9), tick=False):
        obligation_meet(
            obligation_id=notification.pk, actor=dpo, met_at=utc(2026, 1, 31, 9), evidence=EVIDENCE
        )
    final = incident.obligations.get(rule_code="eu-nis2-23-4d-final")
    assert final.status == "pending"
    assert final.due_at == utc(2026, 2, 28, 9)  # one month from 31 Jan clamps to 28 Feb


@pytest.mark.django_db
def test_correcting_awareness_moves_open_clocks_but_not_met_ones(dpo, essential_org):
    with time_machine.travel(AWARE + timedelta(hours=3), tick=False):
        incident = incident_create(
            actor=dpo, data={"title": "Moved", "aware_at": AWARE, "countries": ["DE"]}
        )
        early = incident.obligations.get(rule_code="eu-nis2-23-4a-early-warning")
        obligation_meet(
            obligation_id=early.pk, actor=dpo, met_at=AWARE + timedelta(hours=2), evidence=EVIDENCE
        )
        incident_update(
            incident_id=incident.pk,
            actor=dpo,
            changes={"aware_at": AWARE - timedelta(hours=6)},
            aware_at_reason="SIEM shows confirmation at 03:30",
        )
    gdpr = incident.obligations.get(rule_code="eu-gdpr-33-1-sa")
    assert gdpr.due_at == AWARE - timedelta(hours=6) + timedelta(hours=72)
    early.refresh_from_db()
    assert early.status == "met"
    assert early.clock_started_at == AWARE
    kinds = list(incident.events.values_list("kind", flat=True))
    assert "awareness_corrected" in kinds
    assert "obligations_planned" in kinds


@pytest.mark.django_db
def test_a_rule_change_never_rewrites_existing_obligations(dpo, org):
    with time_machine.travel(AWARE, tick=False):
        old = incident_create(
            actor=dpo, data={"title": "Old", "aware_at": AWARE, "countries": ["FR"]}
        )
        current = rules_current()["eu-gdpr-33-1-sa"]
        content = {**current.content, "deadline": {**current.content["deadline"], "hours": 96}}
        RuleVersion.objects.create(
            code=current.code,
            version=current.version + 1,
            content=content,
            content_hash="changed",
            loaded_at=AWARE,
        )
        new = incident_create(
            actor=dpo, data={"title": "New", "aware_at": AWARE, "countries": ["FR"]}
        )
        incident_update(incident_id=old.pk, actor=dpo, changes={"countries": ["FR", "BE"]})
    old_obligation = old.obligations.get(rule_code="eu-gdpr-33-1-sa")
    new_obligation = new.obligations.get(rule_code="eu-gdpr-33-1-sa")
    assert old_obligation.rule.version == current.version
    assert old_obligation.due_at == AWARE + timedelta(hours=72)
    assert new_obligation.rule.version == current.version + 1
    assert new_obligation.due_at == AWARE + timedelta(hours=96)


@pytest.mark.django_db
def test_waiver_needs_justification(api, dpo, org):
    with time_machine.travel(AWARE, tick=False):
        incident = incident_create(
            actor=dpo, data={"title": "W", "aware_at": AWARE, "countries": ["FR"]}
        )
    obligation = incident.obligations.get(rule_code="eu-gdpr-34-individuals")
    url = f"/api/v1/obligations/{obligation.pk}/waive/"
    assert api["dpo"].post(url, {"justification": ""}, format="json").status_code == 400
    response = api["dpo"].post(url, {"justification": "Art. 34(3)(a): encrypted"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "waived"
    assert Obligation.objects.get(pk=obligation.pk).waived_by == dpo


@pytest.mark.django_db
def test_upcoming_lists_most_urgent_first_across_incidents(api, dpo, essential_org):
    with time_machine.travel(AWARE, tick=False):
        incident_create(actor=dpo, data={"title": "A", "aware_at": AWARE, "countries": ["DE"]})
        incident_create(
            actor=dpo,
            data={"title": "B", "aware_at": AWARE - timedelta(hours=20), "countries": ["DE"]},
        )
        rows = api["viewer"].get("/api/v1/obligations/upcoming/?hours=30").json()
    due = [row["due_at"] for row in rows]
    assert due == sorted(due)
    assert rows[0]["incident"]["title"] == "B"
    assert rows[0]["rule_code"] == "eu-nis2-23-4a-early-warning"
    assert all(row["seconds_remaining"] <= 30 * 3600 for row in rows if row["due_at"])
    assert api["viewer"].get("/api/v1/obligations/upcoming/?hours=-1").status_code == 400
