"""Correspondence with an authority after filing: questions, answers, answer due dates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from breachdesk.errors import InvalidInput
from breachdesk.timeutils import aware_utc, iso, now_utc
from incidents.models.incident import EventKind
from incidents.services.events import Actor, event_record
from incidents.services.locks import incident_lock
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
    filing_id: int | None = None,
    reply_to_id: int | None = None,
    answer_due_at: datetime | None = None,
    now: datetime | None = None,
) -> Correspondence:
    """Log one message; a question with an answer date opens a duty to answer by then."""
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
        },
    )
    return row
