"""The incident timeline: who acted (the actor) and one event per change, with its audit entry.

Every service that changes an incident (or anything hanging from it) writes its timeline
event through `event_record`, inside its own transaction, so the timeline and the audit chain
never disagree.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from incidents.models import Incident, IncidentEvent
from incidents.services.audit import AuditRecord, audit_append_many, jsonable

# A person (user), a machine principal ("integration:…", "system") or None (= system).
Actor = AbstractBaseUser | str | None


def actor_label(actor: Actor) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    return f"user:{actor.get_username()}"


def actor_user(actor: Actor) -> AbstractBaseUser | None:
    return actor if isinstance(actor, AbstractBaseUser) else None


def event_record(
    *,
    incident: Incident,
    kind: str,
    actor: Actor,
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> IncidentEvent:
    """Append a timeline event and its audit entry (inside the caller's transaction)."""
    (event,) = events_record_many(
        [EventRecord(incident=incident, kind=kind, actor=actor, now=now, payload=payload)]
    )
    return event


@dataclass(frozen=True)
class EventRecord:
    incident: Incident
    kind: str
    actor: Actor
    now: datetime
    payload: dict[str, Any] | None = None


def events_record_many(records: list[EventRecord]) -> list[IncidentEvent]:
    """Timeline events and their audit entries in a constant number of queries (batch jobs
    such as the reminder sweep); inside the caller's transaction."""
    events = [
        IncidentEvent(
            incident=record.incident,
            kind=record.kind,
            actor=actor_user(record.actor),
            actor_label=actor_label(record.actor),
            occurred_at=record.now,
            payload=jsonable(record.payload or {}),
        )
        for record in records
    ]
    IncidentEvent.objects.bulk_create(events, batch_size=1000)
    audit_append_many(
        [
            AuditRecord(
                actor=actor_label(record.actor),
                action=f"incident.{record.kind}",
                object_type="incident",
                object_id=record.incident.reference,
                data={"event_id": event.pk, **event.payload},
                now=record.now,
            )
            for record, event in zip(records, events, strict=True)
        ]
    )
    return events
