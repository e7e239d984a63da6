"""Dashboard reads: counters, incidents per month, time to the authority notification."""

from datetime import timedelta

import pytest

from incidents import dashboard
from incidents.models import Obligation
from incidents.services.incidents import incident_create
from incidents.services.lifecycle import incident_transition
from tests.conftest import utc

pytestmark = pytest.mark.django_db
NOW = utc(2026, 5, 20, 12, 0)


def _filed(users, aware, hours):
    incident = incident_create(
        actor=users["analyst"],
        data={"title": "Filed", "aware_at": aware, "countries": ["DE"]},
        now=aware,
    )
    authority = incident.obligations.get(
        audience="supervisory_authority", status="pending", due_at__isnull=False
    )
    Obligation.objects.filter(pk=authority.pk).update(
        status="met", met_at=aware + timedelta(hours=hours)
    )
    return incident


def test_authority_delay_median_and_worst_per_month(users, org):
    for hours in (10, 20, 30, 40):  # April: even count, median between the middle two
        _filed(users, utc(2026, 4, 3, 8, 0), hours)
    _filed(users, utc(2026, 5, 2, 8, 0), 5)
    months = dashboard.authority_delay_per_month(now=NOW)
    assert len(months) == 12
    april, may = months[-2], months[-1]
    assert (april.month, april.count, april.median_hours, april.worst_hours) == (
        utc(2026, 4, 1),
        4,
        25.0,
        40.0,
    )
    assert (may.count, may.median_hours, may.worst_hours) == (1, 5.0, 5.0)
    assert all(m.count == 0 and m.median_hours is None for m in months[:-2])


def test_incidents_per_month_and_counters(users, org):
    for day in (1, 15, 31):
        incident_create(actor=users["analyst"], data={"title": "M"}, now=utc(2026, 3, day, 9))
    late = incident_create(
        actor=users["analyst"],
        data={"title": "Late", "aware_at": utc(2026, 5, 10), "countries": ["DE"]},
        now=utc(2026, 5, 10),
    )
    incident_transition(incident_id=late.pk, actor=users["analyst"], to="assessing")
    per_month = dashboard.incidents_per_month(now=NOW)
    assert [m.count for m in per_month[-3:]] == [3, 0, 1]
    counters = dashboard.dashboard_counters(now=NOW)
    assert (counters.open, counters.triage, counters.awaiting_decision, counters.overdue) == (
        4,
        3,
        1,
        1,
    )


def test_open_incidents_by_urgency_ties_newest_first_then_those_without_a_clock(users, org):
    def make(title, created, aware=None):
        data = {"title": title, "countries": ["DE"], **({"aware_at": aware} if aware else {})}
        return incident_create(actor=users["analyst"], data=data, now=created)

    t0 = utc(2026, 5, 18, 8, 0)
    older_tie = make("A", t0, aware=t0)
    newer_tie = make("B", t0 + timedelta(minutes=5), aware=t0)  # same deadlines as A
    later = make("C", t0 + timedelta(hours=2), aware=t0 + timedelta(hours=1))
    no_clock_new = make("D", t0 + timedelta(hours=3))
    no_clock_old = make("E", t0 + timedelta(hours=2))
    closed = make("F", t0, aware=t0 - timedelta(hours=5))
    incident_transition(incident_id=closed.pk, actor=users["dpo"], to="dismissed", comment="x")
    expected = [newer_tie, older_tie, later, no_clock_new, no_clock_old]
    for limit in (1, 2, 3, 4, 5, 10):
        rows = dashboard.incidents_open_by_urgency(limit=limit)
        assert [row.pk for row in rows] == [i.pk for i in expected[:limit]]
    rows = dashboard.incidents_open_by_urgency(limit=10)
    first_due = Obligation.objects.filter(
        incident=older_tie, status="pending", due_at__isnull=False
    ).order_by("due_at", "id")[0]
    assert (rows[1].next_due, rows[1].next_obligation) == (first_due.due_at, first_due)
    assert rows[2].next_due > rows[1].next_due == rows[0].next_due
    assert (rows[3].next_due, rows[3].next_obligation) == (None, None)
