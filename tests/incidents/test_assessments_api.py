"""Risk assessments through the API: versions, overrides, staleness, obligations."""

import pytest

from incidents.models import AuditEntry

FACTS = {
    "title": "Patient files exfiltrated",
    "aware_at": "2026-03-02T10:00:00Z",
    "countries": ["DE"],
    "breach_types": ["confidentiality"],
    "cause": "malicious_external",
    "data_categories": ["identity", "health"],
    "subject_categories": ["patients"],
    "subjects_count": 2500,
    "identifiability": "direct",
    "exposure": "exfiltrated",
    "data_protection": "none",
    "integrity_impact": "none",
    "availability_impact": "none",
    "sensitive_context": True,
    "contact_effort": "individual_contact_possible",
}


@pytest.fixture
def incident(api, org):
    response = api["analyst"].post("/api/v1/incidents/", FACTS, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.mark.django_db
def test_assessment_is_computed_stored_and_explained(api, incident):
    url = f"/api/v1/incidents/{incident['id']}/assessments/"
    response = api["analyst"].post(url)
    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 1
    assert body["risk_level"] == "high"
    assert body["notify_authority"] is True
    assert body["communicate_subjects"] is True
    assert body["communication_mode"] == "individual"
    assert set(body["severity"]) == {"dpc", "ei", "cb", "score", "band"}
    assert body["rationale"]
    assert all(line["reference"] for line in body["rationale"])
    assert body["method_version"]
    assert api["analyst"].post(url).json()["version"] == 2
    listed = api["viewer"].get(url).json()
    assert [row["version"] for row in listed] == [2, 1]
    current = api["viewer"].get(f"/api/v1/incidents/{incident['id']}/").json()
    assert current["assessment"]["version"] == 2
    assert current["assessment_stale"] is False


@pytest.mark.django_db
def test_changed_facts_make_the_assessment_stale(api, incident):
    api["analyst"].post(f"/api/v1/incidents/{incident['id']}/assessments/")
    api["analyst"].patch(
        f"/api/v1/incidents/{incident['id']}/",
        {"data_protection": "encrypted_key_safe"},
        format="json",
    )
    detail = api["viewer"].get(f"/api/v1/incidents/{incident['id']}/").json()
    assert detail["assessment_stale"] is True


@pytest.mark.django_db
def test_override_needs_justification_and_is_shown_beside_the_computed_result(api, incident):
    base = f"/api/v1/incidents/{incident['id']}/assessments/"
    override = base + "override/"
    assert (
        api["dpo"]
        .post(override, {"risk_level": "risk", "justification": "x"}, format="json")
        .status_code
        == 409
    )  # nothing computed yet
    api["analyst"].post(base)
    response = api["dpo"].post(override, {"risk_level": "risk", "justification": ""}, format="json")
    assert response.status_code == 400
    assert "justification" in response.json()["errors"]
    response = api["dpo"].post(
        override,
        {"risk_level": "risk", "justification": "Recipient is a hospital bound by secrecy"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "override"
    assert body["risk_level"] == "risk"
    assert body["communicate_subjects"] is False
    assert body["computed_outcome"]["risk_level"] == "high"
    assert body["based_on"] == 1
    assert AuditEntry.objects.filter(action="incident.assessment_overridden").count() == 1
    obligations = {
        row["rule_code"]: row
        for row in api["viewer"].get(f"/api/v1/incidents/{incident['id']}/obligations/").json()
    }
    assert obligations["eu-gdpr-34-individuals"]["status"] == "not_required"
    assert obligations["eu-gdpr-33-1-sa"]["status"] == "pending"


@pytest.mark.django_db
def test_unlikely_risk_makes_the_authority_notice_not_required(api, org):
    created = (
        api["analyst"]
        .post(
            "/api/v1/incidents/",
            {
                **FACTS,
                "data_protection": "encrypted_key_safe",
                "exposure": "unknown_recipients",
                "cause": "malicious_external",
                "data_categories": ["identity", "contact"],
                "subject_categories": ["customers"],
                "sensitive_context": False,
                "backup_available": True,
            },
            format="json",
        )
        .json()
    )
    assessment = api["analyst"].post(f"/api/v1/incidents/{created['id']}/assessments/").json()
    assert assessment["risk_level"] == "unlikely"
    assert "art34_3_a" in assessment["exemptions"]
    rows = {
        row["rule_code"]: row
        for row in api["viewer"].get(f"/api/v1/incidents/{created['id']}/obligations/").json()
    }
    assert rows["eu-gdpr-33-1-sa"]["status"] == "not_required"
    assert "unlikely" in rows["eu-gdpr-33-1-sa"]["status_reason"]
