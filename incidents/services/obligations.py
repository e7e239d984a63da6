"""How duties end: met (with evidence of how), waived by a DPO, or missed (recorded once)."""

from datetime import datetime
from typing import Any

from django.db import transaction

from breachdesk.errors import DomainError, InvalidInput
from breachdesk.timeutils import aware_utc, iso, now_utc
from incidents.models import Incident, Obligation
from incidents.models.incident import EventKind
from incidents.models.obligation import EVIDENCE_CHANNELS, DueBasis, ObligationStatus
from incidents.services.events import Actor, actor_user, event_record
from incidents.services.lifecycle import incident_check_writable, status_apply
from incidents.services.locks import obligation_lock
from incidents.services.planning import FINAL_STATUSES, REQUEST_RULE_CODE, obligations_refresh
from incidents.status import IncidentStatus, action_for
from incidents.validation import event_time_problem

EVIDENCE_FIELDS = ("channel", "recipient", "reference", "document")


def evidence_clean(evidence: dict[str, Any] | None) -> dict[str, Any]:
    """How a duty was met: the channel, who received it, and a reference or a document.

    Services may add keys of their own (a filing's id and snapshot hash, a campaign's id);
    the API accepts only the four fields."""
    extra = dict(evidence or {})
    clean = {k: str(extra.pop(k, "") or "").strip() for k in EVIDENCE_FIELDS}
    if clean["channel"] not in EVIDENCE_CHANNELS:
        raise InvalidInput(
            f"evidence.channel must be one of {', '.join(EVIDENCE_CHANNELS)}.", field="evidence"
        )
    if not clean["recipient"]:
        raise InvalidInput("evidence.recipient must say who received the notice.", field="evidence")
    if not (clean["reference"] or clean["document"]):
        raise InvalidInput(
            "evidence needs a reference (case number, message id) or a document.",
            field="evidence",
        )
    return {**{k: v for k, v in clean.items() if v}, **extra}


@transaction.atomic
def obligation_meet(
    *,
    obligation_id: int,
    actor: Actor,
    met_at: datetime,
    evidence: dict[str, Any] | None = None,
    delay_reason: str = "",
    now: datetime | None = None,
) -> Obligation:
    """Record that a duty was fulfilled and how; lateness is frozen now and needs reasons."""
    now = aware_utc(now or now_utc())
    met_at = aware_utc(met_at, field="met_at")
    incident, obligation = obligation_lock(obligation_id)
    incident_check_writable(incident)
    if obligation.status != ObligationStatus.PENDING:
        raise DomainError(
            f"Only a pending obligation can be met; this one is {obligation.status}.",
            field="status",
            current=obligation.status,
        )
    evidence = evidence_clean(evidence)
    if problem := event_time_problem(met_at, now):
        raise InvalidInput(f"met_at {problem}.", field="met_at")
    if obligation.clock_started_at and met_at < obligation.clock_started_at:
        raise InvalidInput("met_at is before the clock started.", field="met_at")
    late = obligation.due_at is not None and met_at > obligation.due_at
    if late and not delay_reason.strip():
        raise InvalidInput(
            "This obligation is met after its deadline: give delay_reason (GDPR Art. 33(1)).",
            field="delay_reason",
        )
    obligation.status = ObligationStatus.LATE if late else ObligationStatus.MET
    obligation.met_at = met_at
    obligation.late = late
    obligation.late_by_seconds = (
        int((met_at - obligation.due_at).total_seconds()) if obligation.due_at else None
    )
    obligation.delay_reason = delay_reason.strip()
    obligation.evidence = evidence
    obligation.updated_at = now
    obligation.save()
    event_record(
        incident=incident,
        kind=EventKind.OBLIGATION_MET,
        actor=actor,
        now=now,
        payload={
            "obligation_id": obligation.pk,
            "rule": obligation.rule_code,
            "recipient_key": obligation.recipient_key,
            "met_at": iso(met_at),
            "late": late,
            "late_by_seconds": obligation.late_by_seconds,
            "delay_reason": obligation.delay_reason,
            "evidence": obligation.evidence,
        },
    )
    if incident.status == IncidentStatus.NOTIFIABLE:
        # The first duty met turns a notifiable case into one being notified.
        status_apply(
            incident=incident,
            action=action_for(incident.status, IncidentStatus.NOTIFYING),
            actor=actor,
            now=now,
            comment=f"first duty met: {obligation.rule_code}",
        )
    obligations_refresh(incident=incident, actor=actor, now=now)  # chained clocks start now
    return obligation


