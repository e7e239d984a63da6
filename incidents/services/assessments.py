"""Risk assessments: computed by the pure engine, stored immutably, overridable by a DPO."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max

from breachdesk.errors import DomainError, InvalidInput
from breachdesk.timeutils import aware_utc, now_utc
from incidents import risk
from incidents.facts import LIST_FACTS, engine_facts, facts_hash, incident_facts
from incidents.models import Assessment, Incident
from incidents.models.assessment import AssessmentKind
from incidents.models.incident import EventKind
from incidents.risk import vocab
from incidents.services.events import Actor, actor_user, event_record
from incidents.services.lifecycle import incident_check_writable
from incidents.services.locks import incident_lock
from incidents.services.planning import obligations_refresh


def _next_version(incident: Incident) -> int:
    return (incident.assessments.aggregate(v=Max("version"))["v"] or 0) + 1


@transaction.atomic
def assessment_compute(
    *, incident_id: int, actor: Actor, now: datetime | None = None
) -> Assessment:
    """Assess the incident's current facts and store the result as version n+1."""
    now = aware_utc(now or now_utc())
    incident = incident_lock(incident_id)
    incident_check_writable(incident)
    facts = incident_facts(incident)
    result = risk.assess(engine_facts(facts))
    assessment = Assessment.objects.create(
        incident=incident,
        version=_next_version(incident),
        kind=AssessmentKind.COMPUTED,
        risk_level=result.risk_level,
        notify_authority=result.notify_authority,
        communicate_subjects=result.communicate_subjects,
        communication_mode=result.communication_mode,
        computed=result.to_dict(),
        facts=facts,
        facts_hash=facts_hash(facts),
        method_version=result.method_version,
        created_by=actor_user(actor),
        created_at=now,
    )
    event_record(
        incident=incident,
        kind=EventKind.ASSESSED,
        actor=actor,
        now=now,
        payload={
            "version": assessment.version,
            "risk_level": result.risk_level,
            "notify_authority": result.notify_authority,
            "communicate_subjects": result.communicate_subjects,
            "communication_mode": result.communication_mode,
            "severity": result.to_dict()["severity"],
            "missing_facts": list(result.missing_facts),
        },
    )
    obligations_refresh(incident=incident, actor=actor, now=now)
    return assessment


@transaction.atomic
def assessment_override(
    *,
    incident_id: int,
    actor: Actor,
    risk_level: str,
    justification: str,
    communication_mode: str | None = None,
    now: datetime | None = None,
) -> Assessment:
    """A DPO's documented decision that departs from the computed outcome (new version)."""
    now = aware_utc(now or now_utc())
    if risk_level not in vocab.RISK_LEVELS:
        raise InvalidInput(
            f"risk_level must be one of {', '.join(vocab.RISK_LEVELS)}.", field="risk_level"
        )
    if not justification.strip():
        raise InvalidInput("An override needs a written justification.", field="justification")
    incident = incident_lock(incident_id)
    incident_check_writable(incident)
    base = incident.assessments.filter(kind=AssessmentKind.COMPUTED).order_by("-version").first()
    if base is None:
        raise DomainError(
            "Compute an assessment before overriding it.", field="assessment", status=409
        )
    if communication_mode is None:
        communication_mode = (
            "individual"
            if risk_level == "high" and base.communication_mode == "none"
            else base.communication_mode
            if risk_level == "high"
            else "none"
        )
    if communication_mode not in vocab.COMMUNICATION_MODES:
        raise InvalidInput(
            f"communication_mode must be one of {', '.join(vocab.COMMUNICATION_MODES)}.",
            field="communication_mode",
        )
    facts = incident_facts(incident)
    assessment = Assessment.objects.create(
        incident=incident,
        version=_next_version(incident),
        kind=AssessmentKind.OVERRIDE,
        risk_level=risk_level,
        notify_authority=risk_level in ("risk", "high"),
        communicate_subjects=communication_mode != "none",
        communication_mode=communication_mode,
        computed=base.computed,
        justification=justification.strip(),
        based_on=base,
        facts=facts,
        facts_hash=facts_hash(facts),
        method_version=base.method_version,
        created_by=actor_user(actor),
        created_at=now,
    )
    event_record(
        incident=incident,
        kind=EventKind.ASSESSMENT_OVERRIDDEN,
        actor=actor,
        now=now,
        payload={
            "version": assessment.version,
            "based_on": base.version,
            "computed_risk_level": base.risk_level,
            "risk_level": risk_level,
            "communication_mode": communication_mode,
            "justification": assessment.justification,
        },
    )
    obligations_refresh(incident=incident, actor=actor, now=now)
    return assessment


def assessment_preview(*, incident: Incident, changes: dict[str, Any]) -> risk.Assessment:
    """What the engine would answer if `changes` were saved; nothing is written."""
    facts = incident_facts(incident)
    for field, value in changes.items():
        if field not in facts:
            raise InvalidInput(f"{field} is not a risk fact.", field=field)
        if value in ("", [], None):
            facts[field] = None
        else:
            facts[field] = sorted(value) if field in LIST_FACTS else value
    return risk.assess(engine_facts(facts))
