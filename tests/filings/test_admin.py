"""A DPO drafts, completes and submits filings in the admin (same services as the API)."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from incidents.models import Obligation
from notifications.filings.models import Filing
from tests.conftest import sign_in_verified
from tests.filings.conftest import AWARE

DAY_TWO = AWARE + timedelta(hours=26)


def admin_client(user) -> Client:
    user.is_staff = True
    user.save()
    client = Client()
    sign_in_verified(client, user)
    return client


@pytest.mark.django_db
def test_dpo_files_initial_then_final_in_the_admin(users, assessed):
    dpo = admin_client(users["dpo"])
    analyst = admin_client(users["analyst"])
    obligation = Obligation.objects.get(incident_id=assessed["id"], rule_code="eu-gdpr-33-1-sa")
    with time_machine.travel(DAY_TWO, tick=False):
        page = dpo.get("/admin/filings/filing/add/")
        assert page.status_code == 200
        response = dpo.post(
            "/admin/filings/filing/add/",
            {"incident": assessed["id"], "obligation": obligation.pk, "phase": "initial"},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        filing = Filing.objects.get(incident_id=assessed["id"], phase="initial")
        change = dpo.get(f"/admin/filings/filing/{filing.pk}/change/")
        assert change.status_code == 200
        assert "Submit" in change.content.decode()
        edit = dpo.post(
            f"/admin/filings/filing/{filing.pk}/edit/",
            {"content": '{"likely_consequences": "Targeted phishing."}'},
        )
        assert edit.status_code == 302
        assert analyst.get(f"/admin/filings/filing/{filing.pk}/submit/").status_code == 403
        form = dpo.get(f"/admin/filings/filing/{filing.pk}/submit/")
        assert "Ready to submit" in form.content.decode()
        submitted = dpo.post(
            f"/admin/filings/filing/{filing.pk}/submit/",
            {
                "submitted_at": "2026-05-05T11:00:00Z",
                "channel": "portal",
                "authority_reference": "A-1",
            },
        )
        assert submitted.status_code == 302
    filing.refresh_from_db()
    assert filing.status == "submitted"
    assert filing.version == 2
    assert filing.snapshot["content"]["likely_consequences"] == "Targeted phishing."
    obligation.refresh_from_db()
    assert obligation.status == "met"

    with time_machine.travel(DAY_TWO + timedelta(days=2), tick=False):
        dpo.post(
            "/admin/filings/filing/add/",
            {"incident": assessed["id"], "obligation": obligation.pk, "phase": "final"},
        )
        final = Filing.objects.get(incident_id=assessed["id"], phase="final")
        refused = dpo.post(
            f"/admin/filings/filing/{final.pk}/submit/",
            {"submitted_at": "2026-06-05T11:00:00Z", "channel": "portal"},
        )
        assert refused.status_code == 200
        assert "cannot be in the future" in refused.content.decode()
        dpo.post(
            f"/admin/filings/filing/{final.pk}/submit/",
            {"submitted_at": "2026-05-07T10:00:00Z", "channel": "email"},
        )
        pdf = dpo.get(f"/admin/filings/filing/{final.pk}/pdf/")
    final.refresh_from_db()
    assert final.status == "submitted"
    assert final.previous_id == filing.pk
    assert pdf["Content-Type"] == "application/pdf"
    assert Obligation.objects.get(pk=obligation.pk).status == "met"
