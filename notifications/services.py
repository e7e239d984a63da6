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
from incidents.services.events import event_record
from incidents.services.obligations import obligation_missed_record
from incidents.status import OPEN_STATUSES
from notifications import delivery as delivery_states
from notifications import outbound, selectors
from notifications.ladder import Step, due_steps, step_from_key
from notifications.messages import incident_admin_url, reminder_render, utc_text
from notifications.models import AttemptStatus, CalendarFeedToken, OnCallPage, ReminderAttempt

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


def reminder_claim(
    *, obligation_id: int, due_at: datetime, steps: list[Step], now: datetime
) -> Claim | None:
    """Insert and commit one row per step before sending; None if another worker won."""
    token = uuid4()
    lead_step, earlier = steps[-1], steps[:-1]
    try:
        with transaction.atomic(durable=True):
            # Re-read inside the transaction: the duty may have been met or re-timed since
            # the sweep's read; then there is nothing to claim.
            row = (
                Obligation.objects.running()
                .filter(pk=obligation_id)
                .values("due_at", "soft_due_at")
                .first()
            )
            if row is None or (row["due_at"] or row["soft_due_at"]) != due_at:
                return None
            common = {
                "obligation_id": obligation_id,
                "due_at": due_at,
                "claim_token": token,
                "claimed_at": now,
            }
            lead = ReminderAttempt.objects.create(
                step_key=lead_step.key,
                step_at=lead_step.at,
                status=AttemptStatus.CLAIMED,
                lease_until=now + LEASE,
                **common,
            )
            ReminderAttempt.objects.bulk_create(
                [
                    ReminderAttempt(
                        step_key=step.key,
                        step_at=step.at,
                        covered_by=lead,
                        status=AttemptStatus.COVERED,
                        **common,
                    )
                    for step in earlier
                ]
            )
    except IntegrityError:
        return None  # someone else claimed (one of) these steps first; they send
    return Claim(
        lead_id=lead.pk,
        token=token,
        obligation_id=obligation_id,
        due_at=due_at,
        steps=tuple(steps),
        tries=1,
    )


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
    message = outbound.send(
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
        "outcome_unknown": message.state == delivery_states.UNKNOWN,
    }


def _deliveries(claim: Claim, *, now: datetime) -> tuple[list[dict], list[dict]]:
    """Send the one message of a claim to every recipient; provider errors become results."""
    obligation = Obligation.objects.select_related("incident", "incident__assignee").get(
        pk=claim.obligation_id
    )
    recipients = selectors.reminder_recipients(obligation.incident)
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


def reminder_finish(
    *, claim: Claim, recipients: list[dict], results: list[dict], sent_at: datetime, now: datetime
) -> str:
    """Record the outcome of a claim and, if anything went out, the timeline event."""
    with transaction.atomic(durable=True):
        lead = (
            ReminderAttempt.objects.select_for_update()
            .select_related("obligation__incident")
            .get(pk=claim.lead_id)
        )
        if lead.claim_token != claim.token or lead.status != AttemptStatus.CLAIMED:
            # Our lease ran out mid-send and another worker took over: it records the outcome.
            logger.warning(
                "reminder attempt %s: lease lost while sending; results of this try: %s",
                lead.pk,
                results,
            )
            return "lost"
        accepted = [r for r in results if r.get("accepted")]
        unknown = [r for r in results if r.get("outcome_unknown")]
        retryable = [r for r in results if r.get("retryable")]
        lead.recipients, lead.results = recipients, results
        if accepted:
            outcome = AttemptStatus.SENT
        elif retryable and not unknown and lead.tries < MAX_TRIES:
            outcome = "retry"
        else:
            outcome = AttemptStatus.FAILED
        if outcome == AttemptStatus.SENT:
            lead.status, lead.sent_at, lead.lease_until = AttemptStatus.SENT, sent_at, None
            lead.lateness_seconds = (sent_at - lead.step_at).total_seconds()
            lead.error = "; ".join(str(r.get("error")) for r in results if not r.get("accepted"))
            lateness = {}
            for row in lead.covered_steps.all():
                row.sent_at = sent_at
                row.lateness_seconds = (sent_at - row.step_at).total_seconds()
                row.save(update_fields=["sent_at", "lateness_seconds"])
                lateness[row.step_key] = round(row.lateness_seconds, 3)
            lateness[lead.step_key] = round(lead.lateness_seconds, 3)
            _timeline_reminder(
                lead,
                claim=claim,
                recipients=recipients,
                results=results,
                lateness=lateness,
                sent_at=sent_at,
            )
        elif outcome == "retry":
            lead.lease_until = now + LEASE  # a later sweep re-claims it as a stale lease
            lead.error = "; ".join(str(r.get("error")) for r in results) or "no delivery"
        else:
            lead.status, lead.lease_until = AttemptStatus.FAILED, None
            lead.error = (
                "; ".join(str(r.get("error")) for r in results)
                or "no recipients: set an assignee, the DPO's contact or on-call contacts"
            )
            logger.error(
                "reminder attempt %s for obligation %s failed: %s",
                lead.pk,
                lead.obligation_id,
                lead.error,
            )
        lead.save(
            update_fields=[
                "status",
                "sent_at",
                "lease_until",
                "lateness_seconds",
                "recipients",
                "results",
                "error",
            ]
        )
    return str(outcome)


