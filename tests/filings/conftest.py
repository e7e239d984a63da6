"""An assessed incident with a running GDPR Art. 33 clock, and helpers for filings."""

from datetime import timedelta

import pytest
import time_machine

from tests.conftest import utc

AWARE = utc(2026, 5, 4, 9, 30)

FACTS = {
    "title": "Customer database exfiltrated",
    "summary": "An attacker used a stolen VPN credential to copy the customer table.",
    "detected_at": "2026-05-04T08:00:00Z",
    "aware_at": "2026-05-04T09:30:00Z",
    "aware_basis": "Forensic report confirmed the copy of the customer table.",
    "occurred_from": "2026-05-03T22:00:00Z",
    "occurred_to": "2026-05-04T01:00:00Z",
    "countries": ["DE", "AT"],
    "residents": {"DE": 4000, "AT": 1800},
    "subjects_count": 5800,
    "records_count": 6100,
    "likely_consequences": "Phishing and identity fraud against the customers.",
    "measures_taken": "VPN credential revoked; all sessions reset; forensic review.",
    "measures_proposed": "Hardware keys for VPN access; customers told to watch for phishing.",
    "breach_types": ["confidentiality"],
    "cause": "malicious_external",
    "data_categories": ["identity", "contact", "financial"],
    "subject_categories": ["customers"],
    "identifiability": "direct",
    "exposure": "exfiltrated",
    "data_protection": "none",
    "integrity_impact": "none",
    "availability_impact": "none",
    "sensitive_context": False,
    "contact_effort": "individual_contact_possible",
}


@pytest.fixture
def assessed(api, org):
    """Incident created and assessed two hours after awareness (the 72 h run until 7 May)."""
    with time_machine.travel(AWARE + timedelta(hours=2), tick=False):
        created = api["analyst"].post("/api/v1/incidents/", FACTS, format="json")
        assert created.status_code == 201, created.json()
        incident = created.json()
        assessed = api["analyst"].post(f"/api/v1/incidents/{incident['id']}/assessments/")
        assert assessed.status_code == 201, assessed.json()
    return incident


def obligation(api, incident_id: int, rule_code: str) -> dict:
    rows = api["viewer"].get(f"/api/v1/incidents/{incident_id}/obligations/").json()
    return next(row for row in rows if row["rule_code"] == rule_code)


def draft(api, incident_id: int, rule_code: str, phase: str, role: str = "analyst") -> dict:
    target = obligation(api, incident_id, rule_code)
    response = api[role].post(
        f"/api/v1/incidents/{incident_id}/filings/",
        {"obligation": target["id"], "phase": phase},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()
