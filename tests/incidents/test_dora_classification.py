"""DORA's initial report runs 4 h from the classification as major, capped at 24 h from
awareness (RTS 2025/301 Art. 5(1)(a), 5(2)): the classification time is recorded on the
incident and re-times the clock."""

from datetime import timedelta

import pytest
import time_machine

from tests.conftest import utc

AWARE = utc(2026, 11, 26, 20, 0)
URL = "/api/v1/incidents/"


@pytest.fixture
def bank(org):
    org.legal_name, org.country, org.lead_authority = "Shamrock Bank DAC", "IE", ""
    org.sectors = ["dora_financial_entity"]
    org.save()
    return org


def initial_report(api, incident_id):
    rows = api["viewer"].get(f"{URL}{incident_id}/obligations/").json()
    return next(r for r in rows if r["rule_code"].startswith("eu-dora-initial"))


def create(api, **extra):
    body = {
        "title": "Ransomware at the hosting provider: online banking down",
        "aware_at": "2026-11-26T20:00:00Z",
        "countries": ["IE", "DE"],
        "residents": {"IE": 120000, "DE": 5000},
        **extra,
    }
    response = api["analyst"].post(URL, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.django_db
def test_an_early_classification_brings_the_initial_report_forward(api, bank):
    with time_machine.travel(AWARE + timedelta(hours=3), tick=False):
        incident = create(api)
        assert initial_report(api, incident["id"])["due_at"] == "2026-11-27T20:00:00Z"
        changed = api["analyst"].patch(
            f"{URL}{incident['id']}/",
            {"classified_major_at": "2026-11-26T22:00:00Z"},
            format="json",
        )
        assert changed.status_code == 200, changed.content
        assert changed.json()["classified_major_at"] == "2026-11-26T22:00:00Z"
        assert initial_report(api, incident["id"])["due_at"] == "2026-11-27T02:00:00Z"


@pytest.mark.django_db
def test_a_classification_after_the_first_day_runs_four_hours_from_it(api, bank):
    with time_machine.travel(AWARE + timedelta(hours=31), tick=False):
        incident = create(api, classified_major_at="2026-11-28T02:00:00Z")
        assert initial_report(api, incident["id"])["due_at"] == "2026-11-28T06:00:00Z"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2026-11-27T01:00:00", "offset"),
        ("2030-01-01T00:00:00Z", "future"),
        ("2026-11-26T19:00:00Z", "aware_at"),
    ],
)
def test_a_bad_classification_time_is_a_400_naming_it(api, bank, value, words):
    with time_machine.travel(AWARE + timedelta(hours=5), tick=False):
        response = api["analyst"].post(
            URL,
            {"title": "x", "aware_at": "2026-11-26T20:00:00Z", "classified_major_at": value},
            format="json",
        )
    assert response.status_code == 400, response.content
    body = response.json()
    assert (
        "classified_major_at" in body.get("errors", {})
        or body.get("field") == "classified_major_at"
    )
    assert words in str(body)
