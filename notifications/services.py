"""Writes: the reminder sweep (claim, send, finish), missed deadlines, schedules, feed tokens.

Exactly-once for reminders rests on one rule: a ReminderAttempt row is inserted and
COMMITTED before any provider is called, and the unique constraint on
(obligation, step_key, due_at) lets only one worker insert it. See docs/notifications.md
for what that does and does not guarantee.
"""

import hashlib
import logging
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django_q.models import Schedule

from breachdesk.db import retry_on_lost_connection
from breachdesk.timeutils import aware_utc, iso, now_utc
from incidents.models import Obligation
from incidents.models.incident import EventKind
from incidents.models.obligation import ObligationStatus
from incidents.services.audit import audit_append
from incidents.services.events import EventRecord, event_record, events_record_many
from incidents.services.obligations import obligation_missed_record
from incidents.status import OPEN_STATUSES
from notifications import delivery as delivery_states
from notifications import outbound, selectors
from notifications.ladder import Step, due_steps, step_from_key
from notifications.messages import incident_admin_url, reminder_render, utc_text
from notifications.models import (
    AttemptStatus,
    CalendarFeedToken,
    OnCallPage,
    OutboundMessage,
    ReminderAttempt,
)

logger = logging.getLogger(__name__)

# A claim older than this without a recorded outcome is presumed dead (worker crashed) and
# taken over by a later sweep. Must exceed the slowest send: recipients x 10 s HTTP timeout.
LEASE = timedelta(minutes=5)
# Retryable provider failures (429, 5xx, connection refused) are retried this many times,
# one lease apart, before the attempt is marked failed.
MAX_TRIES = 5
SWEEP_SCHEDULE_NAME = "deadline-reminders-sweep"
SWEEP_TASK = "notifications.tasks.deadline_reminders_sweep"


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


@dataclass(frozen=True)
class Claim:
    """What a worker owns after committing its claim: the lead row, its fence token, steps."""

    lead_id: int
    token: UUID
    obligation_id: int
    due_at: datetime
    steps: tuple[Step, ...]
    tries: int


# --- missed deadlines -------------------------------------------------------------------


# --- paging the on-call list -------------------------------------------------------------


def incident_page_on_call(*, incident_id: int, now: datetime | None = None) -> bool:
    """Page the DPO and the on-call list once about a new incident opened by an alert."""
    now = aware_utc(now or now_utc())
    try:
        with transaction.atomic(durable=True):  # committed before any provider is called
            page = OnCallPage.objects.create(incident_id=incident_id, claimed_at=now)
    except IntegrityError:
        return False  # already paged (a retried task or a second worker)
    incident = page.incident
    recipients = [r for r in selectors.reminder_recipients(incident) if r.role != "assignee"]
    context = {
        "reference": incident.reference,
        "title": incident.title,
        "detected": utc_text(incident.detected_at) if incident.detected_at else "unknown",
        "source": incident.get_source_display(),
        "link": incident_admin_url(incident.pk),
    }
    subject = render_to_string("notifications/page_subject.txt", context).strip()
    body = render_to_string("notifications/page_email.txt", context)
    sms = render_to_string("notifications/page_sms.txt", context).strip()
    results = [
        deliver(
            recipient,
            subject=subject,
            body=body,
            sms=sms,
            reference=f"page-{incident.pk}",
            purpose="on_call_page",
            incident_id=incident.pk,
        )
        for recipient in recipients
    ]
    with transaction.atomic():
        page.sent_at = now_utc()
        page.recipients = [r.as_dict() for r in recipients]
        page.results = results
        page.save(update_fields=["sent_at", "recipients", "results"])
        event_record(
            incident=incident,
            kind=EventKind.ON_CALL_PAGED,
            actor="system",
            now=now,
            payload={"recipients": page.recipients, "results": results},
        )
    return True


# --- claiming ------------------------------------------------------------------------------


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


# --- sending ---------------------------------------------------------------------------------


