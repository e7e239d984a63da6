"""Out-of-range and implausible values are 400s naming the field (issue 10, items 3 and 4)."""

from datetime import UTC, datetime

import pytest
import time_machine

from incidents.services.incidents import incident_create

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
EXTREMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize("value", EXTREMES)
@pytest.mark.parametrize("field", ["aware_at", "detected_at", "occurred_from"])
def test_timestamps_beyond_the_calendar_are_400(api, org, field, value):
    response = api["analyst"].post("/api/v1/incidents/", {"title": "x", field: value})
    assert response.status_code == 400
    assert response.json()["errors"][field] == [
        "Timestamp is out of range: it must fall within the years 1-9999 in UTC."
    ]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("0001-01-01T00:00:00Z", "before 1970"),
        ("1969-12-31T23:59:59Z", "before 1970"),
        ("2026-11-20T12:06:00Z", "future"),
    ],
)
def test_implausible_awareness_is_refused_with_a_clear_message(api, org, value, words):
    response = api["analyst"].post("/api/v1/incidents/", {"title": "x", "aware_at": value})
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "aware_at"
    assert words in body["detail"]


def test_a_few_minutes_of_client_clock_skew_is_accepted(api, org):
    response = api["analyst"].post(
        "/api/v1/incidents/", {"title": "x", "aware_at": "2026-11-20T12:03:00Z"}
    )
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("value", [*EXTREMES, "0001-01-01T00:00:00Z"])
def test_met_at_out_of_range_or_implausible_is_400(api, dpo, org, value):
    incident = incident_create(actor=dpo, data={"title": "x", "aware_at": NOW, "countries": ["FR"]})
    obligation = incident.obligations.get(rule_code="eu-gdpr-33-1-sa")
    evidence = {"channel": "email", "recipient": "CNIL", "reference": "case-1"}
    response = api["dpo"].post(
        f"/api/v1/obligations/{obligation.pk}/meet/", {"met_at": value, "evidence": evidence}
    )
    assert response.status_code == 400
    assert "met_at" in response.json()["errors"]


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/incidents/?aware_after=0001-01-01T00:00:00%2B14:00",
        "/api/v1/incidents/?created_before=9999-12-31T23:59:59-12:00",
        "/api/v1/alerts/?seen_after=0001-01-01T00:00:00%2B14:00",
        "/api/v1/alerts/?integration=1e20",
        "/api/v1/alerts/?integration=99999999999999999999",
        "/api/v1/alerts/?incident=-1",
    ],
)
def test_out_of_range_filters_are_400(api, query):
    response = api["viewer"].get(query)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"


def test_in_range_id_filter_still_filters(api):
    response = api["viewer"].get("/api/v1/alerts/?integration=9223372036854775807")
    assert response.status_code == 200
    assert response.json()["results"] == []
