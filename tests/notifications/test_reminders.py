"""The reminder sweep: each ladder step exactly once, catch-up, overdue, crashes, providers."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django_q.models import Schedule
from django_q.tasks import async_task, result

from incidents.models import Incident, IncidentEvent, Obligation
from incidents.services.incidents import incident_create, incident_update
from incidents.services.lifecycle import incident_transition
from incidents.services.obligations import obligation_meet, obligation_waive
from incidents.services.parties import party_create
from notifications import selectors
from notifications.ladder import step_from_key
from notifications.models import (
    AttemptStatus,
    EscalationLadder,
    OnCallContact,
    OutboxMessage,
    ReminderAttempt,
)
from notifications.services import LEASE, reminder_claim, reminders_sweep
from notifications.services.deliver import Delivery, deliver_many, delivery_key
from notifications.tasks import deadline_reminders_sweep
from tests.conftest import EVIDENCE
from tests.notifications.conftest import AWARE_AT, TWILIO_SID, authority_duty

H = timedelta(hours=1)
LADDER = (48, 24, 12, 6, 1)


def sweep_at(moment):
    with time_machine.travel(moment, tick=False):
        return reminders_sweep()


def attempts(duty: Obligation):
    return ReminderAttempt.objects.filter(obligation=duty).order_by("step_at", "id")


def deliveries(attempt: ReminderAttempt):
    return OutboxMessage.objects.filter(reference=f"reminder-{attempt.pk}").order_by("id")


def reminder_events(duty: Obligation):
    return IncidentEvent.objects.filter(
        incident=duty.incident, kind="reminder_sent", payload__obligation_id=duty.pk
    ).order_by("id")


def sent_messages(duty: Obligation) -> int:
    """Messages that went out for the duty: one per lead attempt that was sent."""
    return attempts(duty).filter(status="sent", covered_by__isnull=True).count()


def test_default_ladders_are_seeded_as_policy(db):
    ladder = EscalationLadder.objects.get(audience="supervisory_authority")
    assert ladder.offsets_hours == [48, 24, 12, 6, 1]
    assert ladder.overdue_every_hours == 6
    assert "GDPR Art. 33" in ladder.policy_note
    assert set(EscalationLadder.objects.values_list("audience", flat=True)) == {
        "supervisory_authority",
        "other_regulator",
        "controller",
        "individuals",
        "media",
        "internal_assessment",
        "*",
    }


# --- the ladder, step by step ----------------------------------------------------------------


@pytest.mark.django_db
def test_each_step_of_the_48_24_12_6_1_ladder_fires_exactly_once(duty):
    due = duty.due_at
    assert sweep_at(duty.clock_started_at + H).sent == 0
    for hours in LADDER:
        step_at = due - hours * H
        sweep_at(step_at - timedelta(seconds=1))
        assert sent_messages(duty) == LADDER.index(hours)  # nothing early
        sweep_at(step_at)
        sweep_at(step_at)  # the same minute again, e.g. a duplicated schedule run
        sweep_at(step_at + timedelta(seconds=59))
        assert sent_messages(duty) == LADDER.index(hours) + 1

    rows = list(attempts(duty))
    assert [r.step_key for r in rows] == [f"remaining-{h}h" for h in LADDER]
    assert {r.status for r in rows} == {"sent"}
    assert [r.lateness_seconds for r in rows] == [0.0] * 5
    assert all(r.due_at == due and r.tries == 1 for r in rows)
    for row in rows:
        assert [(d.channel, d.to) for d in deliveries(row)] == [
            ("email", "alice@example.test"),
            ("email", "dora.dpo@example.test"),
            ("sms", "+4930901820"),
        ]
        assert [r["provider"] for r in row.results] == ["outbox"] * 3
    events = list(reminder_events(duty))
    assert [e.payload["steps"] for e in events] == [[f"remaining-{h}h"] for h in LADDER]
    assert all(e.actor_label == "system" and not e.payload["catch_up"] for e in events)
    assert events[0].payload["lateness_seconds"] == {"remaining-48h": 0.0}


@pytest.mark.django_db
def test_reminder_text_names_the_duty_due_time_and_link(duty, settings):
    settings.BREACHDESK_BASE_URL = "https://breachdesk.example.org/"
    sweep_at(duty.due_at - 48 * H)
    sweep_at(duty.due_at - 24 * H + timedelta(seconds=90))  # 90 s late
    attempt = attempts(duty).get(step_key="remaining-24h")
    email = deliveries(attempt).filter(to="dora.dpo@example.test").get()
    incident = duty.incident
    assert email.subject == (
        f"[BreachDesk] {incident.reference}: supervisory authority notice due in 23 h 58 min "
        f"({duty.regime})"
    )
    body = email.body
    assert "Laptop stolen & unencrypted" in body  # plain text: no HTML escaping
    assert incident.reference in body
    assert duty.citation in body
    assert duty.recipient in body
    assert f"Due:        {duty.due_at:%Y-%m-%d %H:%M} UTC" in body
    assert "Time left:  23 h 58 min" in body
    assert "Step:       24 h before the deadline" in body
    assert f"https://breachdesk.example.org/admin/incidents/incident/{incident.pk}/change/" in body
    assert "Catch-up" not in body
    sms = deliveries(attempt).get(channel="sms")
    assert len(sms.body) <= 320
    assert sms.subject == ""
    assert incident.reference in sms.body
    assert "due in 23 h 58 min" in sms.body


@pytest.mark.django_db
def test_a_late_sweep_sends_one_catch_up_message_naming_the_missed_steps(duty):
    moment = duty.due_at - 5 * H  # the worker was down from before 48 h until 5 h left
    report = sweep_at(moment)

    rows = {r.step_key: r for r in attempts(duty)}
    assert list(rows) == ["remaining-48h", "remaining-24h", "remaining-12h", "remaining-6h"]
    lead = rows["remaining-6h"]
    assert lead.status == "sent"
    assert lead.covered_by is None
    for key in ("remaining-48h", "remaining-24h", "remaining-12h"):
        assert rows[key].status == "covered"
        assert rows[key].covered_by == lead
    assert rows["remaining-48h"].lateness_seconds == 43 * 3600
    assert lead.lateness_seconds == 3600
    assert report.lateness_seconds == [3600.0]

    messages = list(deliveries(lead))
    assert len(messages) == 3  # one message per recipient, not one per missed step
    assert OutboxMessage.objects.filter(reference__startswith="reminder-").count() == 3
    body = messages[0].body
    assert "Catch-up: this one message replaces reminders that were due but not sent" in body
    assert "48 h before the deadline, 24 h before the deadline, 12 h before the deadline" in body
    assert "Step:       6 h before the deadline" in body
    assert "Catch-up for 3 missed reminder(s)" in messages[2].body  # the SMS

    [event] = reminder_events(duty)
    assert event.payload["steps"] == [
        "remaining-48h",
        "remaining-24h",
        "remaining-12h",
        "remaining-6h",
    ]
    assert event.payload["catch_up"] is True
    assert event.payload["missed_steps"] == ["remaining-48h", "remaining-24h", "remaining-12h"]
    assert event.payload["lateness_seconds"] == {
        "remaining-48h": 154800.0,
        "remaining-24h": 68400.0,
        "remaining-12h": 25200.0,
        "remaining-6h": 3600.0,
    }
    assert [r["to"] for r in event.payload["recipients"]] == [
        "alice@example.test",
        "dora.dpo@example.test",
        "+4930901820",
    ]

    # The covered steps are done: the next steps arrive on time, one by one.
    sweep_at(moment + timedelta(minutes=1))
    assert sent_messages(duty) == 1
    sweep_at(duty.due_at - H)
    assert list(attempts(duty).values_list("step_key", flat=True))[-1] == "remaining-1h"
    assert sent_messages(duty) == 2


@pytest.mark.django_db
def test_overdue_every_six_hours_and_missed_recorded_once(duty):
    due = duty.due_at
    for hours in LADDER:
        sweep_at(due - hours * H)
    sweep_at(due)  # at the deadline itself: not missed yet (met_at == due_at is on time)
    assert attempts(duty).filter(step_key="overdue-0h", status="sent").exists()
    duty.refresh_from_db()
    assert duty.missed_recorded_at is None

    for moment in (
        due + timedelta(seconds=1),
        due + 1 * H,
        due + 6 * H,
        due + 6 * H,
        due + 11 * H,
        due + 12 * H,
        due + 12 * H + timedelta(minutes=3),
    ):
        sweep_at(moment)

    keys = list(attempts(duty).values_list("step_key", flat=True))
    assert keys == [*(f"remaining-{h}h" for h in LADDER), "overdue-0h", "overdue-6h", "overdue-12h"]
    assert sent_messages(duty) == 8
    missed = IncidentEvent.objects.filter(incident=duty.incident, kind="obligation_missed")
    [event] = missed
    assert event.payload["obligation_id"] == duty.pk
    assert event.payload["due_at"] == due.isoformat().replace("+00:00", "Z")
    assert event.occurred_at == due + timedelta(seconds=1)
    duty.refresh_from_db()
    assert duty.missed_recorded_at == due + timedelta(seconds=1)
    overdue = deliveries(attempts(duty).get(step_key="overdue-6h")).first()
    assert "OVERDUE by 6 h 0 min" in overdue.subject
    assert "Record the notice" in overdue.body


@pytest.mark.django_db
def test_met_and_waived_obligations_get_no_reminders_and_are_never_missed(duty, assignee):
    with time_machine.travel(duty.due_at - 50 * H, tick=False):
        obligation_meet(
            obligation_id=duty.pk,
            actor=assignee,
            met_at=duty.due_at - 50 * H,
            evidence=EVIDENCE,
        )
    for moment in (duty.due_at - 24 * H, duty.due_at + 7 * H):
        sweep_at(moment)
    assert not attempts(duty).exists()
    assert not IncidentEvent.objects.filter(
        kind__in=["reminder_sent", "obligation_missed"], payload__obligation_id=duty.pk
    ).exists()


@pytest.mark.django_db
def test_a_duty_met_between_claim_and_crash_recovery_is_cancelled(duty, assignee):
    step_at = duty.due_at - 24 * H
    claim = reminder_claim(
        obligation_id=duty.pk,
        due_at=duty.due_at,
        steps=[step_from_key("remaining-24h", step_at)],
        now=step_at,
    )
    assert claim is not None  # ... and the worker dies before sending
    obligation_waive(
        obligation_id=duty.pk, actor=assignee, justification="Filed on paper.", now=step_at + H
    )
    report = sweep_at(step_at + LEASE + timedelta(seconds=1))
    attempt = attempts(duty).get()
    assert attempt.status == "cancelled"
    assert "waived" in attempt.error
    assert report.cancelled == 1
    assert not deliveries(attempt).exists()


@pytest.mark.django_db
def test_when_the_deadline_moves_the_ladder_restarts_from_the_new_deadline(duty, assignee):
    old_due = duty.due_at
    sweep_at(old_due - 48 * H)
    with time_machine.travel(old_due - 47 * H, tick=False):
        incident_update(
            incident_id=duty.incident_id,
            actor=assignee,
            changes={"aware_at": duty.clock_started_at + 10 * H},
            aware_at_reason="Awareness was confirmed later by forensics.",
        )
    duty.refresh_from_db()
    assert duty.due_at == old_due + 10 * H
    sweep_at(old_due - 40 * H)
    assert attempts(duty).count() == 1  # no double 48 h reminder for the new deadline yet
    sweep_at(duty.due_at - 48 * H)
    assert list(attempts(duty).values_list("step_key", "due_at")) == [
        ("remaining-48h", old_due),
        ("remaining-48h", duty.due_at),
    ]


# --- crash after claim ---------------------------------------------------------------------------


def claim_24h_left(duty: Obligation):
    """The 48-hours-left step is sent; a worker commits its claim of the 24-hours-left step."""
    sweep_at(duty.due_at - 48 * H)
    step_at = duty.due_at - 24 * H
    claim = reminder_claim(
        obligation_id=duty.pk,
        due_at=duty.due_at,
        steps=[step_from_key("remaining-24h", step_at)],
        now=step_at,
    )
    return claim, step_at


@pytest.mark.django_db
def test_a_claim_without_send_is_completed_by_a_later_sweep_after_the_lease_once(duty):
    # A worker commits its claim and crashes before calling any provider.
    claim, step_at = claim_24h_left(duty)
    assert claim is not None
    crashed = attempts(duty).get(step_key="remaining-24h")
    assert crashed.status == "claimed"
    assert crashed.lease_until == step_at + LEASE

    for moment in (step_at, step_at + timedelta(minutes=1), step_at + LEASE):
        sweep_at(moment)  # lease still held: nobody else may send it
    assert not deliveries(crashed).exists()

    report = sweep_at(step_at + LEASE + timedelta(seconds=1))
    assert report.retried == 1
    crashed.refresh_from_db()
    assert (crashed.status, crashed.tries) == ("sent", 2)
    assert crashed.lateness_seconds == LEASE.total_seconds() + 1
    assert deliveries(crashed).count() == 3
    [event] = reminder_events(duty).filter(payload__steps=["remaining-24h"])
    assert event.payload["tries"] == 2

    for moment in (step_at + 2 * LEASE, step_at + 3 * H):
        sweep_at(moment)
    assert deliveries(crashed).count() == 3  # completed once, never again
    assert attempts(duty).filter(step_key="remaining-24h").count() == 1


@pytest.mark.django_db
def test_a_worker_that_died_after_reaching_one_recipient_is_retried_for_the_others_only(duty):
    """The worker claimed the step, messaged the first recipient and died (kill -9, or its
    database failed) before recording anything: the retry after the lease messages the
    recipients it had not reached, not the first one again (it used to resend to all)."""
    claim, step_at = claim_24h_left(duty)
    first = selectors.reminder_recipients(duty.incident)[0]
    (reached,) = deliver_many(
        [
            Delivery(
                recipient=first,
                subject="Reminder",
                body="24 h left",
                sms="24 h left",
                key=delivery_key(f"reminder-{claim.lead_id}", 1, first),
                reference=f"reminder-{claim.lead_id}",
                incident_id=duty.incident_id,
                attempts=(claim.lead_id,),  # as the sweep links a message to its attempts
            )
        ]
    )
    assert reached["accepted"]

    report = sweep_at(step_at + LEASE + timedelta(seconds=1))
    assert (report.retried, report.sent) == (1, 1)
    lead = attempts(duty).get(step_key="remaining-24h")
    assert (lead.status, lead.tries) == ("sent", 2)
    sent = deliveries(lead)
    assert sent.count() == 3  # one per recipient: the first one is not messaged twice
    assert sent.values("to", "channel").distinct().count() == 3
    [again] = [r for r in lead.results if r["to"] == first.address]
    assert again["message_id"] == reached["message_id"]  # the first try's message, as proof


@pytest.mark.django_db
def test_a_second_claim_of_the_same_step_loses_on_the_unique_constraint(duty):
    step = step_from_key("remaining-48h", duty.due_at - 48 * H)
    first = reminder_claim(obligation_id=duty.pk, due_at=duty.due_at, steps=[step], now=step.at)
    second = reminder_claim(obligation_id=duty.pk, due_at=duty.due_at, steps=[step], now=step.at)
    assert first is not None
    assert second is None
    assert attempts(duty).count() == 1


# --- providers and failures ----------------------------------------------------------------------


@pytest.mark.django_db
def test_reminders_go_through_sendgrid_and_twilio_with_provider_ids(duty, sendgrid, twilio):
    OnCallContact.objects.create(
        name="Oscar On-call",
        email="oscar@example.test",
        phone="+4915112345678",
        channels=["email", "sms"],
    )
    OnCallContact.objects.create(
        name="Inactive", email="gone@example.test", channels=["email"], active=False
    )
    sweep_at(duty.due_at - 48 * H)

    attempt = attempts(duty).get()
    assert [
        p["personalizations"][0]["to"][0]["email"] for p in (r.json() for r in sendgrid.received)
    ] == ["alice@example.test", "dora.dpo@example.test", "oscar@example.test"]
    assert all(
        r.json()["personalizations"][0]["custom_args"]["breachdesk_ref"] == f"reminder-{attempt.pk}"
        for r in sendgrid.received
    )
    assert [r.form()["To"] for r in twilio.received] == ["+4930901820", "+4915112345678"]
    assert all(
        r.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json" for r in twilio.received
    )
    assert [(r["channel"], r["to"], r["provider"]) for r in attempt.results] == [
        ("email", "alice@example.test", "sendgrid"),
        ("email", "dora.dpo@example.test", "sendgrid"),
        ("sms", "+4930901820", "twilio"),
        ("email", "oscar@example.test", "sendgrid"),
        ("sms", "+4915112345678", "twilio"),
    ]
    ids = [r["provider_message_id"] for r in attempt.results]
    assert [ids[0], ids[1], ids[3]] == ["sg-msg-0001", "sg-msg-0002", "sg-msg-0003"]
    assert ids[2].startswith("SM")
    assert ids[4].startswith("SM")
    assert ids[2] != ids[4]
    log = OutboxMessage.objects.filter(reference=f"reminder-{attempt.pk}")
    assert sorted(log.values_list("provider", "provider_message_id")) == sorted(
        (r["provider"], r["provider_message_id"]) for r in attempt.results
    )
    [event] = reminder_events(duty)
    assert [d["provider_message_id"] for d in event.payload["deliveries"]] == ids


@pytest.mark.django_db
def test_retryable_provider_failure_is_retried_after_the_lease(duty, organization, sendgrid):
    organization.dpo_phone = ""
    organization.save()
    sendgrid.reply_next(503, sendgrid.error(503, "try later"))
    sendgrid.reply_next(503, sendgrid.error(503, "try later"))
    step_at = duty.due_at - 48 * H

    report = sweep_at(step_at)
    attempt = attempts(duty).get()
    assert report.retry_later == 1
    assert attempt.status == "claimed"
    assert "try later" in attempt.error
    assert not reminder_events(duty).exists()

    sweep_at(step_at + LEASE + timedelta(seconds=1))
    attempt.refresh_from_db()
    assert (attempt.status, attempt.tries) == ("sent", 2)
    assert [r["accepted"] for r in attempt.results] == [True, True]
    assert len(sendgrid.received) == 4
    assert reminder_events(duty).count() == 1


@pytest.mark.django_db
def test_a_recipient_refused_for_now_is_retried_alone_and_the_others_are_not_messaged_twice(
    duty, organization, sendgrid
):
    organization.dpo_phone = ""
    organization.save()
    sendgrid.reply_next(429, sendgrid.error(429, "too many requests"))  # the first recipient
    step_at = duty.due_at - 48 * H

    sweep_at(step_at)
    attempt = attempts(duty).get()
    assert attempt.status == "claimed"
    assert [r["accepted"] for r in attempt.results] == [False, True]
    assert "too many requests" in attempt.error
    assert not reminder_events(duty).exists()

    sweep_at(step_at + LEASE + timedelta(seconds=1))
    attempt.refresh_from_db()
    assert (attempt.status, attempt.tries) == ("sent", 2)
    assert [r["accepted"] for r in attempt.results] == [True, True]
    addressed = [r.json()["personalizations"][0]["to"][0]["email"] for r in sendgrid.received]
    refused, reached = addressed[0], addressed[1]
    assert addressed == [refused, reached, refused]  # the retry asked for the refused one only
    assert reminder_events(duty).count() == 1

    sweep_at(step_at + 2 * LEASE + timedelta(seconds=2))
    assert len(sendgrid.received) == 3


@pytest.mark.django_db
def test_permanent_failures_and_missing_recipients_mark_the_attempt_failed(
    duty, organization, sendgrid
):
    organization.dpo_phone = ""
    organization.save()
    sendgrid.reply_next(400, sendgrid.error(400, "bad address", "personalizations.0.to"))
    sendgrid.reply_next(401, sendgrid.error(401, "bad key"))
    sweep_at(duty.due_at - 48 * H)
    attempt = attempts(duty).get()
    assert attempt.status == "failed"
    assert "bad address" in attempt.error
    assert "bad key" in attempt.error

    Incident.objects.filter(pk=duty.incident_id).update(assignee=None)
    organization.dpo_email = ""
    organization.save()
    sweep_at(duty.due_at - 24 * H)
    lonely = attempts(duty).get(step_key="remaining-24h")
    assert lonely.status == "failed"
    assert "no recipients" in lonely.error
    assert not reminder_events(duty).exists()


@pytest.mark.django_db
def test_guidance_targets_are_reminded_like_deadlines_but_never_missed(duty):
    target = duty.due_at
    Obligation.objects.filter(pk=duty.pk).update(due_at=None, soft_due_at=target)
    sweep_at(target - 48 * H)
    sweep_at(target + 1 * H)
    keys = list(attempts(duty).values_list("step_key", flat=True))
    assert keys[0] == "remaining-48h"
    assert keys[-1] == "overdue-0h"
    email = deliveries(attempts(duty).first()).first()
    assert "guidance target (not a hard legal limit)" in email.body
    assert not IncidentEvent.objects.filter(kind="obligation_missed").exists()


@pytest.mark.django_db
def test_an_inactive_ladder_silences_its_audience(duty):
    EscalationLadder.objects.filter(audience="supervisory_authority").update(active=False)
    sweep_at(duty.due_at - H)
    assert not attempts(duty).exists()


@pytest.mark.django_db
def test_closed_incidents_get_no_reminders(duty, assignee):
    Incident.objects.filter(pk=duty.incident_id).update(status="closed")
    sweep_at(duty.due_at - H)
    assert not attempts(duty).exists()


# --- contacts, task, schedule --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"phone": "030 901820", "channels": ["sms"]}, "phone"),
        ({"phone": "+49 30 901820", "channels": ["sms"]}, "phone"),  # store canonical E.164
        ({"phone": "+4912", "channels": ["sms"]}, "phone"),
        ({"channels": ["sms"]}, "phone"),
        ({"channels": ["email"]}, "email"),
        ({"email": "a@example.test", "channels": ["pager"]}, "channels"),
        ({"email": "a@example.test", "channels": []}, "channels"),
    ],
)
def test_on_call_contacts_are_validated(fields, error_field):
    contact = OnCallContact(name="X", **fields)
    with pytest.raises(ValidationError) as caught:
        contact.full_clean()
    assert error_field in caught.value.message_dict


@pytest.mark.django_db
def test_valid_on_call_contact():
    OnCallContact(
        name="Y", email="y@example.test", phone="+4930901820", channels=["email", "sms"]
    ).full_clean()


@pytest.mark.django_db
def test_ladder_rows_are_validated():
    with pytest.raises(ValidationError) as caught:
        EscalationLadder(audience="press", offsets_hours=[24, -1]).full_clean()
    assert set(caught.value.message_dict) == {"audience", "offsets_hours"}


@pytest.mark.django_db
def test_the_task_runs_the_sweep(duty):
    with time_machine.travel(duty.due_at - 48 * H, tick=False):
        summary = deadline_reminders_sweep()
        assert summary["claimed"] >= 1
        assert summary["sent"] >= 1
        task_id = async_task("notifications.tasks.deadline_reminders_sweep")  # sync in tests
        assert result(task_id)["sent"] == 0
    assert sent_messages(duty) == 1


@pytest.mark.django_db
def test_ensure_schedules_is_idempotent_by_name(capsys):
    call_command("ensure_schedules")
    call_command("ensure_schedules")
    [schedule] = Schedule.objects.filter(name="deadline-reminders-sweep")
    assert (schedule.func, schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        "notifications.tasks.deadline_reminders_sweep",
        Schedule.MINUTES,
        1,
        -1,
    )
    Schedule.objects.filter(pk=schedule.pk).update(minutes=30, func="old.path")
    call_command("ensure_schedules")
    schedule.refresh_from_db()
    assert (schedule.minutes, schedule.func) == (1, "notifications.tasks.deadline_reminders_sweep")
    assert set(Schedule.objects.values_list("name", flat=True)) == {
        "deadline-reminders-sweep",
        "intake-idempotency-prune",
        "intake-payload-purge",
        "outbound-sweep",
        "database-optimize",
    }
    [prune] = Schedule.objects.filter(name="intake-idempotency-prune")
    assert (prune.func, prune.minutes) == ("incidents.intake.services.idempotency_prune", 60)
    assert "every 1 minute" in capsys.readouterr().out


@pytest.mark.django_db
def test_fixture_duty_is_the_gdpr_authority_clock(breach):
    assert authority_duty(breach).audience == "supervisory_authority"
    assert AttemptStatus.CLAIMED == "claimed"


@pytest.mark.django_db
def test_a_long_outage_is_summarised_not_listed_step_by_step(duty):
    sweep_at(duty.due_at + 10 * 24 * H + timedelta(minutes=1))  # first sweep 10 days late
    rows = attempts(duty)
    # The five "remaining" steps and ONE overdue step (the latest), not one per 6 hours.
    assert rows.count() == 5 + 1
    lead = rows.get(covered_by__isnull=True)
    assert lead.step_key == "overdue-240h"
    body = deliveries(lead).first().body
    assert "the deadline passed 10 d 0 h 1 min ago" in body
    assert len(body) < 3000


@pytest.mark.django_db
def test_a_crash_while_rendering_is_isolated_and_retried_after_the_lease(duty, settings, caplog):
    templates = settings.TEMPLATES
    settings.TEMPLATES = [{**templates[0], "DIRS": [], "APP_DIRS": False}]
    step_at = duty.due_at - 48 * H
    report = sweep_at(step_at)
    assert report.errors == 1
    assert "crashed; retried after the lease" in caplog.text
    attempt = attempts(duty).get()
    assert attempt.status == "claimed"
    assert not deliveries(attempt).exists()

    settings.TEMPLATES = templates
    sweep_at(step_at + LEASE + timedelta(seconds=1))
    attempt.refresh_from_db()
    assert (attempt.status, attempt.tries) == ("sent", 2)
    assert deliveries(attempt).count() == 3


@pytest.mark.django_db
def test_reminders_say_which_kind_of_deadline_they_are_about(organization, assignee):
    """A customer's contract clock and the Art. 33(2) duty worked against the internal target
    (the law gives no period) are both reminded, each naming its kind of deadline."""
    customer = party_create(
        actor=assignee,
        data={"kind": "customer", "name": "Kunde AG", "notice_hours": 36},
        now=AWARE_AT,
    )
    incident = incident_create(
        actor=assignee,
        data={
            "title": "Customer data exposed",
            "role": "processor",
            "controllers": [customer],
            "aware_at": AWARE_AT,
            "countries": ["DE"],
            "assignee": assignee,
        },
        now=AWARE_AT + timedelta(minutes=5),
    )
    contract = incident.obligations.get(rule_code="contract-notice")
    art33_2 = incident.obligations.get(rule_code="eu-gdpr-33-2-processor")
    assert contract.due_at == AWARE_AT + 36 * H
    assert art33_2.due_at is None
    assert art33_2.soft_due_at == AWARE_AT + 24 * H  # the default target towards a controller
    sweep_at(AWARE_AT + 13 * H)
    contract_mail = deliveries(attempts(contract).get(step_key="remaining-24h")).first()
    assert "contractual deadline (data-processing agreement)" in contract_mail.body
    target_mail = deliveries(attempts(art33_2).get(step_key="remaining-12h")).first()
    assert "internal target (the law sets no fixed period)" in target_mail.body
    assert "contractual" not in target_mail.body


@pytest.mark.django_db
def test_dismissed_cases_get_no_reminders_and_no_misses_until_restored(duty):
    at = duty.due_at - 50 * H
    incident_transition(
        incident_id=duty.incident_id, actor="test", to="dismissed", comment="Test", now=at
    )
    sweep_at(duty.due_at - 24 * H)
    sweep_at(duty.due_at + 1 * H)
    assert not attempts(duty).exists()
    assert not IncidentEvent.objects.filter(kind="obligation_missed").exists()
    incident_transition(incident_id=duty.incident_id, actor="test", to="triage", now=at)
    sweep_at(duty.due_at + 2 * H)
    assert attempts(duty).filter(status="sent").exists()  # the clock is back: catch-up sent
    assert IncidentEvent.objects.filter(
        kind="obligation_missed", payload__obligation_id=duty.pk
    ).exists()
