"""The sweep stays bounded whatever the data (issue 10 item 4, issue 15 "scale defects")."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Obligation
from notifications import selectors
from notifications.models import OutboxMessage, ReminderAttempt
from notifications.services import reminders_sweep
from tests.notifications.conftest import authority_duty, copies

H = timedelta(hours=1)
RECIPIENTS = 3  # the assignee, the DPO by e-mail and by SMS (fixtures)


def sweep(moment, *, queries: list | None = None):
    with time_machine.travel(moment, tick=False), CaptureQueriesContext(connection) as ctx:
        report = reminders_sweep()
    if queries is not None:
        queries.append(len(ctx.captured_queries))
    return report


def two_catch_ups(breach, *, own_assignee: bool) -> tuple[list[int], list]:
    """30 duties' catch-up (the 48 h, 24 h and 12 h steps at once), then, a minute later, 90
    other duties' (the first 30 have nothing new due): the statements of both sweeps."""
    duty = authority_duty(breach)
    copies(duty, 29, prefix="BD-A", own_assignee=own_assignee)
    later = copies(duty, 90, prefix="BD-B", later=timedelta(minutes=1), own_assignee=own_assignee)
    # The 90 duties' clocks start once the first sweep is over (else their 48 h and 24 h
    # steps would be due in it already).
    waiting = Obligation.objects.filter(pk__in=[o.pk for o in later])
    waiting.update(clock_started_at=None)
    queries: list[int] = []
    first = sweep(duty.due_at - 12 * H, queries=queries)
    waiting.update(clock_started_at=duty.clock_started_at)
    second = sweep(duty.due_at - 12 * H + timedelta(minutes=1), queries=queries)
    return queries, [first, second]


@pytest.mark.django_db
def test_a_catch_up_costs_the_same_statements_for_30_or_90_reminders_to_one_assignee(breach):
    """Every reminder goes to the same assignee and DPO: each gets ONE digest per sweep (an
    e-mail; the DPO also an SMS), and the sweep's statements do not grow with the number of
    reminders (claims, messages, outcomes, timeline events, audit, all in bulk)."""
    queries, reports = two_catch_ups(breach, own_assignee=False)
    assert [(r.claimed, r.sent, r.errors) for r in reports] == [(30, 30, 0), (90, 90, 0)]
    assert OutboxMessage.objects.count() == 2 * RECIPIENTS  # one digest each, per sweep
    assert ReminderAttempt.objects.filter(status="covered", sent_at__isnull=True).count() == 0
    # The same statements for 90 as for 30, but where SQLite's 999-parameter limit splits a
    # bulk INSERT of rows (covered steps, events) every ~60-90 rows (PostgreSQL: none).
    assert queries[1] <= queries[0] + 5, queries


@pytest.mark.django_db
def test_with_an_assignee_per_incident_messages_grow_but_statements_stay_bounded(breach):
    """The worst case for the digest: every reminder has an assignee of its own, who gets a
    message of its own (the DPO a digest): 3x the messages, not 3x the statements."""
    queries, reports = two_catch_ups(breach, own_assignee=True)
    assert [(r.claimed, r.sent, r.errors) for r in reports] == [(30, 30, 0), (90, 90, 0)]
    assert OutboxMessage.objects.filter(channel="email").count() == 30 + 90 + 2
    assert OutboxMessage.objects.filter(channel="sms").count() == 2
    # Bulk statements split by row count (SQLite: every ~60-90 rows; outbound keys read
    # 500 at a time), a few more for 90 messages, never one or more per message.
    assert queries[1] <= queries[0] + 10, queries


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
