"""How a breach happened (`vector`): recorded through the API, checked against `cause`, kept
out of the risk engine's facts, and listed in the register."""

import json

import pytest

from incidents.models import Incident

URL = "/api/v1/incidents/"


@pytest.mark.django_db
def test_the_vector_is_recorded_returned_and_changed(api, org):
    created = api["analyst"].post(
        URL,
        {"title": "Laptop stolen", "vector": "stolen_device", "cause": "malicious_external"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["vector"] == "stolen_device"
    url = f"{URL}{body['id']}/"
    changed = api["analyst"].patch(url, {"vector": "lost_device", "cause": "unknown"}, "json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["vector"] == "lost_device"
    cleared = api["analyst"].patch(url, {"vector": None}, format="json")
    assert cleared.json()["vector"] == ""
    assert Incident.objects.get(pk=body["id"]).vector == ""


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["hacked", 7, ["ransomware"]])
def test_an_unknown_vector_is_a_400_naming_the_field(api, org, value):
    response = api["analyst"].post(URL, {"title": "x", "vector": value}, format="json")
    assert response.status_code == 400, response.content
    assert "vector" in response.json()["errors"]
    assert Incident.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("vector", "cause"),
    [
        ("ransomware", "accidental_internal"),
        ("stolen_device", "technical_fault"),
        ("misdirected_email", "malicious_external"),
        ("staff_misuse", "accidental_third_party"),
    ],
)
def test_a_vector_that_contradicts_the_cause_is_a_400_naming_the_vector(api, org, vector, cause):
    response = api["analyst"].post(
        URL, {"title": "x", "vector": vector, "cause": cause}, format="json"
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert "vector" in body.get("errors", {}) or body.get("field") == "vector", body
    assert cause in str(body)
    assert Incident.objects.count() == 0


@pytest.mark.django_db
def test_changing_the_cause_alone_into_a_contradiction_is_refused_and_nothing_changes(api, org):
    created = api["analyst"].post(
        URL, {"title": "x", "vector": "misdirected_post", "cause": "accidental_internal"}, "json"
    )
    url = f"{URL}{created.json()['id']}/"
    refused = api["analyst"].patch(url, {"cause": "malicious_external"}, format="json")
    assert refused.status_code == 400, refused.content
    incident = Incident.objects.get(pk=created.json()["id"])
    assert (incident.vector, incident.cause) == ("misdirected_post", "accidental_internal")
    both = api["analyst"].patch(url, {"cause": "malicious_external", "vector": "intrusion"}, "json")
    assert both.status_code == 200, both.content


@pytest.mark.django_db
def test_the_vector_is_not_an_engine_fact_but_is_in_the_register(api, org):
    created = api["analyst"].post(
        URL,
        {
            "title": "Grades sent to the parents' list",
            "vector": "misdirected_email",
            "cause": "accidental_internal",
            "breach_types": ["confidentiality"],
        },
        format="json",
    )
    incident_id = created.json()["id"]
    assessed = api["analyst"].post(f"{URL}{incident_id}/assessments/")
    assert assessed.status_code == 201, assessed.content
    assert "vector" not in assessed.json()["facts"]
    register = api["dpo"].get("/api/v1/register/export/?as=json")
    assert register.status_code == 200, register.content
    rows = {row["reference"]: row for row in json.loads(b"".join(register.streaming_content))}
    assert rows[created.json()["reference"]]["vector"] == "misdirected_email"
