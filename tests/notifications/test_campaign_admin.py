"""Campaign admin: evidence read-only, contact data never shown, actions call the services."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model

from notifications.campaigns import services
from notifications.models import Campaign, Delivery
from tests.conftest import sign_in_verified
from tests.notifications.conftest import CA_AWARE, approved_notice

LATER = CA_AWARE + timedelta(hours=1)


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("root", "root@example.test", "pw")
    sign_in_verified(client, user)
    return client


@pytest.fixture
def draft(ca_breach, assignee) -> Campaign:
    """A draft on the approved notice for the one Californian the incident states."""
    notice = approved_notice(ca_breach, assignee, residents={"US-CA": 1})
    campaign = services.campaign_create(
        incident_id=ca_breach.pk, actor=assignee, name="N", channels=["email"], notice_id=notice.pk
    )
    services.campaign_import_rows(
        campaign_id=campaign.pk,
        rows=[{"email": "hidden.person@example.com", "name": "Hidden Person", "region": "US-CA"}],
        actor=assignee,
    )
    return campaign


@pytest.mark.django_db
def test_start_action_sends_and_pages_never_show_contacts(
    admin_client, draft, django_capture_on_commit_callbacks
):
    with (
        time_machine.travel(LATER, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = admin_client.post(
            "/admin/notifications/campaign/",
            {"action": "start_sending", "_selected_action": [draft.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert b"Started 1 campaign" in response.content
    draft.refresh_from_db()
    assert draft.status == "completed"
    assert draft.incident.obligations.get(rule_code="us-ca-1798-82-individuals").status == "met"
    delivery = Delivery.objects.get()
    for url in (
        "/admin/notifications/campaign/",
        f"/admin/notifications/campaign/{draft.pk}/change/",
        "/admin/notifications/delivery/",
        f"/admin/notifications/delivery/{delivery.pk}/change/",
        "/admin/notifications/importrun/",
        "/admin/notifications/receiptevent/",
        "/admin/notifications/outboundmessage/",
    ):
        page = admin_client.get(url)
        assert page.status_code == 200, url
        assert b"hidden.person" not in page.content
        assert b"Hidden Person" not in page.content
    assert admin_client.get("/admin/notifications/campaign/add/").status_code == 403
    again = admin_client.post(
        "/admin/notifications/campaign/",
        {"action": "start_sending", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert b"already completed" in again.content


@pytest.mark.django_db
def test_a_campaign_finished_after_the_deadline_leaves_the_duty_to_a_dpo(
    draft, ca_breach, assignee, django_capture_on_commit_callbacks
):
    duty = ca_breach.obligations.get(rule_code="us-ca-1798-82-individuals")
    with (
        time_machine.travel(duty.due_at + timedelta(days=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.campaign_start(campaign_id=draft.pk, actor=assignee)
    draft.refresh_from_db()
    duty.refresh_from_db()
    assert draft.status == "completed"
    assert duty.status == "pending"  # late: the reason for the delay is a person's to give
    [row] = draft.evidence["duties"]
    assert (row["met"], row["reached"], row["stated"]) == (False, 1, 1)
    assert "after the deadline" in row["reason"]
    assert ca_breach.events.filter(kind="notice_campaign_completed").exists()
