"""Correspondence with the authority after filing is logged on the incident."""

from datetime import timedelta

import pytest
import time_machine

from incidents.models import IncidentEvent, Obligation
from tests.conftest import utc
from tests.filings.conftest import AWARE

LATER = AWARE + timedelta(days=5)


@pytest.mark.django_db
def test_question_and_answer_are_logged_with_the_answer_due_date(api, assessed):
    url = f"/api/v1/incidents/{assessed['id']}/correspondence/"
    question = {
        "direction": "inbound",
        "kind": "question",
        "occurred_at": "2026-05-08T09:00:00Z",
        "counterpart": "Berliner Beauftragte für Datenschutz",
        "subject": "Request for the forensic report",
        "body": "Please send the forensic report.",
        "authority_reference": "BlnBDI-2026-0815",
        "answer_due_at": "2026-05-15T23:59:00Z",
    }
    with time_machine.travel(LATER, tick=False):
        asked = api["analyst"].post(url, question, format="json")
        assert asked.status_code == 201, asked.json()
        answer = api["analyst"].post(
            url,
            {
                "direction": "outbound",
                "kind": "answer",
                "occurred_at": "2026-05-09T08:00:00Z",
                "counterpart": "Berliner Beauftragte für Datenschutz",
                "subject": "Forensic report",
                "reply_to": asked.json()["id"],
            },
            format="json",
        )
    assert answer.status_code == 201, answer.json()
    duty = asked.json()["answer_obligation"]
    assert duty["due_at"] == "2026-05-15T23:59:00Z"
    listed = api["viewer"].get(url).json()
    assert listed[0]["answer_obligation"]["status"] == "met"  # the answer met the duty
    met = Obligation.objects.get(pk=duty["id"])
    assert met.met_at == utc(2026, 5, 9, 8)
    assert met.late is False
    assert met.evidence["correspondence_id"] == listed[1]["id"]
    assert [row["kind"] for row in listed] == ["question", "answer"]
    assert listed[0]["answer_due_at"] == "2026-05-15T23:59:00Z"
    assert listed[1]["reply_to"] == listed[0]["id"]
    kinds = IncidentEvent.objects.filter(incident_id=assessed["id"]).values_list("kind", flat=True)
    assert list(kinds).count("correspondence_logged") == 2


@pytest.mark.django_db
def test_bad_correspondence_is_refused_with_the_field(api, assessed):
    url = f"/api/v1/incidents/{assessed['id']}/correspondence/"
    base = {
        "direction": "outbound",
        "kind": "answer",
        "occurred_at": "2026-05-08T09:00:00Z",
        "counterpart": "DPA",
        "subject": "Answer",
    }
    with time_machine.travel(LATER, tick=False):
        due_on_answer = api["analyst"].post(
            url, {**base, "answer_due_at": "2026-05-20T00:00:00Z"}, format="json"
        )
        future = api["analyst"].post(url, {**base, "occurred_at": "2026-06-20T00:00:00Z"}, "json")
        stranger = api["analyst"].post(url, {**base, "reply_to": 999}, format="json")
        viewer = api["viewer"].post(url, base, format="json")
    assert due_on_answer.status_code == 400
    assert due_on_answer.json()["field"] == "answer_due_at"
    assert future.json()["field"] == "occurred_at"
    assert stranger.json()["field"] == "reply_to"
    assert viewer.status_code == 403


@pytest.mark.django_db
def test_an_answer_due_date_is_a_duty_with_reminders_and_survives_re_planning(api, assessed):
    url = f"/api/v1/incidents/{assessed['id']}/correspondence/"
    with time_machine.travel(LATER, tick=False):
        asked = api["analyst"].post(
            url,
            {
                "direction": "inbound",
                "kind": "question",
                "occurred_at": "2026-05-09T08:00:00Z",
                "counterpart": "Berliner Beauftragte für Datenschutz",
                "subject": "List of affected customers by country",
                "answer_due_at": "2026-05-10T12:00:00Z",
            },
            format="json",
        )
        assert asked.status_code == 201, asked.json()
        duty_id = asked.json()["answer_obligation"]["id"]
        upcoming = api["viewer"].get("/api/v1/obligations/upcoming/?hours=48").json()
        assert duty_id in {row["id"] for row in upcoming}
        # New facts re-plan the incident's duties; the authority's request stays open.
        api["analyst"].patch(
            f"/api/v1/incidents/{assessed['id']}/", {"subjects_count": 7000}, format="json"
        )
        assert Obligation.objects.get(pk=duty_id).status == "pending"
    with time_machine.travel(utc(2026, 5, 11, 9), tick=False):
        late = {
            "direction": "outbound",
            "kind": "answer",
            "occurred_at": "2026-05-11T08:00:00Z",
            "counterpart": "Berliner Beauftragte für Datenschutz",
            "subject": "Customers by country",
            "reply_to": asked.json()["id"],
            "channel": "portal",
        }
        refused = api["analyst"].post(url, late, format="json")
        assert refused.status_code == 400
        assert refused.json()["field"] == "delay_reason"
        answered = api["analyst"].post(
            url, {**late, "delay_reason": "Country data came from the processor."}, "json"
        )
    assert answered.status_code == 201, answered.json()
    duty = Obligation.objects.get(pk=duty_id)
    assert duty.status == "late"
    assert duty.evidence["channel"] == "portal"
