"""Legal obligations: plan them from the rules, keep their clocks exact, record how they end."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max

from breachdesk.errors import DomainError, InvalidInput
from breachdesk.timeutils import aware_utc, iso, now_utc
from incidents import rules as rules_engine
from incidents.models import Incident, Obligation, Organization, RuleVersion
from incidents.models.incident import EventKind
from incidents.models.obligation import ObligationStatus
from incidents.services.incidents import Actor, event_record, incident_lock
from incidents.validation import event_time_problem

FINAL_STATUSES = (ObligationStatus.MET, ObligationStatus.LATE, ObligationStatus.WAIVED)


def _files_signature(directory: Path) -> tuple:
    return tuple(
        sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in directory.glob("*.toml"))
    )


@cache
def _loaded(signature: tuple) -> tuple[rules_engine.Rule, ...]:
    return tuple(rules_engine.load_rules(rules_engine.RULES_DIR))


def rules_sync(*, now: datetime | None = None) -> list[RuleVersion]:
    """Store a new RuleVersion for every shipped rule whose content changed; returns them."""
    now = aware_utc(now or now_utc())
    created = []
    latest = {rv.code: rv for rv in _latest_versions()}
    for rule in _loaded(_files_signature(rules_engine.RULES_DIR)):
        content = json.loads(json.dumps(rule.to_dict(), default=str))
        digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
        current = latest.get(rule.id)
        if current is not None and current.content_hash == digest:
            continue
        created.append(
            RuleVersion.objects.create(
                code=rule.id,
                version=(current.version + 1) if current else 1,
                content=content,
                content_hash=digest,
                loaded_at=now,
            )
        )
    return created


def _latest_versions() -> list[RuleVersion]:
    newest = RuleVersion.objects.values("code").annotate(v=Max("version"))
    wanted = {(row["code"], row["v"]) for row in newest}
    return [rv for rv in RuleVersion.objects.all() if (rv.code, rv.version) in wanted]


_synced_signature: list[tuple] = []


def rules_current() -> dict[str, RuleVersion]:
    """Latest stored version of every rule, syncing from the files when they changed."""
    signature = _files_signature(rules_engine.RULES_DIR)
    if (
        not _synced_signature
        or _synced_signature[0] != signature
        or not RuleVersion.objects.exists()
    ):
        rules_sync()
        _synced_signature[:] = [signature]
    return {rv.code: rv for rv in _latest_versions()}


def deadline_text(spec: rules_engine.DeadlineSpec) -> str:
    parts = []
    for key, unit in (
        ("hours", "hours"),
        ("days", "calendar days"),
        ("business_days", "business days"),
        ("months", "months"),
    ):
        value = getattr(spec, key, None)
        if value:
            parts.append(f"{value} {unit}")
    if getattr(spec, "year_end_anchor", False):
        parts.append("after 31 December of the discovery year")
    if getattr(spec, "guidance_hours", None):
        parts.append(f"{spec.guidance_hours} hours (guidance)")
    if getattr(spec, "guidance_days", None):
        parts.append(f"{spec.guidance_days} days (guidance)")
    if getattr(spec, "internal_target_hours", None):
        parts.append(f"internal target {spec.internal_target_hours} hours")
    if spec.standard:
        parts.append(spec.standard)
    return "; ".join(parts)[:300]


def _triggers(incident: Incident) -> dict[str, datetime]:
    """Trigger timestamps known for the incident (see docs/obligations.md for the mapping)."""
    if incident.aware_at is None:
        return {}
    aware = incident.aware_at
    earliest = min(t for t in (incident.detected_at, aware) if t is not None)
    triggers = {
        "awareness": aware,
        "awareness_of_essential_facts": aware,
        "determination_of_breach": aware,
        "determination_of_incident": aware,
        "reasonable_belief_incident_occurred": aware,
        # Conservative: "known or should reasonably have been known" runs from the first signal.
        "discovery": earliest,
        "detection": earliest,
        "suspicion_of_breach": earliest,
        "end_of_calendar_year_of_discovery": earliest,
    }
    current = incident.assessments.order_by("-version").first()
    if current is not None and current.notify_authority:
        first_notifiable = (
            incident.assessments.filter(notify_authority=True).order_by("version").first()
        )
        triggers["notifiability_assessment"] = first_notifiable.created_at
    return triggers


def _situation(incident: Incident, org: Organization | None) -> rules_engine.Situation:
    current = incident.assessments.order_by("-version").first()
    met = {
        o.rule_code: o.met_at
        for o in incident.obligations.all()
        if o.status in (ObligationStatus.MET, ObligationStatus.LATE) and o.met_at
    }
    return rules_engine.Situation(
        countries=frozenset(incident.countries),
        org_country=org.country if org else None,
        org_role=org.role if org else "controller",
        org_entity_types=frozenset(org.sectors if org else ()),
        subjects_max=incident.subjects_upper_bound,
        residents=dict(incident.residents),
        risk_level=current.risk_level if current else None,
        triggers=_triggers(incident),
        met=met,
    )


def obligations_refresh(*, incident: Incident, actor: Actor, now: datetime) -> list[Obligation]:
    """Recompute which duties apply and when their clocks run; met duties stay frozen.

    Runs inside the caller's transaction with the incident row locked.
    """
    if incident.aware_at is None:
        return []
    existing = {o.rule_code: o for o in incident.obligations.select_related("rule")}
    current = rules_current()
    pinned: dict[str, RuleVersion] = {code: o.rule for code, o in existing.items()}
    versions = {**current, **pinned}  # an existing obligation keeps the version it was born with
    rules = [rules_engine.Rule.from_dict(rv.content) for rv in versions.values()]
    situation = _situation(incident, Organization.objects.first())
    planned = rules_engine.plan_obligations(rules, situation, at=incident.aware_at)
    changes: list[dict[str, Any]] = []
    seen = set()
    for plan in planned:
        code = plan.rule.id
        seen.add(code)
        obligation = existing.get(code)
        if obligation is not None and obligation.status in FINAL_STATUSES:
            continue
        due = plan.due
        if not plan.required:
            status = ObligationStatus.NOT_REQUIRED
        elif plan.clock_started_at is None:
            status = ObligationStatus.AWAITING_TRIGGER
        else:
            status = ObligationStatus.PENDING
        values = {
            "status": status,
            "status_reason": plan.reason,
            "clock_started_at": plan.clock_started_at,
            "due_at": due.due_at if due else None,
            "soft_due_at": due.soft_due_at if due else None,
            "deadline_kind": due.kind if due else _kind(plan.rule.deadline),
        }
        if obligation is None:
            rule = plan.rule
            obligation = Obligation.objects.create(
                incident=incident,
                rule=versions[code],
                rule_code=code,
                regime=rule.regime,
                jurisdiction=rule.jurisdiction,
                audience=rule.audience,
                recipient=rule.recipient[:300],
                citation=rule.citation[:300],
                confidence=rule.confidence,
                deadline_text=deadline_text(rule.deadline),
                created_at=now,
                updated_at=now,
                **values,
            )
            existing[code] = obligation
            changes.append(
                {"rule": code, "change": "added", "status": status, "due_at": iso(values["due_at"])}
            )
            continue
        diff = {
            k: (getattr(obligation, k), v) for k, v in values.items() if getattr(obligation, k) != v
        }
        if diff:
            for key, (_, new) in diff.items():
                setattr(obligation, key, new)
            obligation.updated_at = now
            obligation.save(update_fields=[*diff, "updated_at"])
            changes.append(
                {
                    "rule": code,
                    "change": "updated",
                    **{k: {"old": _show(o), "new": _show(n)} for k, (o, n) in diff.items()},
                }
            )
    for code, obligation in existing.items():
        if code in seen or obligation.status in FINAL_STATUSES:
            continue
        if obligation.status != ObligationStatus.NOT_REQUIRED:
            obligation.status = ObligationStatus.NOT_REQUIRED
            obligation.status_reason = "No longer applies to the incident's current facts."
            obligation.updated_at = now
            obligation.save(update_fields=["status", "status_reason", "updated_at"])
            changes.append({"rule": code, "change": "no_longer_applies"})
    if changes:
        event_record(
            incident=incident,
            kind=EventKind.OBLIGATIONS_PLANNED,
            actor=actor,
            now=now,
            payload={"changes": changes},
        )
    return list(existing.values())


def _kind(spec: rules_engine.DeadlineSpec) -> str:
    if spec.hours or spec.days or spec.business_days or spec.months:
        return "hard"
    if spec.guidance_hours or spec.guidance_days:
        return "soft"
    return "standard"


def _show(value: Any) -> Any:
    return iso(value) if isinstance(value, datetime) else value


def _lock_obligation(obligation_id: int) -> tuple[Incident, Obligation]:
    row = Obligation.objects.filter(pk=obligation_id).values("incident_id").first()
    if row is None:
        raise DomainError("Obligation not found.", code="not_found", status=404)
    incident = incident_lock(row["incident_id"])  # lock order: incident, then obligation
    return incident, Obligation.objects.select_for_update().get(pk=obligation_id)


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
    """Record that a duty was fulfilled; lateness is frozen now and needs reasons (Art. 33(1))."""
    now = aware_utc(now or now_utc())
    met_at = aware_utc(met_at, field="met_at")
    incident, obligation = _lock_obligation(obligation_id)
    if obligation.status != ObligationStatus.PENDING:
        raise DomainError(
            f"Only a pending obligation can be met; this one is {obligation.status}.",
            field="status",
            current=obligation.status,
        )
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
    obligation.evidence = evidence or {}
    obligation.updated_at = now
    obligation.save()
    event_record(
        incident=incident,
        kind=EventKind.OBLIGATION_MET,
        actor=actor,
        now=now,
        payload={
            "rule": obligation.rule_code,
            "met_at": iso(met_at),
            "late": late,
            "late_by_seconds": obligation.late_by_seconds,
            "delay_reason": obligation.delay_reason,
            "evidence": obligation.evidence,
        },
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
    incident, obligation = _lock_obligation(obligation_id)
    if obligation.status in FINAL_STATUSES:
        raise DomainError(f"This obligation is already {obligation.status}.", field="status")
    obligation.status = ObligationStatus.WAIVED
    obligation.waive_justification = justification.strip()
    obligation.waived_by = actor if not isinstance(actor, str) else None
    obligation.updated_at = now
    obligation.save()
    event_record(
        incident=incident,
        kind=EventKind.OBLIGATION_WAIVED,
        actor=actor,
        now=now,
        payload={"rule": obligation.rule_code, "justification": justification.strip()},
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
                "regime": obligation.regime,
                "audience": obligation.audience,
                "citation": obligation.citation,
                "due_at": iso(obligation.due_at),
                "recorded_seconds_after_due": round((now - obligation.due_at).total_seconds(), 3),
            },
        )
    return True