def deliver(
    recipient,
    *,
    subject: str,
    body: str,
    sms: str,
    reference: str,
    metadata: dict[str, str] | None = None,
    purpose: str = "reminder",
    incident_id: int | None = None,
) -> dict[str, Any]:
    """Send one message to one recipient through the outbound layer; errors become results.

    One outbound message per (reference, try, channel, address): a repeated call sends
    nothing; the caller (the reminder sweep) owns retries, so temporary failures come back
    as `retryable` instead of being retried later by the outbound sweep.
    """
    is_email = recipient.channel == "email"
    attempt = (metadata or {}).get("try", "1")
    address_hash = hashlib.sha256(recipient.address.encode()).hexdigest()[:16]
    keys = [f"{reference}:{n}:{recipient.channel}:{address_hash}" for n in range(1, int(attempt))]
    message = _reached_before(keys) or outbound.send(
        channel=recipient.channel,
        to=recipient.address,
        subject=subject if is_email else "",
        body=body if is_email else sms,
        key=f"{reference}:{attempt}:{recipient.channel}:{address_hash}",
        reference=reference,
        purpose=purpose,
        incident_id=incident_id,
        retry_later=False,
    )
    return {
        "role": recipient.role,
        "channel": recipient.channel,
        "to": recipient.address,
        "message_id": message.pk,
        "accepted": message.state in delivery_states.ACCEPTED,
        "provider": message.provider,
        "provider_message_id": message.provider_message_id,
        "status": message.state,
        "error": message.error,
        "retryable": message.state == delivery_states.FAILED and message.retryable,
        "outcome_unknown": message.state in (delivery_states.UNKNOWN, delivery_states.SENDING),
    }


# An earlier try's message that reached (or may have reached) its recipient: SENDING is a
# worker that died during the provider call, UNKNOWN a lost answer.
REACHED_OR_IN_FLIGHT = delivery_states.ACCEPTED | {delivery_states.SENDING, delivery_states.UNKNOWN}


def _reached_before(keys: list[str]) -> OutboundMessage | None:
    """The message an earlier try of this reminder sent this recipient, if it went out.

    A worker that crashed mid-reminder (or whose database failed after some recipients
    were reached) leaves its claim leased; the retry after the lease must not message
    those recipients again, only the ones the earlier try did not reach.
    """
    if not keys:
        return None
    return (
        OutboundMessage.objects.filter(key__in=keys, state__in=REACHED_OR_IN_FLIGHT)
        .order_by("pk")
        .first()
    )


def _deliveries(
    claim: Claim,
    *,
    now: datetime,
    obligation: Obligation | None = None,
    shared: list[selectors.Recipient] | None = None,
) -> tuple[list[dict], list[dict]]:
    """Send the one message of a claim to every recipient; provider errors become results."""
    if obligation is None:
        obligation = Obligation.objects.select_related("incident", "incident__assignee").get(
            pk=claim.obligation_id
        )
    recipients = selectors.reminder_recipients(obligation.incident, shared=shared)
    rendered = reminder_render(obligation=obligation, steps=list(claim.steps), now=now)
    reference = f"reminder-{claim.lead_id}"
    metadata = {"attempt": str(claim.lead_id), "try": str(claim.tries)}
    results = [
        deliver(
            recipient,
            subject=rendered.subject,
            body=rendered.body,
            sms=rendered.sms,
            reference=reference,
            metadata=metadata,
            incident_id=obligation.incident_id,
        )
        for recipient in recipients
    ]
    return [r.as_dict() for r in recipients], results


@dataclass(frozen=True)
class Outcome:
    """What one claim's sending produced, to be recorded."""

    claim: Claim
    recipients: list[dict]
    results: list[dict]
    sent_at: datetime


def reminder_finish(
    *, claim: Claim, recipients: list[dict], results: list[dict], sent_at: datetime, now: datetime
) -> str:
    """Record the outcome of a claim and, if anything went out, the timeline event."""
    (outcome,) = reminder_finish_many(
        [Outcome(claim=claim, recipients=recipients, results=results, sent_at=sent_at)], now=now
    )
    return outcome


