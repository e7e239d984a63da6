"""Incident register services: create, edit, move through the lifecycle, comment, archive."""

import dataclasses
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from breachdesk.errors import DomainError, InvalidInput
from breachdesk.timeutils import aware_utc, iso, now_utc
from incidents.models import Incident, IncidentEvent, ReferenceCounter
from incidents.models.incident import EventKind, IncidentSource
from incidents.risk import Facts
from incidents.services.audit import AuditRecord, audit_append_many, jsonable
from incidents.status import REASON_REQUIRED, IncidentStatus, check_transition
from incidents.validation import event_time_problem, population_derived

Actor = AbstractBaseUser | str | None

DATETIME_FIELDS = (
    "detected_at",
    "occurred_from",
    "occurred_to",
    "aware_at",
    "contained_at",
    "proposed_aware_at",
)
# The risk engine's facts are the API contract: one list, owned by the engine.
FACT_FIELDS = tuple(field.name for field in dataclasses.fields(Facts))
EDITABLE_FIELDS = (
    "title",
    "summary",
    "detected_at",
    "occurred_from",
    "occurred_to",
    "aware_at",
    "aware_basis",
    "proposed_aware_at",
    "contained_at",
    "assignee",
    "countries",
    "residents",
    "subjects_count",
    "subjects_min",
    "subjects_max",
    "records_count",
    "records_min",
    "records_max",
    "likely_consequences",
    "measures_taken",
    "measures_proposed",
    "tags",
    *FACT_FIELDS,
)
# Changing these can change which legal duties apply or when their clocks start.
OBLIGATION_INPUTS = frozenset(
    {
        "aware_at",
        "detected_at",
        "countries",
        "residents",
        "subjects_count",
        "subjects_min",
        "subjects_max",
    }
)


def actor_label(actor: Actor) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    return f"user:{actor.get_username()}"


def _actor_user(actor: Actor):
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


@dataclasses.dataclass(frozen=True)
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
            actor=_actor_user(record.actor),
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


