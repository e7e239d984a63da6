"""The obligations-driven lifecycle, driven through the transitions endpoint."""

from datetime import timedelta

import pytest
import time_machine

from incidents.models import Incident
from incidents.services.assessments import assessment_compute, assessment_override
from incidents.services.incidents import incident_create
from incidents.services.lifecycle import incident_transition
from incidents.services.obligations import obligation_waive
from incidents.status import ACTIONS, IncidentStatus
from tests.conftest import EVIDENCE, utc

S = IncidentStatus

# The lifecycle as the issue specifies it, written out by hand (not read from the code):
# triage -> assessing -> notifiable | not_notifiable -> notifying -> closed, plus dismissed.
EXPECTED = {
    "triage": {"assessing", "dismissed"},
    "assessing": {"triage", "notifiable", "not_notifiable", "dismissed"},
    "not_notifiable": {"assessing", "closed"},
    "notifiable": {"notifying", "assessing", "closed"},
    "notifying": {"assessing", "closed"},
    "closed": {"assessing"},
    "dismissed": {"triage"},
}

# A path from triage to every status, through legal moves only.
PATHS = {
    S.TRIAGE: [],
    S.ASSESSING: [S.ASSESSING],
    S.NOT_NOTIFIABLE: [S.ASSESSING, S.NOT_NOTIFIABLE],
    S.NOTIFIABLE: [S.ASSESSING, S.NOTIFIABLE],
    S.NOTIFYING: [S.ASSESSING, S.NOTIFIABLE, S.NOTIFYING],
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


def waive_all(incident, dpo):
    for obligation in incident.obligations.open():
        obligation_waive(obligation_id=obligation.pk, actor=dpo, justification="Test: waived")


def test_the_table_is_the_specified_lifecycle():
    table = {s: set() for s in S.values}
    for action in ACTIONS:
        for source in action.sources:
            table[source].add(action.target)
    assert table == EXPECTED


CASES = [(src, dst) for src in S.values for dst in S.values]


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "target"), CASES, ids=[f"{s}->{t}" for s, t in CASES])
def test_every_pair_of_statuses_follows_the_lifecycle(source, target, api, dpo, org):
    incident = incident_in(source, dpo)
    legal = target in EXPECTED[source]
    if legal and target == S.NOTIFIABLE:
        decide(incident, dpo, "risk")
    if legal and target == S.NOT_NOTIFIABLE:
        decide(incident, dpo, "unlikely")
    if legal and target == S.CLOSED:
        waive_all(incident, dpo)
    response = api["dpo"].post(
        f"/api/v1/incidents/{incident.pk}/transitions/",
        {"to": target, "comment": "because"},
        format="json",
    )
    if legal:
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == target
        kinds = list(incident.events.values_list("kind", flat=True))
        assert kinds[-1] == "transitioned"
    else:
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "illegal_transition"
        assert body["allowed"] == sorted(EXPECTED[source])
        assert Incident.objects.get(pk=incident.pk).status == source


