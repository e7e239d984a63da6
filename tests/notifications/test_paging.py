"""A new incident opened by an alert pages the DPO and the on-call list, exactly once."""

import pytest

from incidents.services.incidents import incident_create
from notifications.models import OnCallContact, OnCallPage, OutboxMessage
from notifications.tasks import page_on_call


@pytest.mark.django_db
def test_page_goes_to_dpo_and_on_call_once(organization):
    OnCallContact.objects.create(
        name="Night shift",
        email="soc@example.test",
        phone="+4915112345678",
        channels=["email", "sms"],
    )
    incident = incident_create(
        actor="integration:prom", source="alert", data={"title": "Exfiltration alert"}
    )
    assert page_on_call(incident_id=incident.pk) is True
    assert page_on_call(incident_id=incident.pk) is False  # a retried task sends nothing
    sent = OutboxMessage.objects.order_by("id")
    assert sorted((m.channel, m.to) for m in sent) == [
        ("email", "dora.dpo@example.test"),
        ("email", "soc@example.test"),
        ("sms", "+4915112345678"),
        ("sms", "+4930901820"),
    ]
    email = sent.filter(channel="email").first()
    assert incident.reference in email.subject
    assert "awareness" in email.body
    page = OnCallPage.objects.get(incident=incident)
    assert page.sent_at is not None
    assert all(result["accepted"] for result in page.results)
    assert incident.events.filter(kind="on_call_paged").count() == 1
