"""The incident timeline: who acted (the actor) and one event per change, with its audit entry.

Every service that changes an incident (or anything hanging from it) writes its timeline
event through `event_record`, inside its own transaction, so the timeline and the audit chain
never disagree.
"""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from incidents.models import Incident, IncidentEvent
from incidents.services.audit import audit_append, jsonable

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
    payload = jsonable(payload or {})
    event = IncidentEvent.objects.create(
        incident=incident,
        kind=kind,
        actor=actor_user(actor),
        actor_label=actor_label(actor),
        occurred_at=now,
        payload=payload,
    )
    audit_append(
        actor=actor_label(actor),
        action=f"incident.{kind}",
        object_type="incident",
        object_id=incident.reference,
        data={"event_id": event.pk, **payload},
        now=now,
    )
    return event
