"""The reminder sweep: record missed deadlines, claim due ladder steps, send, record.

Exactly-once for reminders rests on one rule: a ReminderAttempt row is inserted and
COMMITTED before any provider is called (notifications.services.reminder_claims). See
docs/notifications.md for what that does and does not guarantee.
"""

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from breachdesk.db import retry_on_lost_connection
from breachdesk.timeutils import aware_utc, iso, now_utc
from incidents.models import Obligation
from incidents.services.obligations import obligation_missed_record
from notifications import selectors
from notifications.ladder import due_steps
from notifications.models import AttemptStatus, ReminderAttempt
from notifications.services.reminder_claims import (
    ClaimRequest,
    reminder_claim_many,
    reminder_reclaim,
)
from notifications.services.reminder_messages import Due, reminders_deliver
from notifications.services.reminder_outcomes import Outcome, reminder_finish_many

logger = logging.getLogger(__name__)


@dataclass
class SweepReport:
    now: str
    missed_recorded: int = 0
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    retry_later: int = 0
    retried: int = 0
    cancelled: int = 0
    lost_race: int = 0
    errors: int = 0
    lateness_seconds: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _tally(report: SweepReport, item: Outcome, verdict: str) -> None:
    if verdict == AttemptStatus.SENT:
        report.sent += 1
        lateness = (item.sent_at - item.claim.steps[-1].at).total_seconds()
        report.lateness_seconds.append(round(lateness, 3))
    elif verdict == AttemptStatus.FAILED:
        report.failed += 1
    elif verdict == "retry":
        report.retry_later += 1


def _send(
    dues: list[Due],
    *,
    now: datetime,
    report: SweepReport,
    shared: list[selectors.Recipient] | None = None,
) -> list[Outcome]:
    """Send the messages of these claims together (digests where due); an outcome per claim.

    If that crashes (a template or database error), claim by claim, so one broken reminder
    does not starve the others: what the batch already handed over is found through the
    links and not sent again; a claim that crashes alone stays leased and a later sweep
    retries it, up to MAX_TRIES. Provider errors never get here; they are results."""
    if not dues:
        return []
    try:
        sent = reminders_deliver(dues, shared=shared, now=now)
    except Exception:
        if len(dues) > 1:
            return [o for due in dues for o in _send([due], now=now, report=report, shared=shared)]
        logger.exception(
            "reminder attempt %s crashed; retried after the lease", dues[0].claim.lead_id
        )
        report.errors += 1
        return []
    # Measured, not decided: the clock is read again once the providers have answered, so
    # lateness includes scheduling delay, queueing and provider latency.
    sent_at = max(now, now_utc())
    return [
        Outcome(
            claim=due.claim,
            recipients=sent[due.claim.lead_id][0],
            results=sent[due.claim.lead_id][1],
            sent_at=sent_at,
            obligation=due.obligation,
        )
        for due in dues
    ]


def _finish(outcomes: list[Outcome], *, now: datetime, report: SweepReport) -> None:
    """Record outcomes together; if that fails, one by one, so one bad row stops nothing."""
    if not outcomes:
        return
    try:
        # The providers have answered: the outcomes must be recorded even if the database
        # connection dropped meanwhile, or a later sweep would send the reminders again.
        verdicts = retry_on_lost_connection(
            lambda: reminder_finish_many(outcomes, now=now),
            what="recording reminders' outcomes",
        )
    except Exception:
        if len(outcomes) > 1:
            for item in outcomes:
                _finish([item], now=now, report=report)
            return
        logger.exception(
            "reminder attempt %s crashed; retried after the lease", outcomes[0].claim.lead_id
        )
        report.errors += 1
        return
    for item, verdict in zip(outcomes, verdicts, strict=True):
        _tally(report, item, verdict)


# --- the sweep ----------------------------------------------------------------------------------

# Deadlines handled per claim / send / finish round: the sweep's queries grow with the number
# of rounds, not with the number of reminders.
SWEEP_BATCH = 500


def reminders_sweep(*, now: datetime | None = None) -> SweepReport:
    """Record missed deadlines and send every due ladder step once; safe to run concurrently.

    Several steps due at once (late schedule, worker down) go out as ONE catch-up message
    naming the missed steps; all of them are recorded as done. A recipient due several
    reminders in one batch (NOTIFICATIONS_REMINDER_DIGEST_MIN) gets one digest listing
    them (notifications.services.reminder_messages). Whatever the dates, a
    deadline has at most one step per ladder offset and one overdue step due
    (notifications.ladder.due_steps), and deadlines are claimed, sent and recorded in
    batches of SWEEP_BATCH with a fixed number of queries per batch.
    """
    now = aware_utc(now or now_utc())
    report = SweepReport(now=iso(now))
    for obligation_id in list(
        selectors.obligations_missed_unrecorded(now=now).values_list("pk", flat=True)
    ):
        report.missed_recorded += obligation_missed_record(obligation_id=obligation_id, now=now)

    for attempt_id in list(selectors.reminder_attempts_stale(now=now).values_list("pk", flat=True)):
        claim = reminder_reclaim(attempt_id=attempt_id, now=now)
        if claim is None:
            report.cancelled += ReminderAttempt.objects.filter(
                pk=attempt_id, status=AttemptStatus.CANCELLED
            ).count()
            continue
        report.retried += 1
        obligation = Obligation.objects.select_related("incident", "incident__assignee").get(
            pk=claim.obligation_id
        )
        outcomes = _send([Due(claim=claim, obligation=obligation)], now=now, report=report)
        _finish(outcomes, now=now, report=report)

    ladders = selectors.ladders_current()
    obligations = list(selectors.obligations_for_reminders(now=now, ladders=ladders))
    shared = selectors.reminder_recipients_shared() if obligations else []
    for start in range(0, len(obligations), SWEEP_BATCH):
        batch = obligations[start : start + SWEEP_BATCH]
        _sweep_batch(batch, ladders=ladders, shared=shared, now=now, report=report)
    return report


def _sweep_batch(
    obligations: list[Obligation],
    *,
    ladders: selectors.Ladders,
    shared: list[selectors.Recipient],
    now: datetime,
    report: SweepReport,
) -> None:
    since = now - timedelta(hours=ladders.longest_overdue_every_hours)
    done = selectors.reminder_steps_done([o.pk for o in obligations], since=since)
    requests, by_id = [], {}
    for obligation in obligations:
        policy = ladders.policy_for(obligation.audience)
        if policy is None:
            continue
        target = obligation.due_at or obligation.soft_due_at
        steps = due_steps(
            policy, clock_started_at=obligation.clock_started_at, due_at=target, now=now
        )
        pending = [s for s in steps if s.key not in done.get((obligation.pk, target), set())]
        if pending:
            requests.append(ClaimRequest(obligation_id=obligation.pk, due_at=target, steps=pending))
            by_id[obligation.pk] = obligation
    claims = reminder_claim_many(requests, now=now)
    report.claimed += len(claims)
    report.lost_race += len(requests) - len(claims)
    dues = [Due(claim=claim, obligation=by_id[claim.obligation_id]) for claim in claims]
    _finish(_send(dues, now=now, report=report, shared=shared), now=now, report=report)