def _next_reference(now: datetime) -> str:
    counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(year=now.year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"BD-{now.year}-{counter.last:04d}"


def _display(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, AbstractBaseUser):
        return value.get_username()
    return value


def _normalise(field: str, value: Any) -> Any:
    if field in DATETIME_FIELDS and value is not None:
        return aware_utc(value, field=field)
    if (
        field
        in (
            "cause",
            "credentials_protection",
            "identifiability",
            "exposure",
            "data_protection",
            "availability_impact",
            "integrity_impact",
            "contact_effort",
        )
        and value is None
    ):
        return ""
    if (
        field
        in (
            "breach_types",
            "data_categories",
            "subject_categories",
            "mitigations",
            "countries",
            "tags",
        )
        and value is None
    ):
        return []
    if field == "residents" and value is None:
        return {}
    return value


def _check_times(incident: Incident, now: datetime) -> None:
    for field in ("aware_at", "detected_at", "occurred_from", "occurred_to", "contained_at"):
        value = getattr(incident, field)
        if value is not None and (problem := event_time_problem(value, now)):
            raise InvalidInput(f"{field} {problem}.", field=field)


def _sync_country_index(incident: Incident) -> None:
    incident.country_index = "".join(f"|{code}" for code in sorted(set(incident.countries))) + "|"


def _derive_population(incident: Incident) -> list[str]:
    """Residents imply their regions and, if unknown, the number of people; changed fields."""
    if not isinstance(incident.countries, list) or not isinstance(incident.residents, dict):
        return []  # validate_incident() names the malformed field
    countries, subjects = population_derived(
        incident.countries or [], incident.residents or {}, incident.subjects_count
    )
    changed = []
    if countries != (incident.countries or []):
        incident.countries, changed = countries, [*changed, "countries"]
    if subjects != incident.subjects_count:
        incident.subjects_count, changed = subjects, [*changed, "subjects_count"]
    return changed


def _save_validated(incident: Incident, now: datetime, update_fields: list[str] | None) -> None:
    _check_times(incident, now)
    derived = _derive_population(incident)
    _sync_country_index(incident)
    # The CheckConstraints are enforced by the database and, with field names, by
    # validate_incident(); skipping their per-constraint queries keeps alert intake fast.
    incident.full_clean(
        exclude=["reference", "status_changed_at", "created_at", "updated_at"],
        validate_constraints=False,
    )
    incident.updated_at = now
    if update_fields is None:
        incident.save()
    else:
        fields = {*update_fields, *derived, "country_index", "updated_at"}
        incident.save(update_fields=sorted(fields))


@transaction.atomic
def incident_create(
    *,
    actor: Actor,
    data: dict[str, Any],
    source: str = IncidentSource.MANUAL,
    now: datetime | None = None,
) -> Incident:
    """Record a new (suspected) breach in triage; starts clocks if awareness is known."""
    now = aware_utc(now or now_utc())
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        raise InvalidInput(f"{field} cannot be set on an incident.", field=field)
    incident = Incident(
        status=IncidentStatus.TRIAGE,
        source=source,
        status_changed_at=now,
        created_at=now,
        updated_at=now,
        reporter=_actor_user(actor),
    )
    for field, value in data.items():
        setattr(incident, field, _normalise(field, value))
    if not incident.title:
        raise InvalidInput("title is required.", field="title")
    incident.reference = _next_reference(now)
    _save_validated(incident, now, None)
    event_record(
        incident=incident,
        kind=EventKind.CREATED,
        actor=actor,
        now=now,
        payload={
            "reference": incident.reference,
            "source": source,
            "fields": {k: _display(getattr(incident, k)) for k in sorted(data)},
        },
    )
    if incident.aware_at:
        event_record(
            incident=incident,
            kind=EventKind.AWARENESS_SET,
            actor=actor,
            now=now,
            payload={"aware_at": iso(incident.aware_at), "basis": incident.aware_basis},
        )
    from incidents.services.obligations import obligations_refresh

    obligations_refresh(incident=incident, actor=actor, now=now)
    return incident


def incident_lock(incident_id: int) -> Incident:
    try:
        return Incident.objects.select_for_update().get(pk=incident_id)
    except Incident.DoesNotExist as exc:
        raise DomainError("Incident not found.", code="not_found", status=404) from exc


@transaction.atomic
def incident_update(
    *,
    incident_id: int,
    actor: Actor,
    changes: dict[str, Any],
    aware_at_reason: str = "",
    now: datetime | None = None,
) -> Incident:
    """Edit fields (never status); each change lands on the timeline with old and new values."""
    now = aware_utc(now or now_utc())
    incident = incident_lock(incident_id)
    if "status" in changes:
        raise InvalidInput("status changes only through the transitions endpoint.", field="status")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        raise InvalidInput(f"{field} cannot be changed.", field=field)
    if incident.archived_at is not None:
        raise DomainError("Archived incidents are read-only; unarchive first.", field="archived")
    diff: dict[str, dict[str, Any]] = {}
    for field, value in changes.items():
        value = _normalise(field, value)
        old = getattr(incident, field)
        if old != value:
            diff[field] = {"old": _display(old), "new": _display(value)}
            setattr(incident, field, value)
    if not diff:
        return incident
    old_aware = diff.get("aware_at", {}).get("old")
    if "aware_at" in diff and old_aware is not None and not aware_at_reason.strip():
        raise InvalidInput(
            "Moving aware_at re-times every legal clock: give aware_at_reason.",
            field="aware_at_reason",
        )
    _save_validated(incident, now, list(diff))
    event_record(
        incident=incident, kind=EventKind.UPDATED, actor=actor, now=now, payload={"changes": diff}
    )
    if "aware_at" in diff:
        kind = EventKind.AWARENESS_CORRECTED if old_aware else EventKind.AWARENESS_SET
        event_record(
            incident=incident,
            kind=kind,
            actor=actor,
            now=now,
            payload={
                "old": old_aware,
                "new": diff["aware_at"]["new"],
                "reason": aware_at_reason,
                "basis": incident.aware_basis,
            },
        )
    if OBLIGATION_INPUTS & set(diff):
        from incidents.services.obligations import obligations_refresh

        obligations_refresh(incident=incident, actor=actor, now=now)
    return incident


@transaction.atomic
def incident_transition(
    *, incident_id: int, actor: Actor, to: str, comment: str = "", now: datetime | None = None
) -> Incident:
    """Move an incident along the lifecycle table; illegal moves raise 409 with the options."""
    now = aware_utc(now or now_utc())
    incident = incident_lock(incident_id)
    current = incident.status
    check_transition(current, to)
    comment = comment.strip()
    if to in REASON_REQUIRED and not comment:
        raise InvalidInput(
            f"Moving to {to!r} requires a reason in comment (Art. 33(5) register).", field="comment"
        )
    if to == IncidentStatus.ASSESSING and incident.aware_at is None:
        raise DomainError(
            "Set aware_at (the moment of awareness, with its basis) before assessing: "
            "it starts the legal clocks.",
            field="aware_at",
            status=409,
            code="precondition_failed",
        )
    _check_decision(incident, to)
    incident.status = to
    incident.status_changed_at = now
    fields = ["status", "status_changed_at", "updated_at"]
    if current == IncidentStatus.TRIAGE and incident.triaged_at is None:
        incident.triaged_at = now
        fields.append("triaged_at")
    if to in REASON_REQUIRED:
        incident.decision_reason = comment
        fields.append("decision_reason")
    incident.updated_at = now
    incident.save(update_fields=fields)
    event_record(
        incident=incident,
        kind=EventKind.TRANSITIONED,
        actor=actor,
        now=now,
        payload={"from": current, "to": to, "comment": comment},
    )
    return incident


def _check_decision(incident: Incident, to: str) -> None:
    """A notifiability decision must rest on the current assessment (or a DPO's override)."""
    if to not in (IncidentStatus.NOTIFIABLE, IncidentStatus.NOT_NOTIFIABLE):
        return
    current = incident.assessments.order_by("-version").first()
    if current is None:
        raise DomainError(
            f"Moving to {to!r} is a decision that must rest on a risk assessment: "
            "POST /assessments/ first.",
            field="assessment",
            code="precondition_failed",
        )
    says_notify = current.notify_authority
    if (to == IncidentStatus.NOTIFIABLE) != says_notify:
        raise DomainError(
            f"The current assessment (v{current.version}, {current.risk_level}) says the "
            f"authority {'must' if says_notify else 'need not'} be notified; record a DPO "
            "override with a justification before deciding otherwise.",
            field="assessment",
            code="precondition_failed",
            risk_level=current.risk_level,
        )


@transaction.atomic
def incident_comment(
    *, incident_id: int, actor: Actor, text: str, now: datetime | None = None
) -> Incident:
    now = aware_utc(now or now_utc())
    if not text.strip():
        raise InvalidInput("text must not be empty.", field="text")
    incident = incident_lock(incident_id)
    event_record(
        incident=incident,
        kind=EventKind.COMMENTED,
        actor=actor,
        now=now,
        payload={"text": text.strip()},
    )
    return incident


@transaction.atomic
def incident_set_archived(
    *, incident_id: int, actor: Actor, archived: bool, reason: str = "", now: datetime | None = None
) -> Incident:
    """Archive (hide from the working list; never delete) or bring back an incident."""
    now = aware_utc(now or now_utc())
    incident = incident_lock(incident_id)
    if (incident.archived_at is not None) == archived:
        state = "archived" if archived else "not archived"
        raise DomainError(f"Incident is already {state}.", field="archived")
    incident.archived_at = now if archived else None
    incident.updated_at = now
    incident.save(update_fields=["archived_at", "updated_at"])
    event_record(
        incident=incident,
        kind=EventKind.ARCHIVED if archived else EventKind.UNARCHIVED,
        actor=actor,
        now=now,
        payload={"reason": reason},
    )
    return incident
