"""A HIPAA covered entity with New York patients tells the NY Attorney General within five
New York business days of notifying HHS (N.Y. Gen. Bus. Law 899-aa(9))."""

from datetime import timedelta

import pytest
import time_machine

from tests.conftest import utc

AWARE = utc(2026, 11, 25, 14, 0)
URL = "/api/v1/incidents/"


@pytest.fixture
def hospital(org):
    org.legal_name, org.country, org.lead_authority = "Mercy General Hospital", "US", ""
    org.sectors = ["hipaa_covered_entity"]
    org.languages = ["en"]
    org.save()
    return org


def duties(api, pk):
    rows = api["dpo"].get(f"{URL}{pk}/obligations/").json()
    return {(row["rule_code"], row["recipient"]): row for row in rows}


def by_rule(api, pk, rule):
    return [row for (code, _), row in duties(api, pk).items() if code == rule]


def stolen_laptop(api, residents):
    response = api["analyst"].post(
        URL,
        {
            "title": "Unencrypted laptop with a patient list stolen",
            "aware_at": "2026-11-25T14:00:00Z",
            "countries": sorted(residents),
            "residents": residents,
            "breach_types": ["confidentiality"],
            "cause": "malicious_external",
            "vector": "stolen_device",
            "data_categories": ["identity", "health"],
            "subject_categories": ["patients"],
            "identifiability": "direct",
            "exposure": "unknown_recipients",
            "data_protection": "none",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert api["analyst"].post(f"{URL}{pk}/assessments/").status_code == 201
    return pk


@pytest.mark.django_db
def test_the_ny_attorney_general_follows_the_hhs_notice_by_five_new_york_business_days(
    api, hospital
):
    with time_machine.travel(AWARE + timedelta(hours=20), tick=False):
        pk = stolen_laptop(api, {"US-CA": 300, "US-NY": 140, "US-TX": 260})
        [ag] = by_rule(api, pk, "us-ny-gbl-899aa-9-hipaa-ag")
        assert ag["status"] == "awaiting_trigger"
        assert ag["recipient_authority"]["code"] == "US-NY-AG"
        [hhs] = by_rule(api, pk, "us-hipaa-164-408-hhs-500plus")
    with time_machine.travel(AWARE + timedelta(days=2), tick=False):
        met = api["dpo"].post(
            f"/api/v1/obligations/{hhs['id']}/meet/",
            {
                # Wednesday 25 Nov 2026, the eve of Thanksgiving (a New York holiday).
                "met_at": "2026-11-25T16:00:00Z",
                "evidence": {"channel": "web_form", "recipient": "HHS OCR", "reference": "OCR-1"},
            },
            format="json",
        )
        assert met.status_code == 200, met.content
        [ag] = by_rule(api, pk, "us-ny-gbl-899aa-9-hipaa-ag")
    assert ag["status"] == "pending"
    assert ag["clock_started_at"] == "2026-11-25T16:00:00Z"
    # Thanksgiving (26 Nov) and the weekend do not count: Fri 27, Mon 30, Tue 1, Wed 2 and
    # Thu 3 Dec are the five New York business days; due at the same New York wall time.
    assert ag["due_at"] == "2026-12-03T16:00:00Z"


@pytest.mark.django_db
def test_no_ny_attorney_general_duty_without_new_york_patients(api, hospital):
    with time_machine.travel(AWARE + timedelta(hours=20), tick=False):
        pk = stolen_laptop(api, {"US-CA": 300, "US-TX": 400})
        assert by_rule(api, pk, "us-ny-gbl-899aa-9-hipaa-ag") == []
