"""Recording what a reminder claim's sending produced, with its timeline event."""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from breachdesk.db import rows_update
from breachdesk.timeutils import iso
from incidents.models import Obligation
from incidents.models.incident import EventKind
from incidents.services.events import EventRecord, events_record_many
from notifications.models import AttemptStatus, ReminderAttempt
from notifications.services.reminder_claims import LEASE, MAX_TRIES, Claim

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What one claim's sending produced, to be recorded."""

    claim: Claim
    recipients: list[dict]
    results: list[dict]
    sent_at: datetime
    # The duty with its incident, when the caller has it loaded (else read here).
    obligation: Obligation | None = None


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
    constant number of statements (parameterised UPDATEs run with executemany, not
    `bulk_update`'s CASE WHEN); "sent", "failed", "retry" or "lost" per outcome."""
    if not outcomes:
        return []
    fields = ["status", "sent_at", "lease_until", "lateness_seconds", "recipients"]
    fields += ["results", "error"]
    with transaction.atomic(durable=True):
        leads = ReminderAttempt.objects.select_for_update()
        if any(o.obligation is None for o in outcomes):
            leads = leads.select_related("obligation__incident")
        leads = leads.in_bulk([o.claim.lead_id for o in outcomes])
        for item in outcomes:
            if item.obligation is not None:  # the sweep's copy: no second read of every duty
                leads[item.claim.lead_id].obligation = item.obligation
        covered: dict[int, list[ReminderAttempt]] = {}
        rows = ReminderAttempt.objects.filter(covered_by_id__in=list(leads)).order_by("step_at")
        for row in rows.only("pk", "covered_by_id", "step_key", "step_at"):
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
        # Fenced: only a lead still carrying our claim token is written.
        rows_update(
            ReminderAttempt,
            fields=fields,
            match=("id", "claim_token"),
            rows=[
                (
                    {f: getattr(lead, f) for f in fields},
                    {"id": lead.pk, "claim_token": lead.claim_token},
                )
                for lead in changed
            ],
        )
        rows_update(
            ReminderAttempt,
            fields=("sent_at", "lateness_seconds"),
            match=("id",),
            rows=[
                ({"sent_at": row.sent_at, "lateness_seconds": row.lateness_seconds}, {"id": row.pk})
                for row in changed_covered
            ],
        )
        events_record_many(events)
    return verdicts


def _outcome_apply(
    lead: ReminderAttempt, item: Outcome, covered: list[ReminderAttempt], *, now: datetime
) -> str:
    """Set the lead's (and its covered steps') outcome fields; returns the outcome."""
    results, sent_at = item.results, item.sent_at
    accepted = [r for r in results if r.get("accepted")]
    retryable = [r for r in results if r.get("retryable")]
    lead.recipients, lead.results = item.recipients, results
    if retryable and lead.tries < MAX_TRIES:
        # Some recipient's provider refused for now (429/5xx): try again one lease later.
        # The retry finds this try's messages through their ReminderDelivery links and reuses
        # them (notifications.services.reminder_messages), so it reaches only
        # the refused recipients and nobody is messaged twice.
        lead.lease_until = now + LEASE  # a later sweep re-claims it as a stale lease
        lead.error = "; ".join(str(r.get("error")) for r in results if not r.get("accepted"))
        return "retry"
    if accepted:
        lead.status, lead.sent_at, lead.lease_until = AttemptStatus.SENT, sent_at, None
        lead.lateness_seconds = (sent_at - lead.step_at).total_seconds()
        lead.error = "; ".join(str(r.get("error")) for r in results if not r.get("accepted"))
        for row in covered:
            row.sent_at = sent_at
            row.lateness_seconds = (sent_at - row.step_at).total_seconds()
        return AttemptStatus.SENT
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
