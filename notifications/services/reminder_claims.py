"""Reminder claims: a ReminderAttempt row inserted and COMMITTED before any provider call.

The unique constraint on (obligation, step_key, due_at) lets only one worker insert it; an
expired lease is taken over by a fenced conditional UPDATE (`reminder_reclaim`).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from django.db import IntegrityError, transaction
from django.db.models import F

from incidents.models import Obligation
from incidents.models.obligation import ObligationStatus
from incidents.status import OPEN_STATUSES
from notifications import selectors
from notifications.ladder import Step, step_from_key
from notifications.models import AttemptStatus, ReminderAttempt

# A claim older than this without a recorded outcome is presumed dead (worker crashed) and
# taken over by a later sweep. Must exceed the slowest send: recipients x 10 s HTTP timeout.
LEASE = timedelta(minutes=5)
# Retryable provider failures (429, 5xx, connection refused) are retried this many times,
# one lease apart, before the attempt is marked failed.
MAX_TRIES = 5


@dataclass(frozen=True)
class Claim:
    """What a worker owns after committing its claim: the lead row, its fence token, steps."""

    lead_id: int
    token: UUID
    obligation_id: int
    due_at: datetime
    steps: tuple[Step, ...]
    tries: int


@dataclass(frozen=True)
class ClaimRequest:
    """Steps of one deadline a sweep found due and undone."""

    obligation_id: int
    due_at: datetime
    steps: list[Step]


def reminder_claim(
    *, obligation_id: int, due_at: datetime, steps: list[Step], now: datetime
) -> Claim | None:
    """Insert and commit one row per step before sending; None if another worker won."""
    claims = reminder_claim_many(
        [ClaimRequest(obligation_id=obligation_id, due_at=due_at, steps=steps)], now=now
    )
    return claims[0] if claims else None


def reminder_claim_many(requests: list[ClaimRequest], *, now: datetime) -> list[Claim]:
    """Claim many deadlines' steps in one committed transaction and a constant number of
    queries: lock the obligations (fixed order), re-read them and the steps already claimed,
    insert the lead rows, then the covered rows. What another worker claimed first, or what
    was met or re-timed meanwhile, is skipped (not in the result)."""
    if not requests:
        return []
    ids = sorted({r.obligation_id for r in requests})
    try:
        with transaction.atomic(durable=True):
            # The row locks serialise concurrent sweeps on PostgreSQL (SQLite's IMMEDIATE
            # transactions already do): the second one sees the first one's rows below.
            current = {
                row["pk"]: row["due_at"] or row["soft_due_at"]
                for row in Obligation.objects.running()
                .filter(pk__in=ids)
                .order_by("pk")
                .select_for_update()
                .values("pk", "due_at", "soft_due_at")
            }
            taken = selectors.reminder_steps_done(ids)
            wanted = [
                r
                for r in requests
                if current.get(r.obligation_id) == r.due_at
                and not {s.key for s in r.steps} & taken.get((r.obligation_id, r.due_at), set())
            ]
            tokens = [uuid4() for _ in wanted]
            leads = ReminderAttempt.objects.bulk_create(
                [
                    ReminderAttempt(
                        obligation_id=r.obligation_id,
                        due_at=r.due_at,
                        claim_token=token,
                        claimed_at=now,
                        step_key=r.steps[-1].key,
                        step_at=r.steps[-1].at,
                        status=AttemptStatus.CLAIMED,
                        lease_until=now + LEASE,
                    )
                    for r, token in zip(wanted, tokens, strict=True)
                ],
                batch_size=500,
            )
            ReminderAttempt.objects.bulk_create(
                [
                    ReminderAttempt(
                        obligation_id=r.obligation_id,
                        due_at=r.due_at,
                        claim_token=lead.claim_token,
                        claimed_at=now,
                        step_key=step.key,
                        step_at=step.at,
                        covered_by=lead,
                        status=AttemptStatus.COVERED,
                    )
                    for r, lead in zip(wanted, leads, strict=True)
                    for step in r.steps[:-1]
                ],
                batch_size=500,
            )
    except IntegrityError:
        # A worker that does not lock (an older version) raced us: claim one by one.
        if len(requests) == 1:
            return []
        return [c for r in requests for c in reminder_claim_many([r], now=now)]
    return [
        Claim(
            lead_id=lead.pk,
            token=lead.claim_token,
            obligation_id=r.obligation_id,
            due_at=r.due_at,
            steps=tuple(r.steps),
            tries=1,
        )
        for r, lead in zip(wanted, leads, strict=True)
    ]


def reminder_reclaim(*, attempt_id: int, now: datetime) -> Claim | None:
    """Take over a claim whose lease expired (crash or retry due); None if not ours to take."""
    token = uuid4()
    with transaction.atomic(durable=True):
        # Fencing: only one worker's conditional UPDATE matches the expired lease.
        taken = ReminderAttempt.objects.filter(
            pk=attempt_id,
            status=AttemptStatus.CLAIMED,
            lease_until__lt=now,
        ).update(claim_token=token, lease_until=now + LEASE, tries=F("tries") + 1)
        if not taken:
            return None
        lead = ReminderAttempt.objects.select_related("obligation__incident").get(pk=attempt_id)
        obligation = lead.obligation
        incident = obligation.incident
        target = obligation.due_at or obligation.soft_due_at
        reason, final = "", AttemptStatus.CANCELLED
        if obligation.status != ObligationStatus.PENDING or obligation.clock_started_at is None:
            reason = f"obligation is {obligation.status}"
        elif incident.status not in OPEN_STATUSES or incident.archived_at is not None:
            reason = f"incident is {'archived' if incident.archived_at else incident.status}"
        elif target != lead.due_at:
            reason = "the deadline moved; the ladder restarts from the new deadline"
        elif lead.tries > MAX_TRIES:
            reason, final = f"gave up after {MAX_TRIES} tries", AttemptStatus.FAILED
        if reason:
            lead.status = final
            lead.lease_until = None
            lead.error = (lead.error + "\n" if lead.error else "") + reason
            lead.save(update_fields=["status", "lease_until", "error"])
            return None
        covered = list(lead.covered_steps.order_by("step_at"))
    steps = [step_from_key(row.step_key, row.step_at) for row in [*covered, lead]]
    return Claim(
        lead_id=lead.pk,
        token=token,
        obligation_id=obligation.pk,
        due_at=lead.due_at,
        steps=tuple(steps),
        tries=lead.tries,
    )
