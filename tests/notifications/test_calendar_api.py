"""Calendar feed: secret token issue/rotate/revoke, and the RFC 5545 feed itself."""

from datetime import timedelta

import pytest
import time_machine

from incidents.models import AuditEntry
from incidents.services.incidents import incident_set_archived
from incidents.services.lifecycle import incident_transition
from incidents.services.obligations import obligation_meet
from notifications.models import CalendarFeedToken
from tests.conftest import EVIDENCE
from tests.notifications.conftest import make_user

TOKEN_URL = "/api/v1/calendar/token/"


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def feed(api_client, token: str):
    return api_client.get(f"/api/v1/calendar/{token}.ics")


@pytest.fixture
def viewer(db):
    return make_user("victor", perms=("incidents.view_incident",))


@pytest.fixture
def token(api_client, viewer) -> str:
    api_client.force_authenticate(viewer)
    response = api_client.post(TOKEN_URL)
    api_client.force_authenticate(None)
    assert response.status_code == 201, response.content
    return response.json()["token"]


@pytest.mark.django_db
def test_token_needs_login_and_the_view_incident_permission(api_client):
    assert api_client.post(TOKEN_URL).status_code in (401, 403)
    api_client.force_authenticate(make_user("nobody"))
    response = api_client.post(TOKEN_URL)
    assert response.status_code == 403
    assert "incidents.view_incident" in response.json()["detail"]
    assert not CalendarFeedToken.objects.exists()


@pytest.mark.django_db
def test_token_is_shown_once_stored_hashed_and_audited(api_client, viewer, settings):
    settings.BREACHDESK_BASE_URL = "https://breachdesk.example.org"
    api_client.force_authenticate(viewer)
    body = api_client.post(TOKEN_URL).json()
    assert set(body) == {"token", "feed_url", "created_at"}
    assert body["feed_url"] == f"https://breachdesk.example.org/api/v1/calendar/{body['token']}.ics"
    assert len(body["token"]) >= 40
    row = CalendarFeedToken.objects.get(user=viewer)
    assert body["token"] not in row.token_hash
    assert len(row.token_hash) == 64
    assert AuditEntry.objects.filter(action="calendar.token_created").count() == 1


@pytest.mark.django_db
def test_posting_again_rotates_the_secret(api_client, viewer, token):
    api_client.force_authenticate(viewer)
    new = api_client.post(TOKEN_URL).json()["token"]
    api_client.force_authenticate(None)
    assert new != token
    assert feed(api_client, token).status_code == 404
    assert feed(api_client, new).status_code == 200
    assert CalendarFeedToken.objects.filter(user=viewer).count() == 1
    assert AuditEntry.objects.filter(action="calendar.token_rotated").count() == 1


@pytest.mark.django_db
def test_delete_revokes_and_a_second_delete_is_404(api_client, viewer, token):
    api_client.force_authenticate(viewer)
    assert api_client.delete(TOKEN_URL).status_code == 204
    again = api_client.delete(TOKEN_URL)
    assert again.status_code == 404
    assert "calendar feed token" in again.json()["detail"]
    api_client.force_authenticate(None)
    assert feed(api_client, token).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["nope", "x" * 300, "%20"])
def test_wrong_tokens_are_404(api_client, token, bad):
    response = feed(api_client, bad)
    assert response.status_code == 404
    # Under /api/ every error is JSON in the error shape, the feed's too (issue 10, item 9).
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "code": "not_found",
        "detail": "Unknown calendar feed token (it may have been rotated).",
    }


@pytest.mark.django_db
def test_feed_has_one_event_per_open_dated_duty(api_client, token, duty):
    with time_machine.travel(duty.clock_started_at + timedelta(hours=2), tick=False):
        response = feed(api_client, token)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode("utf-8")
    assert "\r\n" in text
    assert "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    lines = unfold(text)
    dated = [o for o in duty.incident.obligations.open() if o.due_at or o.soft_due_at]
    assert lines.count("BEGIN:VEVENT") == len(dated) >= 1
    reference = duty.incident.reference
    assert f"UID:obligation-{duty.pk}@127.0.0.1" in lines
    assert f"DTSTART:{duty.due_at:%Y%m%dT%H%M%SZ}" in lines
    assert f"DTEND:{duty.due_at + timedelta(minutes=15):%Y%m%dT%H%M%SZ}" in lines
    summary = next(line for line in lines if line.startswith(f"SUMMARY:{reference}"))
    assert "supervisory authority" in summary
    assert duty.regime.replace(",", "\\,") in summary
    description = next(line for line in lines if line.startswith("DESCRIPTION:" + reference))
    assert duty.citation.replace(",", "\\,").replace(";", "\\;") in description
    assert f"/admin/incidents/incident/{duty.incident_id}/change/" in description
    assert "TRIGGER;RELATED=START:-PT24H" in lines
    assert "TRIGGER;RELATED=START:-PT1H" in lines
    assert feed(api_client, token).content.decode().count(f"UID:obligation-{duty.pk}@") == 1


@pytest.mark.django_db
def test_uid_is_stable_and_met_duties_leave_the_feed(api_client, token, duty, assignee):
    first = unfold(feed(api_client, token).content.decode())
    second = unfold(feed(api_client, token).content.decode())
    uids = [line for line in first if line.startswith("UID:")]
    assert uids == [line for line in second if line.startswith("UID:")]
    with time_machine.travel(duty.clock_started_at + timedelta(hours=3), tick=False):
        obligation_meet(
            obligation_id=duty.pk,
            actor=assignee,
            met_at=duty.clock_started_at + timedelta(hours=2),
            evidence=EVIDENCE,
        )
    after = feed(api_client, token).content.decode()
    assert f"UID:obligation-{duty.pk}@" not in after


@pytest.mark.django_db
def test_users_who_lose_the_view_permission_get_an_empty_calendar(api_client, viewer, token, duty):
    viewer.user_permissions.clear()
    response = feed(api_client, token)
    assert response.status_code == 200
    assert "BEGIN:VEVENT" not in response.content.decode()
    viewer.is_active = False
    viewer.save()
    assert feed(api_client, token).status_code == 404


@pytest.mark.django_db
def test_feed_ignores_session_logins_and_other_users_tokens(api_client, assignee, token, duty):
    api_client.force_login(assignee)  # a session is neither needed nor used
    assert feed(api_client, token).status_code == 200


@pytest.mark.django_db
def test_dismissed_and_archived_cases_leave_the_feed_and_come_back(
    api_client, token, duty, assignee
):
    uid = f"UID:obligation-{duty.pk}@"
    assert uid in feed(api_client, token).content.decode()
    at = duty.clock_started_at + timedelta(hours=1)
    incident_transition(
        incident_id=duty.incident_id, actor="test", to="dismissed", comment="No data", now=at
    )
    assert uid not in feed(api_client, token).content.decode()
    incident_transition(incident_id=duty.incident_id, actor="test", to="triage", now=at)
    assert uid in feed(api_client, token).content.decode()
    incident_set_archived(incident_id=duty.incident_id, actor="test", archived=True, now=at)
    assert uid not in feed(api_client, token).content.decode()
