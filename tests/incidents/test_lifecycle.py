"""The lifecycle table, driven through the transitions endpoint."""

import pytest

from incidents.models import Incident
from incidents.services.assessments import assessment_compute, assessment_override
from incidents.services.incidents import incident_create, incident_transition
from incidents.status import TRANSITIONS, IncidentStatus
from tests.conftest import utc

S = IncidentStatus

# A path from triage to every status, through legal moves only.
PATHS = {
    S.TRIAGE: [],
    S.ASSESSING: [S.ASSESSING],
    S.NOT_NOTIFIABLE: [S.ASSESSING, S.NOT_NOTIFIABLE],
    S.NOTIFIABLE: [S.ASSESSING, S.NOTIFIABLE],
    S.AUTHORITY_NOTIFIED: [S.ASSESSING, S.NOTIFIABLE, S.AUTHORITY_NOTIFIED],
    S.SUBJECTS_NOTIFIED: [S.ASSESSING, S.NOTIFIABLE, S.AUTHORITY_NOTIFIED, S.SUBJECTS_NOTIFIED],
    S.CLOSED: [S.ASSESSING, S.NOT_NOTIFIABLE, S.CLOSED],
    S.DISMISSED: [S.DISMISSED],
}


def incident_in(status, dpo):
    incident = incident_create(
        actor=dpo,
        data={
            "title": "Lifecycle",
            "aware_at": utc(2026, 1, 5, 10),
            "countries": ["FR"],
        },
    )
    for step in PATHS[status]:
        if step in (S.NOTIFIABLE, S.NOT_NOTIFIABLE):
            decide(incident, dpo, "high" if step == S.NOTIFIABLE else "unlikely")
        incident_transition(incident_id=incident.pk, actor=dpo, to=step, comment="reason")
    incident.refresh_from_db()
    assert incident.status == status
    return incident


def decide(incident, dpo, risk_level):
    assessment_compute(incident_id=incident.pk, actor=dpo)
    assessment_override(
        incident_id=incident.pk,
        actor=dpo,
        risk_level=risk_level,
        justification="DPO decision for the lifecycle test",
    )


CASES = [(src, dst) for src in S.values for dst in S.values]


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), CASES, ids=[f"{s}->{t}" for s, t in CASES])
def test_every_pair_of_statuses_follows_the_table(source, target, api, dpo, org):
    incident = incident_in(source, dpo)
    if target == S.NOTIFIABLE and target in TRANSITIONS[source]:
        decide(incident, dpo, "risk")
    if target == S.NOT_NOTIFIABLE and target in TRANSITIONS[source]:
        decide(incident, dpo, "unlikely")
    response = api["dpo"].post(
        f"/api/v1/incidents/{incident.pk}/transitions/",
        {"to": target, "comment": "because"},
        format="json",
    )
    if target in TRANSITIONS[source]:
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == target
        kinds = list(incident.events.values_list("kind", flat=True))
        assert kinds[-1] == "transitioned"
    else:
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "illegal_transition"
        assert body["allowed"] == sorted(TRANSITIONS[source])
        assert Incident.objects.get(pk=incident.pk).status == source


@pytest.mark.django_db
def test_status_cannot_be_patched(api, dpo, org):
    incident = incident_in(S.TRIAGE, dpo)
    response = api["dpo"].patch(
        f"/api/v1/incidents/{incident.pk}/", {"status": "closed"}, format="json"
    )
    assert response.status_code == 400
    assert "status" in response.json()["errors"]
    assert Incident.objects.get(pk=incident.pk).status == "triage"


@pytest.mark.django_db
def test_dismissal_requires_reason_and_stays_in_register(api, dpo, org):
    incident = incident_in(S.TRIAGE, dpo)
    url = f"/api/v1/incidents/{incident.pk}/transitions/"
    response = api["dpo"].post(url, {"to": "dismissed"}, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "comment"
    response = api["dpo"].post(
        url, {"to": "dismissed", "comment": "Phishing test, no data"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["decision_reason"] == "Phishing test, no data"
    listed = api["dpo"].get("/api/v1/incidents/", {"status": "dismissed"}).json()
    assert [row["reference"] for row in listed["results"]] == [incident.reference]


@pytest.mark.django_db
def test_assessing_requires_awareness(api, dpo, org):
    incident = incident_create(actor=dpo, data={"title": "Alert only"})
    response = api["dpo"].post(
        f"/api/v1/incidents/{incident.pk}/transitions/", {"to": "assessing"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["field"] == "aware_at"


@pytest.mark.django_db
def test_analyst_cannot_make_dpo_decisions(api, dpo, org):
    incident = incident_in(S.ASSESSING, dpo)
    response = api["analyst"].post(
        f"/api/v1/incidents/{incident.pk}/transitions/", {"to": "notifiable"}, format="json"
    )
    assert response.status_code == 403
    response = api["analyst"].post(
        f"/api/v1/incidents/{incident.pk}/transitions/", {"to": "triage"}, format="json"
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_notifiability_decision_must_match_the_assessment(api, dpo, org):
    incident = incident_in(S.ASSESSING, dpo)
    url = f"/api/v1/incidents/{incident.pk}/transitions/"
    response = api["dpo"].post(url, {"to": "not_notifiable", "comment": "x"}, format="json")
    assert response.status_code == 409
    assert response.json()["field"] == "assessment"
    assessment_compute(incident_id=incident.pk, actor=dpo)  # facts unknown: at least "risk"
    response = api["dpo"].post(url, {"to": "not_notifiable", "comment": "x"}, format="json")
    assert response.status_code == 409
    assert "override" in response.json()["detail"]
    response = api["dpo"].post(url, {"to": "notifiable"}, format="json")
    assert response.status_code == 200
