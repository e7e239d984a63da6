"""A recipient due many reminders in one sweep gets ONE digest listing them all."""

import io
import time
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command

from incidents.models import IncidentEvent
from notifications import selectors
from notifications.ladder import due_steps
from notifications.models import OutboundMessage, OutboxMessage, ReminderAttempt, ReminderDelivery
from notifications.services import LEASE, ClaimRequest, reminder_claim_many, reminders_sweep
from notifications.services.reminder_messages import Due, reminders_deliver
from tests.notifications.conftest import authority_duty, copies

H = timedelta(hours=1)
DPO_EMAIL, DPO_PHONE = "dora.dpo@example.test", "+4930901820"


def sweep_at(moment):
    with time_machine.travel(moment, tick=False):
        return reminders_sweep()


def to(address: str):
    return OutboxMessage.objects.filter(to=address).order_by("id")


@pytest.mark.django_db
def test_the_dpo_gets_one_email_and_one_sms_listing_every_due_duty(breach):
    duty = authority_duty(breach)
    others = copies(duty, 3, own_assignee=True)  # 4 duties: the DPO is due 4 reminders
    report = sweep_at(duty.due_at - 12 * H)  # each duty's 48 h, 24 h and 12 h steps at once
    assert (report.claimed, report.sent, report.errors) == (4, 4, 0)

    [email] = to(DPO_EMAIL)
    [sms] = to(DPO_PHONE)
    references = [breach.reference, *(o.incident.reference for o in others)]
    assert "4 notification deadlines" in email.subject
    for reference in references:
        assert reference in email.body
    assert "supervisory authority" in email.body
    assert "4 notification deadlines" in sms.body
    assert len(sms.body) <= 1600
    # Every incident's own assignee gets the usual reminder of their duty alone.
    for obligation in [duty, *others]:
        assignee = obligation.incident.assignee
        [own] = to(assignee.email)
        assert obligation.incident.reference in own.body
        assert "Catch-up" in own.body
    assert OutboxMessage.objects.count() == 2 + 4

    # Each attempt's evidence points at the digest that carried it, and at its own e-mail.
    digest_ids = set(
        OutboundMessage.objects.filter(purpose="reminder_digest").values_list("pk", flat=True)
    )
    assert len(digest_ids) == 2
    leads = ReminderAttempt.objects.filter(status="sent", covered_by__isnull=True)
    assert leads.count() == 4
    for lead in leads:
        dpo = [r for r in lead.results if r["role"] == "dpo"]
        assert {r["message_id"] for r in dpo} == digest_ids
        assert all(r["digest"] and r["accepted"] for r in dpo)
        linked = set(
            ReminderDelivery.objects.filter(attempt=lead).values_list("message", flat=True)
        )
        assert linked == {r["message_id"] for r in lead.results}
    # Timeline: still one event per reminder, on its own incident.
    assert IncidentEvent.objects.filter(kind="reminder_sent").count() == 4


@pytest.mark.django_db
def test_below_the_digest_minimum_each_reminder_is_its_own_message(breach, settings):
    settings.NOTIFICATIONS_REMINDER_DIGEST_MIN = 3
    duty = authority_duty(breach)
    copies(duty, 1)  # 2 duties, the same assignee: 2 each, below the minimum
    sweep_at(duty.due_at - 12 * H)
    assert to(DPO_EMAIL).count() == 2
    assert to(DPO_PHONE).count() == 2
    assert to(breach.assignee.email).count() == 2
    assert not OutboundMessage.objects.filter(purpose="reminder_digest").exists()


@pytest.mark.django_db
def test_a_retry_after_a_crash_does_not_send_a_digest_again_that_reached_its_recipient(breach):
    """A worker claimed 4 reminders, sent their messages (digests for the shared assignee
    and the DPO) and died before recording anything: after the lease each reminder is
    retried on its own, and nobody is messaged again; the evidence is the digest."""
    duty = authority_duty(breach)
    copies(duty, 3)
    moment = duty.due_at - 12 * H
    ladders = selectors.ladders_current()
    obligations = list(selectors.obligations_for_reminders(now=moment, ladders=ladders))
    requests = [
        ClaimRequest(
            obligation_id=o.pk,
            due_at=o.due_at,
            steps=due_steps(
                ladders.policy_for(o.audience),
                clock_started_at=o.clock_started_at,
                due_at=o.due_at,
                now=moment,
            ),
        )
        for o in obligations
    ]
    claims = reminder_claim_many(requests, now=moment)
    by_id = {o.pk: o for o in obligations}
    with time_machine.travel(moment, tick=False):
        sent = reminders_deliver(
            [Due(claim=c, obligation=by_id[c.obligation_id]) for c in claims],
            shared=None,
            now=moment,
        )
    assert OutboxMessage.objects.count() == 3  # one digest each: assignee, DPO e-mail and SMS
    assert all(r["accepted"] for _, results in sent.values() for r in results)
    # ... and the worker died here.

    report = sweep_at(moment + LEASE + timedelta(seconds=1))
    assert (report.retried, report.sent, report.errors) == (4, 4, 0)
    assert OutboxMessage.objects.count() == 3  # nobody messaged twice
    digests = set(OutboundMessage.objects.values_list("pk", flat=True))
    for lead in ReminderAttempt.objects.filter(covered_by__isnull=True):
        assert (lead.status, lead.tries) == ("sent", 2)
        assert {r["message_id"] for r in lead.results} == digests


@pytest.mark.django_db
def test_an_unknown_digest_lists_every_duty_it_carried(breach, sendgrid, settings):
    """SendGrid took the digest but its answer was lost: the unknown message names all the
    duties it was about (through its links to the reminder attempts, not its reference)."""
    settings.NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS = 0.2
    slow = sendgrid.default_reply
    sendgrid.default_reply = lambda received: (time.sleep(0.5), slow(received))[1]
    duty = authority_duty(breach)
    others = copies(duty, 2)
    sweep_at(duty.due_at - 12 * H)
    unknown = selectors.outbound_unknown_with_duties(now=duty.due_at)
    assert {row.message.purpose for row in unknown} == {"reminder_digest"}
    assert len(unknown) == 2  # the assignee's and the DPO's e-mail digests
    for row in unknown:
        assert {o.pk for o in row.obligations} == {duty.pk, *(o.pk for o in others)}
    out = io.StringIO()
    call_command("messages_unknown", stdout=out)
    assert out.getvalue().count(f"duty {duty.rule_code}, {duty.rule_code}, {duty.rule_code}") == 2
