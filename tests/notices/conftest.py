"""An incident with exposed passwords and card numbers of people in Germany, Norway and
California, assessed, with its obligations planned (the issue's done-when scenario)."""

from datetime import timedelta

import pytest
import time_machine

from tests.conftest import utc

AWARE = utc(2026, 11, 20, 9, 30)
NOW = AWARE + timedelta(hours=30)

INCIDENT = {
    "title": "Shop customer database copied",
    "detected_at": "2026-11-20T08:00:00Z",
    "aware_at": "2026-11-20T09:30:00Z",
    "occurred_from": "2026-11-18T22:00:00Z",
    "occurred_to": "2026-11-19T03:00:00Z",
    "countries": ["DE", "NO", "US-CA"],
    "residents": {"DE": 4000, "NO": 1200, "US-CA": 900},
    "subjects_count": 6100,
    "records_count": 6100,
    "breach_types": ["confidentiality"],
    "cause": "malicious_external",
    "data_categories": ["contact", "credentials", "payment_card"],
    "credentials_protection": "weak_hash",
    "subject_categories": ["customers"],
    "identifiability": "direct",
    "exposure": "exfiltrated",
    "data_protection": "none",
    "measures_taken": "We closed the gap in our web shop and reset every customer password.",
    "measures_proposed": "We will add a second log-in step for all customer accounts.",
}


@pytest.fixture
def notice_org(org):
    org.legal_name = "Example Shop GmbH"
    org.languages = ["en", "de"]
    org.save()
    return org


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def incident(api, notice_org, clock):
    response = api["analyst"].post("/api/v1/incidents/", INCIDENT, format="json")
    assert response.status_code == 201, response.content
    incident_id = response.json()["id"]
    assessed = api["analyst"].post(f"/api/v1/incidents/{incident_id}/assessments/")
    assert assessed.status_code == 201, assessed.content
    assert assessed.json()["risk_level"] == "high"
    return incident_id


@pytest.fixture
def drafted(api, incident):
    response = api["analyst"].post(f"/api/v1/incidents/{incident}/notices/", {}, format="json")
    assert response.status_code == 201, response.content
    return response.json()
