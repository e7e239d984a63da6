"""Admin: the delivery log and reminder attempts are visible and read-only."""

import pytest
from django.contrib.auth import get_user_model

from notifications.channels import Message, get_channel
from notifications.models import OutboxMessage
from tests.conftest import sign_in_verified


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("root", "root@example.test", "pw")
    sign_in_verified(client, user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model",
    ["outboxmessage", "reminderattempt", "oncallcontact", "escalationladder", "calendarfeedtoken"],
)
def test_changelists_render(admin_client, model):
    get_channel("email").send(Message(channel="email", to="a@example.test", subject="s", body="b"))
    assert admin_client.get(f"/admin/notifications/{model}/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["outboxmessage", "reminderattempt", "calendarfeedtoken"])
def test_evidence_cannot_be_added_or_edited(admin_client, model):
    assert admin_client.get(f"/admin/notifications/{model}/add/").status_code == 403


@pytest.mark.django_db
def test_outbox_row_is_viewable_but_not_editable(admin_client):
    get_channel("sms").send(Message(channel="sms", to="+4930901820", subject="", body="hello"))
    row = OutboxMessage.objects.get()
    page = admin_client.get(f"/admin/notifications/outboxmessage/{row.pk}/change/")
    assert page.status_code == 200
    assert b"hello" in page.content
    assert b'name="_save"' not in page.content
