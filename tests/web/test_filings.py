"""Authority filings in the workspace: draft from the incident, edit, check, submit."""

from datetime import timedelta

import pytest

from incidents.services.incidents import incident_create
from notifications.filings.models import Filing
from tests.conftest import utc
from tests.web.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def breach(users, org, clock):
    return incident_create(
        actor=users["analyst"],
        data={
            "title": "CRM export on a public share",
            "summary": "A CRM export sat on a public file share for two days.",
            "aware_at": NOW - timedelta(hours=20),
            "aware_basis": "Confirmed by the SOC.",
            "countries": ["DE"],
            "subjects_count": 5000,
        },
        now=NOW - timedelta(hours=19),
    )


def _draft(web, breach) -> Filing:
    page = web["dpo"].get(f"/incidents/{breach.pk}/")
    choices = page.context["filing_form"].fields["target"].choices
    clock = breach.obligations.get(
        audience="supervisory_authority", status="pending", due_at__isnull=False
    )
    initial = next(value for value, _ in choices if value.startswith(f"{clock.pk}:"))
    response = web["dpo"].post(f"/incidents/{breach.pk}/filings/new/", {"target": initial})
    filing = Filing.objects.get(incident=breach)
    assert response["Location"] == f"/filings/{filing.pk}/"
    return filing


def test_draft_edit_and_submit_an_initial_filing(web, breach):
    filing = _draft(web, breach)
    page = web["dpo"].get(f"/filings/{filing.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Completeness" in text
    assert "/render/?output=pdf" in text
    check = page.context["check"]
    assert not check.submittable
    assert "likely_consequences" in check.missing
    # Art. 33(4): an incomplete initial notification says what follows and by when.
    web["dpo"].post(
        f"/filings/{filing.pk}/edit/",
        {
            "el-likely_consequences": "Phishing against customers",
            "el-information_to_follow": "Records count and measures",
            "follow_up_by": "2026-03-12T12:00",
        },
    )
    filing.refresh_from_db()
    assert filing.version == 2
    assert filing.follow_up_by == utc(2026, 3, 12, 12, 0)
    page = web["dpo"].get(f"/filings/{filing.pk}/")
    assert "likely_consequences" not in page.context["check"].missing
    assert page.context["check"].submittable
    future = web["dpo"].post(
        f"/filings/{filing.pk}/submit/",
        {"submitted_at": "2026-03-10T10:30", "channel": "portal"},
    )
    assert future.status_code == 400
    assert "submitted_at" in future.context["submit_form"].errors
    response = web["dpo"].post(
        f"/filings/{filing.pk}/submit/",
        {"submitted_at": "2026-03-10T08:30", "channel": "portal", "authority_reference": "A-1"},
    )
    assert response.status_code == 302
    filing.refresh_from_db()
    assert (filing.status, filing.authority_reference) == ("submitted", "A-1")
    filing.obligation.refresh_from_db()
    assert filing.obligation.status == "met"
    assert filing.met_obligations == [filing.obligation.rule_code]
    assert "Record the submission" not in web["dpo"].get(f"/filings/{filing.pk}/").content.decode()


def test_analyst_cannot_submit_and_viewer_cannot_draft(web, breach):
    filing = _draft(web, breach)
    refused = web["analyst"].post(
        f"/filings/{filing.pk}/submit/",
        {"submitted_at": "2026-03-10T09:30", "channel": "portal"},
    )
    assert refused.status_code == 403
    assert (
        "Record the submission" not in web["analyst"].get(f"/filings/{filing.pk}/").content.decode()
    )
    assert web["viewer"].get(f"/incidents/{breach.pk}/").context["filing_form"] is None