def reminder_finish_many(outcomes: list[Outcome], *, now: datetime) -> list[str]:
    """Record many claims' outcomes and their timeline events in one transaction with a
    constant number of queries; "sent", "failed", "retry" or "lost" per outcome."""
    if not outcomes:
        return []
    fields = ["status", "sent_at", "lease_until", "lateness_seconds", "recipients"]
    fields += ["results", "error"]
    with transaction.atomic(durable=True):
        leads = ReminderAttempt.objects.select_for_update().select_related("obligation__incident")
        leads = leads.in_bulk([o.claim.lead_id for o in outcomes])
        covered: dict[int, list[ReminderAttempt]] = {}
        for row in ReminderAttempt.objects.filter(covered_by_id__in=list(leads)).order_by(
            "step_at"
        ):
            covered.setdefault(row.covered_by_id, []).append(row)
        verdicts, changed, changed_covered, events = [], [], [], []
        for item in outcomes:
            lead = leads[item.claim.lead_id]
            if lead.claim_token != item.claim.token or lead.status != AttemptStatus.CLAIMED:
                # Our lease ran out mid-send and another worker took over: it records it.
                logger.warning(
                    "reminder attempt %s: lease lost while sending; results of this try: %s",
                    lead.pk,
                    item.results,
                )
                verdicts.append("lost")
                continue
            rows = covered.get(lead.pk, [])
            verdict = _outcome_apply(lead, item, rows, now=now)
            verdicts.append(str(verdict))
            changed.append(lead)
            if verdict == AttemptStatus.SENT:
                changed_covered.extend(rows)
                events.append(_timeline_reminder(lead, item, rows))
        ReminderAttempt.objects.bulk_update(changed, fields, batch_size=500)
        ReminderAttempt.objects.bulk_update(
            changed_covered, ["sent_at", "lateness_seconds"], batch_size=500
        )
        events_record_many(events)
    return verdicts


def _outcome_apply(
    lead: ReminderAttempt, item: Outcome, covered: list[ReminderAttempt], *, now: datetime
) -> str:
    """Set the lead's (and its covered steps') outcome fields; returns the outcome."""
    results, sent_at = item.results, item.sent_at
    accepted = [r for r in results if r.get("accepted")]
    unknown = [r for r in results if r.get("outcome_unknown")]
    retryable = [r for r in results if r.get("retryable")]
    lead.recipients, lead.results = item.recipients, results
    if accepted:
        lead.status, lead.sent_at, lead.lease_until = AttemptStatus.SENT, sent_at, None
        lead.lateness_seconds = (sent_at - lead.step_at).total_seconds()
        lead.error = "; ".join(str(r.get("error")) for r in results if not r.get("accepted"))
        for row in covered:
            row.sent_at = sent_at
            row.lateness_seconds = (sent_at - row.step_at).total_seconds()
        return AttemptStatus.SENT
    if retryable and not unknown and lead.tries < MAX_TRIES:
        lead.lease_until = now + LEASE  # a later sweep re-claims it as a stale lease
        lead.error = "; ".join(str(r.get("error")) for r in results) or "no delivery"
        return "retry"
    lead.status, lead.lease_until = AttemptStatus.FAILED, None
    lead.error = (
        "; ".join(str(r.get("error")) for r in results)
        or "no recipients: set an assignee, the DPO's contact or on-call contacts"
    )
    logger.error(
        "reminder attempt %s for obligation %s failed: %s", lead.pk, lead.obligation_id, lead.error
    )
    return AttemptStatus.FAILED


