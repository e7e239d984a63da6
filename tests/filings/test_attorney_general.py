"""US attorney-general filings: the statute's counts and the sample notice without personal data."""

import io
import zipfile
from datetime import timedelta

import pytest
import time_machine
from pypdf import PdfReader

from tests.conftest import utc
from tests.filings.conftest import draft, obligation
from tests.notices.conftest import INCIDENT as NOTICE_INCIDENT

AWARE = utc(2026, 11, 20, 9, 30)
NOW = AWARE + timedelta(hours=30)

# The notices issue's shop breach, with residents of two US states whose attorneys general
# want a filing (California above 500, Texas at 250 or more).
INCIDENT = {
    **NOTICE_INCIDENT,
    "summary": "An attacker copied the customer table of the web shop.",
    "countries": ["US-CA", "US-TX"],
    "residents": {"US-CA": 900, "US-TX": 300},
    "subjects_count": 1200,
    "records_count": 1200,
}


@pytest.fixture
def us_incident(api, org):
    with time_machine.travel(NOW, tick=False):
        created = api["analyst"].post("/api/v1/incidents/", INCIDENT, format="json")
        assert created.status_code == 201, created.json()
        incident = created.json()
        api["analyst"].post(f"/api/v1/incidents/{incident['id']}/assessments/")
        notices = api["analyst"].post(f"/api/v1/incidents/{incident['id']}/notices/", {}, "json")
        assert notices.status_code == 201, notices.json()
        for notice in notices.json():
            approved = api["dpo"].post(
                f"/api/v1/notices/{notice['id']}/approve/", {"version": 1}, format="json"
            )
            assert approved.status_code == 200, approved.json()
    return incident


@pytest.mark.django_db
def test_texas_filing_carries_the_statute_counts(api, us_incident):
    with time_machine.travel(NOW, tick=False):
        filing = draft(api, us_incident["id"], "us-tx-521-053-ag", "notification")
        assert filing["regime"] == "us_ag"
        content = filing["content"]
        assert content["affected_in_jurisdiction"] == 300  # Tex. 521.053(i)(2)
        assert content["notified_count"] is None  # no notice has gone out yet
        assert "notified_count" in filing["completeness"]["missing"]
        assert "law_enforcement_involved" in filing["completeness"]["missing"]
        edited = api["analyst"].patch(
            f"/api/v1/filings/{filing['id']}/",
            {"content": {"notified_count": 0, "law_enforcement_involved": False}},
            format="json",
        )
    assert edited.json()["completeness"]["submittable"] is True


@pytest.mark.django_db
def test_california_filing_attaches_the_sample_notice_without_personal_data(
    api, us_incident, tmp_path
):
    with time_machine.travel(NOW, tick=False):
        filing = draft(api, us_incident["id"], "us-ca-1798-82-ag", "notification")
        copy = filing["content"]["notice_copy"]
        assert copy["version"] == 1
        assert len(copy["content_hash"]) == 64
        sample = api["viewer"].get(f"/api/v1/filings/{filing['id']}/render/?output=sample-notice")
        assert sample.status_code == 200
        assert sample["Content-Type"] == "application/pdf"
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(sample.content)).pages)
        assert "Notice of Data Breach" in text
        api["analyst"].patch(
            f"/api/v1/filings/{filing['id']}/",
            {"content": {"individuals_notified": "By e-mail on 21 November 2026."}},
            format="json",
        )
        submitted = api["dpo"].post(
            f"/api/v1/filings/{filing['id']}/submit/",
            {"submitted_at": "2026-11-21T15:00:00Z", "channel": "portal"},
            format="json",
        )
        assert submitted.status_code == 200, submitted.json()
        pack = api["dpo"].get(f"/api/v1/incidents/{us_incident['id']}/evidence-pack/")
    names = zipfile.ZipFile(io.BytesIO(pack.content)).namelist()
    assert f"notices/{copy['notice']:06d}-v1.json" in names
    assert f"notices/{copy['notice']:06d}-v1-sample.pdf" in names
    assert obligation(api, us_incident["id"], "us-ca-1798-82-ag")["id"] == filing["obligation"]
