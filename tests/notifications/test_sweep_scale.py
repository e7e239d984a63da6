"""The sweep stays bounded whatever the data (issue 10 item 4, issue 15 "scale defects")."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Incident, Obligation
from notifications import selectors
from notifications.models import OutboxMessage, ReminderAttempt
from notifications.services import reminders_sweep
from tests.notifications.conftest import authority_duty

H = timedelta(hours=1)
RECIPIENTS = 3  # the assignee, the DPO by e-mail and by SMS (fixtures)


def copies(duty: Obligation, count: int) -> list[Obligation]:
    """`count` more incidents, each with the same running authority duty as `duty` (the only
    duty left on the template incident, so the counts below are exact)."""
    Obligation.objects.filter(incident=duty.incident).exclude(pk=duty.pk).delete()
    template = duty.incident
    incidents = []
    for number in range(count):
        clone = Incident.objects.get(pk=template.pk)
        clone.pk = None
        clone.reference = f"BD-T-{number:05d}"
        incidents.append(clone)
    Incident.objects.bulk_create(incidents)
    obligations = []
    for incident in incidents:
        twin = Obligation.objects.get(pk=duty.pk)
        twin.pk, twin.incident = None, incident
        obligations.append(twin)
    return Obligation.objects.bulk_create(obligations)


def sweep(moment, *, queries: list | None = None):
    with time_machine.travel(moment, tick=False), CaptureQueriesContext(connection) as ctx:
        report = reminders_sweep()
    if queries is not None:
        queries.append(len(ctx.captured_queries))
    return report


@pytest.mark.django_db
@pytest.mark.parametrize("extra", [9, 149])
def test_catch_up_queries_do_not_grow_with_the_number_of_reminders(
    breach, extra, django_assert_max_num_queries
):
    duty = authority_duty(breach)
    copies(duty, extra)
    due_now = duty.due_at - 12 * H  # the 48 h, 24 h and 12 h steps at once: a catch-up
    messages = (extra + 1) * RECIPIENTS
    # The sweep's own work (claims, outcomes, timeline, audit) is a fixed number of queries
    # whatever the number of reminders (up to a batch of 500; SQLite's 999-parameter limit
    # splits a bulk INSERT every ~90 rows, PostgreSQL does not); it used to be ~20 per
    # reminder. Each message then costs the outbound layer (notifications/outbound.py) its
    # own per-message bookkeeping (about 10 queries, savepoints included).
    with (
        time_machine.travel(due_now, tick=False),
        django_assert_max_num_queries(40 + 12 * messages),
        CaptureQueriesContext(connection) as ctx,
    ):
        report = reminders_sweep()
    own = [
        q["sql"]
        for q in ctx.captured_queries
        if "notifications_outboundmessage" not in q["sql"]
        and "notifications_outboxmessage" not in q["sql"]
        and "SAVEPOINT" not in q["sql"]
    ]
    assert len(own) <= 40, len(own)
    assert (report.claimed, report.sent, report.errors) == (extra + 1, extra + 1, 0)
    assert OutboxMessage.objects.count() == messages
    assert ReminderAttempt.objects.filter(status="covered").count() == 2 * (extra + 1)
    assert ReminderAttempt.objects.filter(status="covered", sent_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_the_idle_sweep_loads_no_obligation_and_costs_a_few_queries(breach):
    duty = authority_duty(breach)
    copies(duty, 200)
    step = duty.due_at - 24 * H
    sweep(step)  # every 48 h and 24 h step sent
    queries: list[int] = []
    ladders = selectors.ladders_current()
    for minute in range(1, 4):  # the following minutes: nothing is due
        moment = step + minute * timedelta(minutes=1)
        with time_machine.travel(moment, tick=False):
            assert list(selectors.obligations_for_reminders(now=moment, ladders=ladders)) == []
        assert sweep(moment, queries=queries).claimed == 0
    assert max(queries) <= 6, queries


@pytest.mark.django_db
def test_a_deadline_of_year_one_sends_one_overdue_reminder_and_starves_no_one(breach):
    duty = authority_duty(breach)
    (other,) = copies(duty, 1)
    ancient = datetime(1, 1, 4, tzinfo=UTC)
    # Legacy data from before implausible dates were refused.
    Obligation.objects.filter(pk=duty.pk).update(
        clock_started_at=datetime(1, 1, 1, tzinfo=UTC), due_at=ancient
    )
    moment = other.due_at - 1 * H
    report = sweep(moment)
    assert report.sent == 2
    assert report.errors == 0
    rows = ReminderAttempt.objects.filter(obligation=duty)
    assert rows.count() == 6  # five "remaining" steps and the latest overdue one
    lead = rows.get(covered_by__isnull=True)
    assert lead.step_key.startswith("overdue-")
    assert lead.status == "sent"
    assert ReminderAttempt.objects.filter(obligation=other, status="sent").exists()
    again = sweep(moment + timedelta(minutes=1))  # nothing new until the next 6 h
    assert again.claimed == 0
