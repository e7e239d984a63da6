"""Correspondence with an authority after filing: questions, answers, answer due dates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from breachdesk.errors import InvalidInput
from breachdesk.timeutils import aware_utc, iso, now_utc
from incidents.models import Obligation
from incidents.models.incident import EventKind
from incidents.models.obligation import ObligationStatus
from incidents.services.events import Actor, event_record
from incidents.services.locks import incident_lock
from incidents.services.obligations import obligation_meet, obligation_request_open
from notifications.filings.models import Correspondence, CorrespondenceKind, Direction, Filing


def correspondence_out(row: Correspondence) -> dict[str, Any]:
    obligation = row.answer_obligation
    return {
        "id": row.pk,
        "incident": row.incident_id,
        "filing": row.filing_id,
        "direction": row.direction,
        "kind": row.kind,
        "occurred_at": iso(row.occurred_at),
        "counterpart": row.counterpart,
        "channel": row.channel,
        "subject": row.subject,
        "body": row.body,
        "authority_reference": row.authority_reference,
        "reply_to": row.reply_to_id,
        "answer_due_at": iso(row.answer_due_at),
        "answer_obligation": (
            {"id": obligation.pk, "status": obligation.status, "due_at": iso(obligation.due_at)}
            if obligation
            else None
        ),
        "created_at": iso(row.created_at),
    }


@transaction.atomic
def correspondence_log(
    *,
    incident_id: int,
    actor: Actor,
    direction: str,
    kind: str,
    occurred_at: datetime,
    counterpart: str,
    subject: str,
    body: str = "",
    authority_reference: str = "",
    channel: str = "email",
    filing_id: int | None = None,
    reply_to_id: int | None = None,
    answer_due_at: datetime | None = None,
    delay_reason: str = "",
    now: datetime | None = None,
) -> Correspondence:
    """Log one message with an authority.

    A question with an answer date opens a duty to answer by then (an obligation with
    reminders); our answer to it meets that duty, with the message as evidence.
    """
    now = aware_utc(now or now_utc())
    occurred_at = aware_utc(occurred_at, field="occurred_at")
    incident = incident_lock(incident_id)
    if occurred_at > now:
        raise InvalidInput("occurred_at cannot be in the future.", field="occurred_at")
    filing = None
    if filing_id is not None:
        filing = Filing.objects.filter(pk=filing_id, incident=incident).first()
        if filing is None:
            raise InvalidInput("No such filing on this incident.", field="filing")
    reply_to = None
    if reply_to_id is not None:
        reply_to = Correspondence.objects.filter(pk=reply_to_id, incident=incident).first()
        if reply_to is None:
            raise InvalidInput("No such message on this incident.", field="reply_to")
    if answer_due_at is not None:
        answer_due_at = aware_utc(answer_due_at, field="answer_due_at")
        if direction != Direction.INBOUND or kind != CorrespondenceKind.QUESTION:
            raise InvalidInput(
                "Only a question from the authority has an answer due date.",
                field="answer_due_at",
            )
        if answer_due_at <= occurred_at:
            raise InvalidInput("answer_due_at must be after the question.", field="answer_due_at")
    row = Correspondence(
        incident=incident,
        filing=filing,
        direction=direction,
        kind=kind,
        occurred_at=occurred_at,
        counterpart=counterpart.strip(),
        channel=channel,
        subject=subject.strip(),
        body=body,
        authority_reference=authority_reference.strip(),
        reply_to=reply_to,
        answer_due_at=answer_due_at,
        recorded_by=actor if not isinstance(actor, str) else None,
        created_at=now,
    )
    row.full_clean()
    row.save()
    if answer_due_at is not None:
        row.answer_obligation = _answer_duty(row, actor=actor, now=now)
        row.save(update_fields=["answer_obligation"])
    answered = _meet_answered(row, actor=actor, delay_reason=delay_reason, now=now)
    event_record(
        incident=incident,
        kind=EventKind.CORRESPONDENCE_LOGGED,
        actor=actor,
        now=now,
        payload={
            "correspondence_id": row.pk,
            "direction": direction,
            "kind": kind,
            "subject": row.subject,
            "answer_due_at": iso(answer_due_at),
            "reply_to": reply_to_id,
            "answer_obligation": row.answer_obligation_id,
            "answers_obligation": answered.pk if answered else None,
        },
    )
    return row


def _answer_duty(question: Correspondence, *, actor: Actor, now: datetime) -> Obligation:
    filing = question.filing
    regime = filing.regime if filing else ""
    citation = (
        "GDPR Art. 31 and 58(1)(a): the supervisory authority's request"
        if regime == "gdpr"
        else "The authority's request under its investigative powers"
    )
    return obligation_request_open(
        incident=question.incident,
        key=str(question.pk),
        recipient=question.counterpart,
        audience=filing.obligation.audience if filing else "supervisory_authority",
        jurisdiction=filing.obligation.jurisdiction if filing else "authority",
        asked_at=question.occurred_at,
        due_at=question.answer_due_at,
        citation=citation,
        subject=question.subject,
        actor=actor,
        now=now,
    )


def _meet_answered(
    row: Correspondence, *, actor: Actor, delay_reason: str, now: datetime
) -> Obligation | None:
    """Our answer to a question that has an open duty to answer meets that duty."""
    question = row.reply_to
    if row.direction != Direction.OUTBOUND or question is None:
        return None
    duty = question.answer_obligation
    if duty is None or duty.status != ObligationStatus.PENDING:
        return None
    return obligation_meet(
        obligation_id=duty.pk,
        actor=actor,
        met_at=row.occurred_at,
        evidence={
            "channel": row.channel,
            "recipient": row.counterpart,
            "reference": row.authority_reference or f"correspondence {row.pk}",
            "correspondence_id": row.pk,
        },
        delay_reason=delay_reason,
        now=now,
    )
