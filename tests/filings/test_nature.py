"""A filing's "nature of the breach" says how it happened (the incident's vector)."""

from datetime import timedelta

import pytest
import time_machine

from tests.filings.conftest import AWARE, FACTS, draft


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("vector", "cause", "said"),
    [
        ("phishing", "malicious_external", "How it happened: Phishing or other social"),
        ("lost_device", "accidental_internal", "How it happened: Lost device (laptop, phone"),
        (None, "malicious_external", None),
    ],
)
def test_the_initial_gdpr_filing_names_the_vector_after_the_teams_description(
    api, org, vector, cause, said
):
    with time_machine.travel(AWARE + timedelta(hours=2), tick=False):
        facts = {**FACTS, "cause": cause, "vector": vector}
        created = api["analyst"].post("/api/v1/incidents/", facts, format="json")
        assert created.status_code == 201, created.content
        incident_id = created.json()["id"]
        assessed = api["analyst"].post(f"/api/v1/incidents/{incident_id}/assessments/")
        assert assessed.status_code == 201, assessed.content
        filing = draft(api, incident_id, "eu-gdpr-33-1-sa", "initial")
    text = filing["content"]["what_happened"]
    assert text.startswith(FACTS["summary"])
    if said is None:
        assert "How it happened" not in text
    else:
        assert said in text
