"""Reads for the workspace dashboard: open incidents by urgency, counters, monthly charts.

Every function runs a fixed number of queries whatever the register's size; the dashboard
benchmark (bench/dashboard.py) keeps them honest on 100,000 incidents.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Value,
    When,
)

from incidents.models import Assessment, Incident, Obligation
from incidents.models.obligation import ObligationStatus
from incidents.status import OPEN_STATUSES, IncidentStatus

AUTHORITY = "supervisory_authority"


def _open_incidents():
    return Incident.objects.filter(status__in=OPEN_STATUSES, archived_at__isnull=True)


def incidents_open_by_urgency(*, limit: int = 100) -> list[Incident]:
    """Open incidents, the one with the most urgent pending deadline first (then the ones
    with no running clock, newest first). Each row carries `next_due`, `next_obligation` (or
    None) and `current_assessment` (or None).

    Read from the deadline side: the pending duties in due order (their partial index) give
    the first `limit` incidents after a few dozen rows, instead of ranking every open
    incident by a subquery. Four queries; five when fewer than `limit` open incidents have a
    running clock."""
    first = _first_pending_due(limit)
    if len(first) > limit:
        boundary = sorted(due for due, _ in first.values())[limit - 1]
        first = {pk: value for pk, value in first.items() if value[0] <= boundary}
    rows = list(_listed(_open_incidents().filter(pk__in=first)))
    rows.sort(key=lambda row: (first[row.pk][0], -row.created_at.timestamp(), -row.pk))
    rows = rows[:limit]
    if len(rows) < limit:
        running = Obligation.objects.filter(
            incident=OuterRef("pk"), status=ObligationStatus.PENDING, due_at__isnull=False
        )
        without_clock = _open_incidents().exclude(Exists(running)).order_by("-created_at", "-id")
        rows += list(_listed(without_clock)[: limit - len(rows)])
    obligations = Obligation.objects.only("id", "recipient").in_bulk(
        [first[row.pk][1] for row in rows if row.pk in first]
    )
    for row in rows:
        row.next_due, obligation_id = first.get(row.pk, (None, None))
        row.next_obligation = obligations.get(obligation_id)
        row.current_assessment = (
            row.assessments_newest_first[0] if row.assessments_newest_first else None
        )
    return rows


def _pending_due():
    """Pending duties with a deadline, of open incidents, in due order."""
    return Obligation.objects.filter(
        status=ObligationStatus.PENDING,
        due_at__isnull=False,
        incident__status__in=OPEN_STATUSES,
        incident__archived_at__isnull=True,
    ).order_by("due_at", "id")


def _first_pending_due(limit: int) -> dict[int, tuple[datetime, int]]:
    """{incident id: (its next deadline, that obligation's id)} for the first `limit`
    incidents in deadline order (or all of them), read in slices of the due index; every
    incident sharing the last deadline taken is included (ranked among them by the caller).
    One query unless many incidents have several pending duties."""
    first: dict[int, tuple[datetime, int]] = {}
    after = None
    size = limit * 2
    while True:
        pending = _pending_due()
        if after is not None:
            pending = pending.filter(Q(due_at__gt=after[0]) | Q(due_at=after[0], id__gt=after[1]))
        rows = list(pending.values_list("incident_id", "id", "due_at")[:size])
        for incident_id, obligation_id, due in rows:
            first.setdefault(incident_id, (due, obligation_id))
        if len(rows) < size:
            return first
        if len(first) >= limit and rows[-1][2] > sorted(d for d, _ in first.values())[limit - 1]:
            return first
        after = (rows[-1][2], rows[-1][1])


def _listed(incidents):
    """What a dashboard row shows (not the wide text and JSON columns), with its owner and
    its newest assessment."""
    newest = Assessment.objects.order_by("-version").only(
        "id", "incident_id", "version", "risk_level", "kind"
    )
    return (
        incidents.only("id", "reference", "title", "status", "created_at", "assignee")
        .select_related("assignee")
        .prefetch_related(
            Prefetch("assessments", queryset=newest, to_attr="assessments_newest_first")
        )
    )


@dataclass(frozen=True)
class Counters:
    open: int
    triage: int
    awaiting_decision: int
    overdue: int


def dashboard_counters(*, now: datetime) -> Counters:
    """Triage, awaiting a DPO decision (assessing), overdue (a pending deadline passed).
    Two queries: the counts by status from the (archived_at, status) index alone; the
    overdue ones from the past-due pending duties (their partial index), not by probing
    every open incident's duties."""
    counts = _open_incidents().aggregate(
        open=Count("pk"),
        triage=Count("pk", filter=Q(status=IncidentStatus.TRIAGE)),
        awaiting=Count("pk", filter=Q(status=IncidentStatus.ASSESSING)),
    )
    overdue = _pending_due().filter(due_at__lt=now).aggregate(n=Count("incident_id", distinct=True))
    return Counters(
        open=counts["open"],
        triage=counts["triage"],
        awaiting_decision=counts["awaiting"],
        overdue=overdue["n"],
    )


def _months(now: datetime, count: int) -> list[datetime]:
    """The first instants (UTC) of the last `count` calendar months, oldest first."""
    first = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    months = [first]
    for _ in range(count - 1):
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    return months[::-1]


def _month_of(field: str, axis: list[datetime]) -> Case:
    """The month index (0 = oldest) of `field`, as plain comparisons: no per-row function
    call, so SQLite and PostgreSQL answer from the column alone."""
    return Case(
        *(
            When(**{f"{field}__gte": start}, then=Value(i))
            for i, start in reversed(list(enumerate(axis)))
        ),
        default=Value(-1),
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class MonthCount:
    month: datetime
    count: int


def incidents_per_month(*, now: datetime, months: int = 12) -> list[MonthCount]:
    """Incidents recorded per calendar month (UTC), oldest first, empty months included.
    Only the months shown are read (a range of the `incident_recent` index on `created_at`),
    however old the register."""
    axis = _months(now, months)
    rows = (
        Incident.objects.filter(created_at__gte=axis[0])
        .annotate(month=_month_of("created_at", axis))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
    )
    counts = {row["month"]: row["n"] for row in rows}
    return [MonthCount(month=m, count=counts.get(i, 0)) for i, m in enumerate(axis)]


class ElapsedSeconds(Func):
    """Seconds from `start` to `end` (two timestamp columns), computed by the database
    itself: Django's datetime subtraction calls back into Python for every row on SQLite."""

    output_field = FloatField()
    arity = 2

    def __init__(self, start: str, end: str, **extra):
        super().__init__(end, start, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="EXTRACT(EPOCH FROM (%(expressions)s))::double precision",
            arg_joiner=" - ",
            **extra,
        )


@dataclass(frozen=True)
class MonthDelay:
    month: datetime
    count: int
    median_hours: float | None
    worst_hours: float | None


def authority_delay_per_month(*, now: datetime, months: int = 12) -> list[MonthDelay]:
    """Time from awareness (the clock start) to the authority notification, per month of
    notification: median and worst, in hours. One query: the database ranks the delays per
    month and returns only the middle one or two rows of each month. The month and the delay
    of each filing are computed once, in a subquery, so that the windows partition by a plain
    column (on SQLite, partitioning by the month expression itself sorted the year's filings
    once per window and cost three times as much)."""
    axis = _months(now, months)
    filings = (
        Obligation.objects.filter(
            audience=AUTHORITY,
            status__in=[ObligationStatus.MET, ObligationStatus.LATE],
            met_at__gte=axis[0],
            clock_started_at__isnull=False,
        )
        .order_by()
        .annotate(
            month=_month_of("met_at", axis), delay=ElapsedSeconds("clock_started_at", "met_at")
        )
        .values("id", "month", "delay")
    )
    inner, params = filings.query.sql_with_params()
    month, delay, pk = map(connection.ops.quote_name, ("month", "delay", "id"))
    ranked = (
        f"SELECT {month}, {delay}, n, worst FROM (SELECT {month}, {delay}, "  # noqa: S608  # nosec B608  # the ORM's SQL, constants
        f"ROW_NUMBER() OVER (PARTITION BY {month} ORDER BY {delay}, {pk}) AS rank_in_month, "
        f"COUNT(*) OVER (PARTITION BY {month}) AS n, "
        f"MAX({delay}) OVER (PARTITION BY {month}) AS worst FROM ({inner}) filings) ranked "
        "WHERE rank_in_month = (n + 1) / 2 OR rank_in_month = n / 2 + 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(ranked, params)
        rows = cursor.fetchall()
    middle: dict[int, list[float]] = {}
    stats: dict[int, tuple[int, float]] = {}
    for index, value, n, worst in rows:
        middle.setdefault(index, []).append(_hours(value))
        stats[index] = (n, _hours(worst))
    result = []
    for i, start in enumerate(axis):
        n, worst = stats.get(i, (0, None))
        values = middle.get(i)
        result.append(
            MonthDelay(
                month=start,
                count=n,
                median_hours=sum(values) / len(values) if values else None,
                worst_hours=worst,
            )
        )
    return result


def _hours(seconds: float) -> float:
    # julianday() arithmetic on SQLite is a float of days: round to the millisecond.
    return round(max(seconds, 0), 3) / 3600
