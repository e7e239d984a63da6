"""Incident register services: create, edit, comment, archive. Status moves are actions
(`incidents/services/lifecycle.py`); duties are planned in `planning.py`."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction

from breachdesk.errors import DomainError, InvalidInput
from breachdesk.timeutils import aware_utc, iso, now_utc
from incidents.facts import FACT_FIELDS, fact_stored_value
from incidents.models import Incident, Organization, Party, ReferenceCounter
from incidents.models.incident import EventKind, IncidentRole, IncidentSource
from incidents.models.organization import OrgRole
from incidents.models.party import PartyKind
from incidents.services.events import (
    Actor,
    EventRecord,
    actor_user,
    event_record,
    events_record_many,
)
from incidents.services.lifecycle import incident_check_writable
from incidents.services.locks import incident_lock
from incidents.services.planning import obligations_refresh
from incidents.status import IncidentStatus
from incidents.validation import event_time_problem, population_derived

DATETIME_FIELDS = (
    "detected_at",
    "occurred_from",
    "occurred_to",
    "aware_at",
    "contained_at",
    "proposed_aware_at",
    "source_notified_at",
    "classified_major_at",
)
EDITABLE_FIELDS = (
    "title",
    "summary",
    "vector",
    "detected_at",
    "occurred_from",
    "occurred_to",
    "aware_at",
    "aware_basis",
    "proposed_aware_at",
    "contained_at",
    "classified_major_at",
    "assignee",
    "role",
    "controllers",
    "source_party",
    "source_notified_at",
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
    *(f for f in FACT_FIELDS if f not in ("subjects_count", "records_count")),
)
# Changing these can change which legal duties apply, to whom, or when their clocks start.
OBLIGATION_INPUTS = frozenset(
    {
        "aware_at",
        "detected_at",
        "classified_major_at",
        "countries",
        "residents",
        "subjects_count",
        "subjects_min",
        "subjects_max",
        "role",
        "controllers",
    }
)
MANY_FIELDS = ("controllers",)


def _next_reference(now: datetime) -> tuple[str, str | None]:
    """The year's next number and the organisation's role, in one `UPDATE ... RETURNING`
    (it takes the row lock itself; the year's first incident creates the row)."""
    table, last, year = map(
        connection.ops.quote_name, (ReferenceCounter._meta.db_table, "last", "year")
    )
    meta = Organization._meta
    org, role, pk = map(
        connection.ops.quote_name, (meta.db_table, meta.get_field("role").column, meta.pk.column)
    )
    # Names from the models (and the database quoting them); the year is a parameter.
    bump = (
        f"UPDATE {table} SET {last} = {last} + 1 WHERE {year} = %s "  # noqa: S608  # nosec B608  # names
        f"RETURNING {last}, (SELECT {role} FROM {org} ORDER BY {pk} LIMIT 1)"
    )
    for _ in range(2):
        with connection.cursor() as cursor:
            cursor.execute(bump, [now.year])
            row = cursor.fetchone()
        if row is not None:
            return f"BD-{now.year}-{row[0]:04d}", row[1]
        ReferenceCounter.objects.get_or_create(year=now.year)
    raise RuntimeError(f"The reference counter of {now.year} could not be created.")


def _display(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, AbstractBaseUser):
        return value.get_username()
    if isinstance(value, Party):
        return {"id": value.pk, "name": value.name}
    if isinstance(value, list | tuple) and value and isinstance(value[0], Party):
        return [_display(v) for v in value]
    return value


def _normalise(field: str, value: Any) -> Any:
    if field in DATETIME_FIELDS and value is not None:
        return aware_utc(value, field=field)
    if field in FACT_FIELDS:
        return fact_stored_value(field, value)
    if field in ("countries", "tags") and value is None:
        return []
    if field == "vector" and value is None:
        return ""
    if field == "residents" and value is None:
        return {}
    if field == "controllers":
        return sorted(value or [], key=lambda p: p.pk)
    return value


def _check_times(incident: Incident, now: datetime) -> None:
    fields = ("aware_at", "detected_at", "occurred_from", "occurred_to", "contained_at")
    for field in (*fields, "source_notified_at", "classified_major_at"):
        value = getattr(incident, field)
        if value is not None and (problem := event_time_problem(value, now)):
            raise InvalidInput(f"{field} {problem}.", field=field)


def _check_parties(incident: Incident, controllers: list[Party] | None) -> None:
    """Customers only on processor incidents; the source is a processor we use."""
    if controllers:
        if incident.role != IncidentRole.PROCESSOR:
            raise InvalidInput(
                "controllers (the customers whose data is involved) apply only when role is "
                "processor.",
                field="controllers",
            )
        wrong = [p.name for p in controllers if p.kind != PartyKind.CUSTOMER]
        if wrong:
            raise InvalidInput(
                f"controllers must be customers; not: {', '.join(wrong)}.", field="controllers"
            )
    source = incident.source_party
    if source is not None and source.kind == PartyKind.CUSTOMER:
        raise InvalidInput(
            "source_party is the processor or sub-processor where the breach happened, "
            "not a customer.",
            field="source_party",
        )


def _default_role(role: str | None, source: str) -> str:
    """The incident's role from the organisation's (None: no organisation yet)."""
    if role is None or role == OrgRole.CONTROLLER:
        return IncidentRole.CONTROLLER
    if role == OrgRole.PROCESSOR:
        return IncidentRole.PROCESSOR
    if source == IncidentSource.ALERT:
        # Nobody can choose for a monitoring alert: plan the wider controller duties until
        # a person sets the role in triage.
        return IncidentRole.CONTROLLER
    raise InvalidInput(
        "The organisation is both controller and processor: say which it is for this "
        "incident (role = controller or processor).",
        field="role",
    )


def _awareness_from_source(incident: Incident) -> None:
    """A processor's notice can be the moment of awareness (Art. 33(2) -> 33(1))."""
    if incident.aware_at is None and incident.source_notified_at is not None:
        incident.aware_at = incident.source_notified_at
        if not incident.aware_basis and incident.source_party is not None:
            incident.aware_basis = f"Notified by {incident.source_party.name}."


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
    incident.country_index = "".join(f"|{c}" for c in sorted(set(incident.countries))) + "|"
    # The CheckConstraints are enforced by the database and, with field names, by
    # validate_incident(); skipping their per-constraint queries keeps alert intake fast.
    incident.full_clean(
        exclude=["reference", "status_changed_at", "created_at", "updated_at", "controllers"],
        validate_constraints=False,
    )
    incident.updated_at = now
    if update_fields is None:
        incident.save()
    else:
        fields = {*update_fields, *derived, "country_index", "updated_at"}
        incident.save(update_fields=sorted(fields))


def _check_fields(data: dict[str, Any], verb: str) -> None:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        raise InvalidInput(f"{field} cannot be {verb} on an incident.", field=field)


def incident_create(
    *,
    actor: Actor,
    data: dict[str, Any],
    source: str = IncidentSource.MANUAL,
    now: datetime | None = None,
    events: Sequence[tuple[str, dict[str, Any]]] = (),
    savepoint: bool = True,
) -> Incident:
    """Record a new (suspected) breach in triage; starts clocks if awareness is known.
    `events` (kind, payload) go on the new incident's timeline after its creation, on the
    same audit append (e.g. the alert that opened it). `savepoint=False` spares the
    SAVEPOINT and RELEASE round trips to a caller whose transaction rolls back whole on any
    error (alert intake): a failure here then leaves that transaction unusable."""
    with transaction.atomic(savepoint=savepoint):
        return _incident_create(actor=actor, data=data, source=source, now=now, events=events)


def _incident_create(
    *,
    actor: Actor,
    data: dict[str, Any],
    source: str,
    now: datetime | None,
    events: Sequence[tuple[str, dict[str, Any]]],
) -> Incident:
    now = aware_utc(now or now_utc())
    _check_fields(data, "set")
    incident = Incident(
        status=IncidentStatus.TRIAGE,
        source=source,
        status_changed_at=now,
        created_at=now,
        updated_at=now,
        reporter=actor_user(actor),
    )
    controllers = _normalise("controllers", data.get("controllers"))
    for field, value in data.items():
        if field not in MANY_FIELDS:
            setattr(incident, field, _normalise(field, value))
    if not incident.title:
        raise InvalidInput("title is required.", field="title")
    incident.reference, org_role = _next_reference(now)
    if not data.get("role"):
        incident.role = _default_role(org_role, source)
    _check_parties(incident, controllers)
    _awareness_from_source(incident)
    _save_validated(incident, now, None)
    if controllers:
        incident.controllers.set(controllers)
    created = {
        "reference": incident.reference,
        "source": source,
        "role": incident.role,
        "fields": {
            k: _display(controllers if k in MANY_FIELDS else getattr(incident, k))
            for k in sorted(data)
        },
    }
    timeline = [(EventKind.CREATED, created)]
    if incident.aware_at:
        aware = {"aware_at": iso(incident.aware_at), "basis": incident.aware_basis}
        timeline.append((EventKind.AWARENESS_SET, aware))
    # One append: the events' rows in one INSERT, their audit entries on the chain in order.
    events_record_many(
        [
            EventRecord(incident=incident, kind=kind, actor=actor, now=now, payload=payload)
            for kind, payload in [*timeline, *events]
        ]
    )
    obligations_refresh(incident=incident, actor=actor, now=now)
    return incident


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
    _check_fields(changes, "changed")
    if incident.archived_at is not None:
        raise DomainError("Archived incidents are read-only; unarchive first.", field="archived")
    incident_check_writable(incident)
    diff: dict[str, dict[str, Any]] = {}
    controllers = None
    for field, value in changes.items():
        value = _normalise(field, value)
        old = (
            sorted(incident.controllers.all(), key=lambda p: p.pk)
            if field in MANY_FIELDS
            else getattr(incident, field)
        )
        if old != value:
            diff[field] = {"old": _display(old), "new": _display(value)}
            if field in MANY_FIELDS:
                controllers = value
            else:
                setattr(incident, field, value)
    if not diff:
        return incident
    old_aware = diff.get("aware_at", {}).get("old")
    if "aware_at" in diff and old_aware is not None and not aware_at_reason.strip():
        raise InvalidInput(
            "Moving aware_at re-times every legal clock: give aware_at_reason.",
            field="aware_at_reason",
        )
    _check_parties(
        incident, controllers if controllers is not None else list(incident.controllers.all())
    )
    if "source_notified_at" in diff and incident.aware_at is None:
        _awareness_from_source(incident)
        if incident.aware_at is not None:
            diff["aware_at"] = {"old": None, "new": iso(incident.aware_at)}
            diff.setdefault("aware_basis", {"old": "", "new": incident.aware_basis})
    _save_validated(incident, now, [f for f in diff if f not in MANY_FIELDS])
    if controllers is not None:
        incident.controllers.set(controllers)
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
        obligations_refresh(incident=incident, actor=actor, now=now)
    return incident


@transaction.atomic
def incident_comment(
    *, incident_id: int, actor: Actor, text: str, now: datetime | None = None
) -> Incident:
    now = aware_utc(now or now_utc())
    if not text.strip():
        raise InvalidInput("text must not be empty.", field="text")
    incident = incident_lock(incident_id)
    incident_check_writable(incident)
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