def _timeline_reminder(
    lead: ReminderAttempt,
    *,
    claim: Claim,
    recipients: list[dict],
    results: list[dict],
    lateness: dict[str, float],
    sent_at: datetime,
) -> None:
    obligation = lead.obligation
    keys = [step.key for step in claim.steps]
    event_record(
        incident=obligation.incident,
        kind=EventKind.REMINDER_SENT,
        actor="system",
        now=sent_at,
        payload={
            "obligation_id": obligation.pk,
            "rule": obligation.rule_code,
            "audience": obligation.audience,
            "regime": obligation.regime,
            "due_at": iso(lead.due_at),
            "steps": keys,
            "catch_up": len(keys) > 1,
            "missed_steps": keys[:-1],
            "recipients": recipients,
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


def _send_claim(claim: Claim, *, now: datetime, report: SweepReport) -> None:
    recipients, results = _deliveries(claim, now=now)
    # Measured, not decided: the clock is read again once the providers have answered, so
    # lateness includes scheduling delay, queueing and provider latency.
    sent_at = max(now, now_utc())
    # The providers have answered: the outcome must be recorded even if the database
    # connection dropped meanwhile, or a later sweep would send the reminder again.
    outcome = retry_on_lost_connection(
        lambda: reminder_finish(
            claim=claim, recipients=recipients, results=results, sent_at=sent_at, now=now
        ),
        what="recording a reminder's outcome",
    )
    if outcome == AttemptStatus.SENT:
        report.sent += 1
        report.lateness_seconds.append(round((sent_at - claim.steps[-1].at).total_seconds(), 3))
    elif outcome == AttemptStatus.FAILED:
        report.failed += 1
    elif outcome == "retry":
        report.retry_later += 1


# --- the sweep ----------------------------------------------------------------------------------


def reminders_sweep(*, now: datetime | None = None) -> SweepReport:
    """Record missed deadlines and send every due ladder step once; safe to run concurrently.

    Several steps due at once (late schedule, worker down) go out as ONE catch-up message
    naming the missed steps; all of them are recorded as done.
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
        _send_claim_isolated(claim, now=now, report=report)

    ladders = selectors.ladders_current()
    obligations = list(
        selectors.obligations_for_reminders(now=now, horizon_hours=ladders.widest_hours)
    )
    done = selectors.reminder_steps_done([o.pk for o in obligations])
    for obligation in obligations:
        policy = ladders.policy_for(obligation.audience)
        if policy is None:
            continue
        target = obligation.due_at or obligation.soft_due_at
        steps = due_steps(
            policy, clock_started_at=obligation.clock_started_at, due_at=target, now=now
        )
        pending = [s for s in steps if s.key not in done.get((obligation.pk, target), set())]
        if not pending:
            continue
        claim = reminder_claim(obligation_id=obligation.pk, due_at=target, steps=pending, now=now)
        if claim is None:
            report.lost_race += 1
            continue
        report.claimed += 1
        _send_claim_isolated(claim, now=now, report=report)
    return report


def _send_claim_isolated(claim: Claim, *, now: datetime, report: SweepReport) -> None:
    """One broken reminder (a template or database error) must not starve the others."""
    try:
        _send_claim(claim, now=now, report=report)
    except Exception:
        # The claim stays leased: a later sweep retries it (up to MAX_TRIES), then marks it
        # failed. Provider errors never get here; they are ChannelError results.
        logger.exception("reminder attempt %s crashed; retried after the lease", claim.lead_id)
        report.errors += 1


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