@pytest.mark.django_db
def test_closing_with_open_obligations_is_a_409_listing_them(api, dpo, org):
    incident = incident_in(S.NOTIFIABLE, dpo)
    url = f"/api/v1/incidents/{incident.pk}/transitions/"
    response = api["dpo"].post(url, {"to": "closed"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "precondition_failed"
    listed = {row["rule_code"] for row in body["open_obligations"]}
    assert {"eu-gdpr-33-1-sa", "eu-gdpr-34-individuals"} <= listed
    assert all(row["status"] in ("pending", "awaiting_trigger") for row in body["open_obligations"])
    assert Incident.objects.get(pk=incident.pk).status == "notifiable"

    authority = incident.obligations.get(rule_code="eu-gdpr-33-1-sa")
    meet = api["dpo"].post(
        f"/api/v1/obligations/{authority.pk}/meet/",
        {"met_at": "2026-01-06T10:00:00Z", "evidence": EVIDENCE},
        format="json",
    )
    assert meet.status_code == 200, meet.json()
    # Meeting the first duty turns a notifiable case into one being notified.
    detail = api["dpo"].get(f"/api/v1/incidents/{incident.pk}/").json()
    assert detail["status"] == "notifying"
    assert detail["authority_notified"] is True
    assert detail["authority_notified_at"] == "2026-01-06T10:00:00Z"
    assert detail["people_notified"] is False
    still_open = api["dpo"].post(url, {"to": "closed"}, format="json").json()
    assert "eu-gdpr-33-1-sa" not in {row["rule_code"] for row in still_open["open_obligations"]}

    for row in still_open["open_obligations"]:
        waived = api["dpo"].post(
            f"/api/v1/obligations/{row['id']}/waive/",
            {"justification": "Single complete notification; people told by the controller"},
            format="json",
        )
        assert waived.status_code == 200
    closed = api["dpo"].post(url, {"to": "closed"}, format="json")
    assert closed.status_code == 200, closed.json()
    assert closed.json()["status"] == "closed"


@pytest.mark.django_db
def test_californian_residents_first_then_the_attorney_general(api, dpo, org):
    aware = utc(2026, 2, 2, 9)
    with time_machine.travel(aware + timedelta(hours=1), tick=False):
        created = (
            api["dpo"]
            .post(
                "/api/v1/incidents/",
                {
                    "title": "Customer database copied",
                    "aware_at": "2026-02-02T09:00:00Z",
                    "countries": ["US-CA"],
                    "residents": {"US-CA": 2400},
                    "subjects_count": 2400,
                },
                format="json",
            )
            .json()
        )
        pk = created["id"]
        decide(Incident.objects.get(pk=pk), dpo, "high")
        url = f"/api/v1/incidents/{pk}/transitions/"
        assert api["dpo"].post(url, {"to": "assessing"}, format="json").status_code == 200
        assert api["dpo"].post(url, {"to": "notifiable"}, format="json").status_code == 200
    duties = {
        row["rule_code"]: row
        for row in api["dpo"].get(f"/api/v1/incidents/{pk}/obligations/").json()
    }
    people, attorney_general = duties["us-ca-1798-82-individuals"], duties["us-ca-1798-82-ag"]
    assert attorney_general["status"] == "awaiting_trigger"  # it follows the residents' notice

    with time_machine.travel(aware + timedelta(days=3), tick=False):
        response = api["dpo"].post(
            f"/api/v1/obligations/{people['id']}/meet/",
            {
                "met_at": "2026-02-04T09:00:00Z",
                "evidence": {
                    "channel": "email",
                    "recipient": "2,400 residents",
                    "document": "n.pdf",
                },
            },
            format="json",
        )
    assert response.status_code == 200, response.json()
    after = {
        row["rule_code"]: row
        for row in api["dpo"].get(f"/api/v1/incidents/{pk}/obligations/").json()
    }
    attorney_general = after["us-ca-1798-82-ag"]
    assert attorney_general["status"] == "pending"
    assert attorney_general["clock_started_at"] == "2026-02-04T09:00:00Z"
    detail = api["dpo"].get(f"/api/v1/incidents/{pk}/").json()
    assert detail["status"] == "notifying"
    assert detail["people_notified"] is True
    assert detail["authority_notified"] is False

    with time_machine.travel(aware + timedelta(days=4), tick=False):
        response = api["dpo"].post(
            f"/api/v1/obligations/{attorney_general['id']}/meet/",
            {
                "met_at": "2026-02-05T09:00:00Z",
                "evidence": {"channel": "web_form", "recipient": "CA AG", "reference": "AG-77"},
            },
            format="json",
        )
    assert response.status_code == 200, response.json()
    assert api["dpo"].get(f"/api/v1/incidents/{pk}/").json()["authority_notified"] is True
    notified = api["viewer"].get("/api/v1/incidents/", {"authority_notified": "true"}).json()
    assert [row["id"] for row in notified["results"]] == [pk]
    told_people = api["viewer"].get("/api/v1/incidents/", {"people_notified": "true"}).json()
    assert [row["id"] for row in told_people["results"]] == [pk]
    nobody = api["viewer"].get("/api/v1/incidents/", {"people_notified": "false"}).json()
    assert pk not in [row["id"] for row in nobody["results"]]


@pytest.mark.django_db
def test_dismissed_closed_and_archived_cases_leave_the_clocks_and_come_back(api, dpo, org):
    aware = utc(2026, 3, 2, 9)
    with time_machine.travel(aware + timedelta(hours=1), tick=False):
        incident = incident_create(
            actor=dpo, data={"title": "Misrouted e-mail", "aware_at": aware, "countries": ["FR"]}
        )

    def upcoming() -> set[int]:
        with time_machine.travel(aware + timedelta(hours=2), tick=False):
            rows = api["viewer"].get("/api/v1/obligations/upcoming/?hours=100").json()
        return {row["incident"]["id"] for row in rows}

    assert upcoming() == {incident.pk}
    url = f"/api/v1/incidents/{incident.pk}/transitions/"
    dismissed = api["dpo"].post(
        url, {"to": "dismissed", "comment": "No personal data"}, format="json"
    )
    assert dismissed.status_code == 200
    assert upcoming() == set()
    assert api["dpo"].post(url, {"to": "triage"}, format="json").status_code == 200
    assert upcoming() == {incident.pk}

    archive = f"/api/v1/incidents/{incident.pk}/archive/"
    assert api["dpo"].post(archive, {"archived": True}, format="json").status_code == 200
    assert upcoming() == set()
    assert api["dpo"].post(archive, {"archived": False}, format="json").status_code == 200
    assert upcoming() == {incident.pk}


@pytest.mark.django_db
def test_closed_incidents_are_read_only_until_reopened(api, dpo, org):
    incident = incident_in(S.CLOSED, dpo)
    detail = f"/api/v1/incidents/{incident.pk}/"
    response = api["dpo"].patch(detail, {"summary": "late edit"}, format="json")
    assert response.status_code == 409
    assert "reopen" in response.json()["detail"]
    assert api["dpo"].post(f"{detail}assessments/").status_code == 409
    comment = api["dpo"].post(f"{detail}comments/", {"text": "note"}, format="json")
    assert comment.status_code == 409
    waived = incident.obligations.filter(status="not_required").first()
    assert waived is not None
    response = api["dpo"].post(
        f"/api/v1/obligations/{waived.pk}/waive/", {"justification": "x"}, format="json"
    )
    assert response.status_code == 409

    # Reopening is a DPO decision: an analyst cannot, a DPO can; then edits work again.
    url = f"{detail}transitions/"
    assert api["analyst"].post(url, {"to": "assessing"}, format="json").status_code == 403
    assert api["dpo"].post(url, {"to": "assessing"}, format="json").status_code == 200
    response = api["dpo"].patch(detail, {"summary": "late edit"}, format="json")
    assert response.status_code == 200


@pytest.mark.django_db
def test_meeting_a_duty_needs_evidence_of_how(api, dpo, org):
    incident = incident_in(S.NOTIFIABLE, dpo)
    duty = incident.obligations.get(rule_code="eu-gdpr-33-1-sa")
    url = f"/api/v1/obligations/{duty.pk}/meet/"
    at = "2026-01-05T12:00:00Z"
    for evidence, field in (
        ({}, "channel"),
        ({"channel": "fax", "recipient": "CNIL", "reference": "1"}, "channel"),
        ({"channel": "email", "reference": "1"}, "recipient"),
        ({"channel": "email", "recipient": "CNIL"}, "reference"),
        ({"channel": "email", "recipient": "CNIL", "reference": "  ", "document": ""}, "reference"),
    ):
        response = api["dpo"].post(url, {"met_at": at, "evidence": evidence}, format="json")
        assert response.status_code == 400, evidence
        assert field in str(response.json()["errors"]), (evidence, response.json())
    duty.refresh_from_db()
    assert duty.status == "pending"
    good = {"channel": "portal", "recipient": "CNIL", "document": "notification.pdf"}
    response = api["dpo"].post(url, {"met_at": at, "evidence": good}, format="json")
    assert response.status_code == 200
    assert response.json()["evidence"] == good


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


@pytest.mark.django_db
def test_the_incident_lists_the_actions_the_caller_may_take(api, dpo, org):
    incident = incident_in(S.ASSESSING, dpo)
    url = f"/api/v1/incidents/{incident.pk}/"

    def names(role):
        return {a["name"] for a in api[role].get(url).json()["available_actions"]}

    assert names("dpo") == {
        "return_to_triage",
        "dismiss",
        "decide_notifiable",
        "decide_not_notifiable",
    }
    assert names("analyst") == {"return_to_triage", "dismiss"}
    assert names("viewer") == set()
    dismiss = next(
        a for a in api["dpo"].get(url).json()["available_actions"] if a["name"] == "dismiss"
    )
    assert dismiss == {
        "name": "dismiss",
        "label": "Dismiss (not a personal-data breach)",
        "to": "dismissed",
        "reason_required": True,
    }


@pytest.mark.django_db
def test_a_breach_someone_was_told_of_cannot_be_dismissed_as_no_breach(api, dpo, org):
    """Reassessing a notifying case is allowed; dismissing it then would silence the open
    72-hour duty of a breach the people were already told about."""
    incident = incident_in(S.NOTIFIABLE, dpo)
    people = incident.obligations.get(rule_code="eu-gdpr-34-individuals")
    url = f"/api/v1/incidents/{incident.pk}/transitions/"
    with time_machine.travel(utc(2026, 1, 5, 13), tick=False):
        met = api["dpo"].post(
            f"/api/v1/obligations/{people.pk}/meet/",
            {"met_at": "2026-01-05T12:00:00Z", "evidence": EVIDENCE},
            format="json",
        )
        assert met.status_code == 200, met.json()
        back = api["analyst"].post(url, {"to": "assessing"}, format="json")
        assert back.status_code == 200, back.json()
        dismissed = api["analyst"].post(
            url, {"to": "dismissed", "comment": "Not a breach after all"}, format="json"
        )
    assert dismissed.status_code == 409, dismissed.json()
    body = dismissed.json()
    assert body["code"] == "precondition_failed"
    assert [o["rule_code"] for o in body["met_obligations"]] == ["eu-gdpr-34-individuals"]
    incident.refresh_from_db()
    assert incident.status == S.ASSESSING
    assert incident.obligations.get(rule_code="eu-gdpr-33-1-sa").status == "pending"
