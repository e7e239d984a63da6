"""A campaign sent after a duty's deadline: the DPO gives the reason for the delay when
starting it, and completion meets the duty late with it (status late, lateness frozen);
without a reason the duty stays open for a DPO, and the start's answer warns."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from incidents.models import AuditEntry, Obligation
from notifications.campaigns import services
from notifications.campaigns.completion import LATE, LATE_WITH_REASON
from notifications.models import Campaign
from tests.conftest import client_for, make_user
from tests.notifications.conftest import CONTENT, approved_notice
from tests.notifications.conftest import make_user as make_perm_user

pytestmark = pytest.mark.django_db
RULE = "us-ca-1798-82-individuals"
REASON = "Law enforcement asked us to wait (case 4711) until 2026-06-20."


@pytest.fixture
def dpo(db):
    return make_user("dpo", username="delay-dpo")


@pytest.fixture
def duty(ca_breach) -> Obligation:
    return ca_breach.obligations.get(rule_code=RULE)


@pytest.fixture
def draft(ca_breach, assignee, dpo) -> Campaign:
    """A draft on the approved notice for the one Californian the incident states."""
    notice = approved_notice(ca_breach, assignee, residents={"US-CA": 1})
    response = client_for(dpo).post(
        f"/api/v1/incidents/{ca_breach.pk}/campaigns/",
        {"name": "Notice", "channels": ["email"], "notice": notice.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    campaign_id = response.json()["id"]
    rows = [{"email": "ann@example.com", "name": "Ann", "region": "US-CA"}]
    imported = client_for(dpo).post(
        f"/api/v1/campaigns/{campaign_id}/recipients/", {"rows": rows}, format="json"
    )
    assert imported.status_code == 201, imported.content
    return Campaign.objects.get(pk=campaign_id)


def _start(user, campaign, capture, body=None):
    with capture(execute=True):
        return client_for(user).post(
            f"/api/v1/campaigns/{campaign.pk}/start/", body or {}, format="json"
        )


def _duty_out(user, duty) -> dict:
    rows = client_for(user).get(f"/api/v1/incidents/{duty.incident_id}/obligations/").json()
    return next(o for o in rows if o["id"] == duty.pk)


def _events(incident, kind) -> list[dict]:
    return [e.payload for e in incident.events.filter(kind=kind).order_by("pk")]


def test_started_after_the_deadline_without_a_reason_warns_and_leaves_the_duty_open(
    draft, duty, dpo, django_capture_on_commit_callbacks
):
    with time_machine.travel(duty.due_at + timedelta(days=2), tick=False):
        started = _start(dpo, draft, django_capture_on_commit_callbacks)
    assert started.status_code == 202, started.content
    body = started.json()
    assert body["status"] == "sending"  # the workers complete it after the answer
    assert body["delay_reason"] == ""
    detail = client_for(dpo).get(f"/api/v1/campaigns/{draft.pk}/").json()
    assert detail["status"] == "completed"
    assert "warnings" not in detail  # the start's answer only
    [warning] = body["warnings"]
    assert warning["code"] == "duty_overdue"
    assert (warning["obligation"], warning["rule"]) == (duty.pk, RULE)
    assert warning["due_at"] == duty.due_at.isoformat().replace("+00:00", "Z")
    assert "delay_reason" in warning["detail"]
    assert f"/api/v1/obligations/{duty.pk}/meet/" in warning["detail"]
    out = _duty_out(dpo, duty)
    assert (out["status"], out["late"], out["delay_reason"]) == ("pending", False, "")
    [completed] = _events(draft.incident, "notice_campaign_completed")
    [row] = completed["duties"]
    assert (row["met"], row["late"], row["reason"]) == (False, True, LATE)
    [started_event] = _events(draft.incident, "notice_campaign_started")
    assert started_event["overdue"] == [
        {"obligation": duty.pk, "rule": RULE, "due_at": warning["due_at"]}
    ]
    assert started_event["delay_reason"] == ""


def test_a_reason_given_at_the_start_meets_the_overdue_duty_late_with_it(
    draft, duty, dpo, django_capture_on_commit_callbacks
):
    sent_at = duty.due_at + timedelta(days=2, hours=3)
    with time_machine.travel(sent_at, tick=False):
        started = _start(
            dpo, draft, django_capture_on_commit_callbacks, {"delay_reason": f"  {REASON} "}
        )
    assert started.status_code == 202, started.content
    assert started.json()["warnings"] == []
    assert started.json()["delay_reason"] == REASON
    out = _duty_out(dpo, duty)
    assert out["status"] == "late"
    assert out["late"] is True
    assert out["delay_reason"] == REASON
    assert out["late_by_seconds"] == int((sent_at - duty.due_at).total_seconds())
    assert out["evidence"]["reference"] == f"notice campaign {draft.pk}"
    # Lateness is frozen when met: a week later it reads the same.
    with time_machine.travel(sent_at + timedelta(days=7), tick=False):
        assert _duty_out(dpo, duty)["late_by_seconds"] == out["late_by_seconds"]
    [met] = _events(draft.incident, "obligation_met")
    assert (met["obligation_id"], met["late"], met["delay_reason"]) == (duty.pk, True, REASON)
    assert met["late_by_seconds"] == out["late_by_seconds"]
    [completed] = _events(draft.incident, "notice_campaign_completed")
    [row] = completed["duties"]
    assert (row["met"], row["late"], row["reason"]) == (True, True, LATE_WITH_REASON)
    [started_event] = _events(draft.incident, "notice_campaign_started")
    assert started_event["delay_reason"] == REASON
    audited = AuditEntry.objects.filter(action="incident.notice_campaign_started").get()
    assert audited.data["delay_reason"] == REASON
    assert audited.actor == "user:delay-dpo"
    assert Campaign.objects.get(pk=draft.pk).delay_reason == REASON


def test_a_reason_given_on_time_applies_when_the_campaign_completes_after_the_deadline(
    draft, duty, dpo, django_capture_on_commit_callbacks
):
    """Started before the deadline (nothing overdue, no warning), sent after it: the reason
    given up front meets the duty late."""
    with time_machine.travel(duty.due_at - timedelta(hours=1), tick=False):
        started = client_for(dpo).post(  # on_commit not run: the workers are busy
            f"/api/v1/campaigns/{draft.pk}/start/", {"delay_reason": REASON}, format="json"
        )
    assert started.status_code == 202, started.content
    assert started.json()["warnings"] == []
    assert started.json()["status"] == "sending"
    assert _duty_out(dpo, duty)["status"] == "pending"
    later = duty.due_at + timedelta(hours=5)
    with time_machine.travel(later, tick=False):
        services.campaign_work(campaign_id=draft.pk)
    out = _duty_out(dpo, duty)
    assert (out["status"], out["delay_reason"]) == ("late", REASON)
    assert out["late_by_seconds"] == 5 * 3600


def test_a_reason_is_not_used_when_the_campaign_completes_on_time(
    draft, duty, dpo, django_capture_on_commit_callbacks
):
    with time_machine.travel(duty.due_at - timedelta(days=1), tick=False):
        started = _start(dpo, draft, django_capture_on_commit_callbacks, {"delay_reason": REASON})
    assert started.status_code == 202
    out = _duty_out(dpo, duty)
    assert (out["status"], out["late"], out["delay_reason"]) == ("met", False, "")


def test_a_blank_reason_is_no_reason(draft, duty, dpo, django_capture_on_commit_callbacks):
    with time_machine.travel(duty.due_at + timedelta(days=1), tick=False):
        started = _start(dpo, draft, django_capture_on_commit_callbacks, {"delay_reason": "   "})
    assert started.status_code == 202
    assert len(started.json()["warnings"]) == 1
    assert _duty_out(dpo, duty)["status"] == "pending"


def test_only_a_dpo_gives_the_reason_and_a_refusal_starts_nothing(draft, duty, db):
    sender = make_perm_user(
        "sender", perms=("notifications.send_campaign", "incidents.view_obligation")
    )
    with time_machine.travel(duty.due_at + timedelta(days=1), tick=False):
        refused = client_for(sender).post(
            f"/api/v1/campaigns/{draft.pk}/start/", {"delay_reason": REASON}, format="json"
        )
    assert refused.status_code == 403
    assert refused.json()["field"] == "delay_reason"
    draft.refresh_from_db()
    assert (draft.status, draft.delay_reason) == ("draft", "")


def test_a_campaign_of_its_own_content_takes_no_reason(ca_breach, dpo, duty):
    created = client_for(dpo).post(
        f"/api/v1/incidents/{ca_breach.pk}/campaigns/",
        {"name": "Own", "channels": ["email"], "content": CONTENT},
        format="json",
    )
    campaign_id = created.json()["id"]
    rows = [{"email": "ann@example.com", "region": "US-CA"}]
    client_for(dpo).post(f"/api/v1/campaigns/{campaign_id}/recipients/", {"rows": rows}, "json")
    with time_machine.travel(duty.due_at + timedelta(days=1), tick=False):
        refused = client_for(dpo).post(
            f"/api/v1/campaigns/{campaign_id}/start/", {"delay_reason": REASON}, format="json"
        )
        assert refused.status_code == 400
        assert refused.json()["field"] == "delay_reason"
        started = client_for(dpo).post(f"/api/v1/campaigns/{campaign_id}/start/")
    assert started.status_code == 202, started.content
    assert started.json()["warnings"] == []  # it meets no duty: nothing to warn about


def test_the_send_command_takes_the_reason_with_start(draft, duty):
    with time_machine.travel(duty.due_at + timedelta(days=1), tick=False):
        call_command(
            "campaign_send", str(draft.pk), "--start", "--delay-reason", REASON, stdout=StringIO()
        )
    duty.refresh_from_db()
    assert (duty.status, duty.delay_reason) == ("late", REASON)
    [started] = _events(draft.incident, "notice_campaign_started")
    assert started["delay_reason"] == REASON
