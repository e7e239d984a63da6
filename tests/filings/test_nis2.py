"""NIS2 reports in stages: each stage meets its own clock (Art. 23(4)(a), (b))."""

from datetime import timedelta

import pytest
import time_machine

from tests.filings.conftest import AWARE, FACTS, obligation


@pytest.fixture
def essential(api, org):
    org.sectors = ["nis2_essential"]
    org.save()
    with time_machine.travel(AWARE + timedelta(hours=1), tick=False):
        created = api["analyst"].post("/api/v1/incidents/", FACTS, format="json")
        assert created.status_code == 201, created.json()
        incident = created.json()
        api["analyst"].post(f"/api/v1/incidents/{incident['id']}/assessments/")
    return incident


def file(api, incident_id: int, rule: str, phase: str, at: str) -> dict:
    target = obligation(api, incident_id, rule)
    created = api["analyst"].post(
        f"/api/v1/incidents/{incident_id}/filings/",
        {"obligation": target["id"], "phase": phase},
        format="json",
    )
    assert created.status_code == 201, created.json()
    filing = created.json()
    if filing["completeness"]["missing"]:
        fill = dict.fromkeys(
            filing["completeness"]["missing"], "Initial assessment: service degraded."
        )
        api["analyst"].patch(f"/api/v1/filings/{filing['id']}/", {"content": fill}, format="json")
    submitted = api["dpo"].post(
        f"/api/v1/filings/{filing['id']}/submit/",
        {"submitted_at": at, "channel": "portal"},
        format="json",
    )
    assert submitted.status_code == 200, submitted.json()
    return submitted.json()


@pytest.mark.django_db
def test_early_warning_then_notification_meet_their_own_clocks(api, essential):
    incident_id = essential["id"]
    with time_machine.travel(AWARE + timedelta(hours=20), tick=False):
        warning = file(
            api, incident_id, "eu-nis2-23-4a-early-warning", "early_warning", "2026-05-05T04:00:00Z"
        )
        assert warning["regime"] == "nis2"
        assert warning["content"]["malicious_suspected"] is True
        assert warning["met_obligations"] == ["eu-nis2-23-4a-early-warning"]
        assert obligation(api, incident_id, "eu-nis2-23-4b-incident-notification")["status"] == (
            "pending"
        )
    with time_machine.travel(AWARE + timedelta(hours=60), tick=False):
        notification = file(
            api,
            incident_id,
            "eu-nis2-23-4b-incident-notification",
            "notification",
            "2026-05-06T20:00:00Z",
        )
    assert notification["met_obligations"] == ["eu-nis2-23-4b-incident-notification"]
    assert notification["late"] is False
    assert obligation(api, incident_id, "eu-nis2-23-4a-early-warning")["status"] == "met"