def _timeline_reminder(
    lead: ReminderAttempt, item: Outcome, covered: list[ReminderAttempt]
) -> EventRecord:
    obligation, claim, results = lead.obligation, item.claim, item.results
    keys = [step.key for step in claim.steps]
    lateness = {row.step_key: round(row.lateness_seconds, 3) for row in covered}
    lateness[lead.step_key] = round(lead.lateness_seconds, 3)
    return EventRecord(
        incident=obligation.incident,
        kind=EventKind.REMINDER_SENT,
        actor="system",
        now=item.sent_at,
        payload={
            "obligation_id": obligation.pk,
            "rule": obligation.rule_code,
            "audience": obligation.audience,
            "regime": obligation.regime,
            "due_at": iso(lead.due_at),
            "steps": keys,
            "catch_up": len(keys) > 1,
            "missed_steps": keys[:-1],
            "recipients": item.recipients,
            "deliveries": [
                {
                    k: r.get(k)
                    for k in (
                        "channel",
                        "to",
                        "provider",
                        "provider_message_id",
                        "accepted",
                        "error",
                    )
                }
                for r in results
            ],
            "lateness_seconds": lateness,
            "attempt_id": lead.pk,
            "tries": claim.tries,
        },
    )


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
    claim: Claim,
    *,
    now: datetime,
    report: SweepReport,
    obligation: Obligation | None = None,
    shared: list[selectors.Recipient] | None = None,
) -> Outcome | None:
    """Send one claim's message; None when it crashed (one broken reminder, a template or
    database error, must not starve the others: the claim stays leased and a later sweep
    retries it, up to MAX_TRIES). Provider errors never get here; they are results."""
    try:
        recipients, results = _deliveries(claim, now=now, obligation=obligation, shared=shared)
    except Exception:
        logger.exception("reminder attempt %s crashed; retried after the lease", claim.lead_id)
        report.errors += 1
        return None
    # Measured, not decided: the clock is read again once the providers have answered, so
    # lateness includes scheduling delay, queueing and provider latency.
    return Outcome(claim=claim, recipients=recipients, results=results, sent_at=max(now, now_utc()))


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
    naming the missed steps; all of them are recorded as done. Whatever the dates, a
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
        outcome = _send(claim, now=now, report=report)
        _finish([outcome] if outcome else [], now=now, report=report)

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
    outcomes = [
        outcome
        for claim in claims
        if (
            outcome := _send(
                claim, now=now, report=report, obligation=by_id[claim.obligation_id], shared=shared
            )
        )
    ]
    _finish(outcomes, now=now, report=report)


# --- schedules ------------------------------------------------------------------------------


# The periodic jobs (name -> task and period in minutes), created by `manage.py ensure_schedules`.
SCHEDULES = {
    SWEEP_SCHEDULE_NAME: (SWEEP_TASK, 1),
    # Single messages due for a retry; notice campaigns: unknown outcomes, restarts, purge.
    "outbound-sweep": ("notifications.tasks.outbound_sweep", 1),
    # Senders retry an Idempotency-Key within minutes; replies are forgotten after a week.
    "intake-idempotency-prune": ("incidents.intake.services.idempotency_prune", 60),
    # Raw payloads of alerts that no incident took are deleted after 90 days (configurable).
    "intake-payload-purge": ("incidents.intake.services.alert_payloads_purge", 24 * 60),
    # Query-planner statistics of the embedded SQLite database (PostgreSQL keeps its own).
    "database-optimize": ("breachdesk.db.database_optimize", 24 * 60),
}


def schedules_ensure() -> list[Schedule]:
    """Create or update every periodic schedule (idempotent by name)."""
    schedules = []
    for name, (func, minutes) in SCHEDULES.items():
        wanted = {
            "func": func,
            "schedule_type": Schedule.MINUTES,
            "minutes": minutes,
            "repeats": -1,
        }
        schedule, _ = Schedule.objects.get_or_create(
            name=name, defaults={**wanted, "next_run": now_utc()}
        )
        changed = [key for key, value in wanted.items() if getattr(schedule, key) != value]
        for key in changed:
            setattr(schedule, key, wanted[key])
        if changed:
            schedule.save(update_fields=changed)
        schedules.append(schedule)
    return schedules


# --- calendar feed tokens -------------------------------------------------------------------


@transaction.atomic(durable=True)
def calendar_token_rotate(*, user, now: datetime | None = None) -> tuple[CalendarFeedToken, str]:
    """Issue a new feed secret for `user` (the old one stops working); returns (row, raw)."""
    now = aware_utc(now or now_utc())
    raw = secrets.token_urlsafe(32)
    token, created = CalendarFeedToken.objects.update_or_create(
        user=user, defaults={"token_hash": selectors.token_digest(raw), "created_at": now}
    )
    audit_append(
        actor=f"user:{user.get_username()}",
        action="calendar.token_created" if created else "calendar.token_rotated",
        object_type="user",
        object_id=user.pk,
        data={},
        now=now,
    )
    return token, raw


@transaction.atomic(durable=True)
def calendar_token_revoke(*, user, now: datetime | None = None) -> bool:
    """Delete the user's feed secret; False when there was none."""
    now = aware_utc(now or now_utc())
    deleted, _ = CalendarFeedToken.objects.filter(user=user).delete()
    if deleted:
        audit_append(
            actor=f"user:{user.get_username()}",
            action="calendar.token_revoked",
            object_type="user",
            object_id=user.pk,
            data={},
            now=now,
        )
    return bool(deleted)