@transaction.atomic
def obligation_waive(
    *, obligation_id: int, actor: Actor, justification: str, now: datetime | None = None
) -> Obligation:
    """A DPO decides a duty does not need to be met, with a written justification."""
    now = aware_utc(now or now_utc())
    if not justification.strip():
        raise InvalidInput("A waiver needs a written justification.", field="justification")
    incident, obligation = obligation_lock(obligation_id)
    incident_check_writable(incident)
    if obligation.status in FINAL_STATUSES:
        raise DomainError(f"This obligation is already {obligation.status}.", field="status")
    obligation.status = ObligationStatus.WAIVED
    obligation.waive_justification = justification.strip()
    obligation.waived_by = actor_user(actor)
    obligation.updated_at = now
    obligation.save()
    event_record(
        incident=incident,
        kind=EventKind.OBLIGATION_WAIVED,
        actor=actor,
        now=now,
        payload={
            "obligation_id": obligation.pk,
            "rule": obligation.rule_code,
            "recipient_key": obligation.recipient_key,
            "justification": justification.strip(),
        },
    )
    return obligation


def obligation_missed_record(*, obligation_id: int, now: datetime) -> bool:
    """Put OBLIGATION_MISSED on the timeline once per obligation; False if already done."""
    with transaction.atomic(durable=True):
        # The conditional UPDATE is the once-only guard: a concurrent sweep updates 0 rows.
        updated = Obligation.objects.filter(
            pk=obligation_id,
            status=ObligationStatus.PENDING,
            due_at__lt=now,
            missed_recorded_at__isnull=True,
        ).update(missed_recorded_at=now)
        if not updated:
            return False
        obligation = Obligation.objects.select_related("incident").get(pk=obligation_id)
        event_record(
            incident=obligation.incident,
            kind=EventKind.OBLIGATION_MISSED,
            actor="system",
            now=now,
            payload={
                "obligation_id": obligation.pk,
                "rule": obligation.rule_code,
                "recipient_key": obligation.recipient_key,
                "regime": obligation.regime,
                "audience": obligation.audience,
                "citation": obligation.citation,
                "due_at": iso(obligation.due_at),
                "recorded_seconds_after_due": round((now - obligation.due_at).total_seconds(), 3),
            },
        )
    return True


def obligation_request_open(
    *,
    incident: Incident,
    key: str,
    recipient: str,
    audience: str,
    jurisdiction: str,
    asked_at: datetime,
    due_at: datetime,
    citation: str,
    subject: str,
    actor: Actor,
    now: datetime,
) -> Obligation:
    """An authority asked for something by a date: a duty to answer it, with reminders.

    Runs inside the caller's transaction with the incident locked. The date is the
    authority's (its investigative powers, e.g. GDPR Art. 58(1)(a) with Art. 31), so the
    deadline is hard and its basis is the law; re-planning never touches it.
    """
    asked_at, due_at = aware_utc(asked_at, field="asked_at"), aware_utc(due_at, field="due_at")
    obligation = Obligation.objects.create(
        incident=incident,
        rule=None,
        rule_code=REQUEST_RULE_CODE,
        recipient_key=f"request:{key}",
        regime="Request from an authority",
        jurisdiction=jurisdiction,
        audience=audience,
        recipient=recipient[:300],
        citation=citation[:300],
        confidence="high",
        status=ObligationStatus.PENDING,
        status_reason=f"Answer requested: {subject}"[:2000],
        deadline_kind="hard",
        deadline_text=f"by {iso(due_at)} (date set by the authority)",
        clock_started_at=asked_at,
        due_at=due_at,
        due_basis=DueBasis.LAW,
        created_at=now,
        updated_at=now,
    )
    event_record(
        incident=incident,
        kind=EventKind.OBLIGATIONS_PLANNED,
        actor=actor,
        now=now,
        payload={
            "changes": [
                {
                    "rule": REQUEST_RULE_CODE,
                    "recipient_key": obligation.recipient_key,
                    "change": "added",
                    "status": obligation.status,
                    "due_at": iso(due_at),
                    "due_basis": obligation.due_basis,
                }
            ]
        },
    )
    return obligation
