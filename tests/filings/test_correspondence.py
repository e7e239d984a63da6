"""Correspondence with the authority after filing is logged on the incident."""

from datetime import timedelta

import pytest
import time_machine

from incidents.models import IncidentEvent
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
    listed = api["viewer"].get(url).json()
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
