"""Plan an incident's obligations from the rules: which duties, towards whom, by when.

One rule can give several obligations, one per recipient (`recipient_key`): per customer
(controller) for a processor's duties, per competent authority for duties towards an
authority. A customer's data-processing agreement adds its own clock. A duty the law gives
no fixed period gets a working due date from the organisation's internal targets.
Runs inside the caller's transaction with the incident row locked.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Max

from breachdesk.timeutils import iso
from incidents import rules as rules_engine
from incidents.models import (
    Authority,
    Incident,
    InternalTarget,
    Obligation,
    Organization,
    Party,
)
from incidents.models.incident import EventKind, IncidentRole
from incidents.models.obligation import (
    AUTHORITY_AUDIENCES,
    MET_STATUSES,
    DueBasis,
    ObligationStatus,
)
from incidents.rules.authorities import AuthorityEntry, Registry
from incidents.rules.competence import ONE_OF, resolve_authorities
from incidents.selectors import authority_registry
from incidents.services.events import Actor, event_record
from incidents.services.rule_versions import deadline_text, rules_current

FINAL_STATUSES = (ObligationStatus.MET, ObligationStatus.LATE, ObligationStatus.WAIVED)
CONTRACT_RULE_CODE = "contract-notice"
CONTRACT_REGIME = "Contract (data-processing agreement)"
# A duty to answer an authority's request by the date it set (opened by the filings app's
# correspondence log, never by the rules): re-planning leaves it alone.
REQUEST_RULE_CODE = "authority-request"


@dataclass(frozen=True)
class Recipient:
    """Who one copy of a duty goes to; key "" = the rule's generic recipient."""

    key: str = ""
    label: str = ""
    party: Party | None = None
    authority: dict[str, str] | None = None
    jurisdiction: str | None = None  # the authority's country/region (national specifics)


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
    if incident.classified_major_at is not None:
        triggers["classification_as_major"] = incident.classified_major_at
    current = incident.assessments.order_by("-version").first()
    if current is not None and current.notify_authority:
        first_notifiable = (
            incident.assessments.filter(notify_authority=True).order_by("version").first()
        )
        triggers["notifiability_assessment"] = first_notifiable.created_at
    return triggers


def _situation(
    incident: Incident, org: Organization | None, obligations: list[Obligation]
) -> rules_engine.Situation:
    current = incident.assessments.order_by("-version").first()
    met: dict[str, datetime] = {}
    for o in obligations:
        if o.status in MET_STATUSES and o.met_at:
            # A chained duty starts when its predecessor was first met (any recipient).
            met[o.rule_code] = min(met.get(o.rule_code, o.met_at), o.met_at)
    return rules_engine.Situation(
        countries=frozenset(incident.countries),
        org_country=org.country if org else None,
        org_role=incident.role,
        org_entity_types=frozenset(org.sectors if org else ()),
        subjects_max=incident.subjects_upper_bound,
        residents=dict(incident.residents),
        risk_level=current.risk_level if current else None,
        triggers=_triggers(incident),
        met=met,
    )


def _party_recipient(party: Party) -> Recipient:
    contact = f" (attn. {party.contact_name})" if party.contact_name else ""
    return Recipient(key=f"party:{party.pk}", label=f"{party.name}{contact}", party=party)


def _authority(entry: AuthorityEntry) -> dict[str, str]:
    return {"code": entry.code, "name": entry.name, "url": entry.report_url}


def _each(entry: AuthorityEntry) -> Recipient:
    """One copy of a duty per authority (each must be told)."""
    return Recipient(
        key=f"authority:{entry.code}",
        label=entry.name,
        authority=_authority(entry),
        jurisdiction=entry.jurisdiction,
    )


def authority_recipients(
    rule: rules_engine.Rule,
    incident: Incident,
    org: Organization | None,
    registry: Registry,
) -> tuple[list[Recipient], str]:
    """The competent authorities a duty towards an authority goes to, and why.

    One recipient when one authority is competent (or when the organisation tells only the
    one that supervises it); one per authority when each must be told (no EU/EEA
    establishment: every member state where affected people live)."""
    resolution = resolve_authorities(
        registry,
        rule_id=rule.id,
        jurisdiction=rule.jurisdiction,
        audience=rule.audience,
        org_country=org.country if org else None,
        lead_authority=(org.lead_authority or None) if org else None,
        has_eu_establishment=org.has_eu_establishment if org else None,
        affected=[*incident.countries, *incident.residents],
        representative_country=(org.eu_representative_country or None) if org else None,
    )
    entries = [e for e in (registry.get(code) for code in resolution.codes) if e is not None]
    if not entries:
        return [Recipient(label=resolution.recipient)], resolution.reason
    if resolution.to_choose:  # a Land DPA the DPO must pick, besides the named authorities
        choose = Recipient(key="authority:choose", label=resolution.to_choose)
        return [*(_each(e) for e in entries), choose], resolution.reason
    if resolution.mode == ONE_OF and len(entries) > 1:
        names = ", ".join(e.name for e in entries)
        return [Recipient(label=f"One of: {names} (the one that supervises you)")], (
            resolution.reason
        )
    if len(entries) == 1:
        entry = entries[0]
        return [
            Recipient(
                label=entry.name, authority=_authority(entry), jurisdiction=entry.jurisdiction
            )
        ], resolution.reason
    return [_each(entry) for entry in entries], resolution.reason


_registry_cache: dict[tuple, Registry] = {}


def _registry() -> Registry:
    """The registry, rebuilt only when a row changed (one aggregate query per re-plan instead
    of reading every entry: re-plans run on every incident write, alert intake included)."""
    version = tuple(Authority.objects.aggregate(n=Count("pk"), last=Max("updated_at")).values())
    if version not in _registry_cache:
        _registry_cache.clear()
        _registry_cache[version] = authority_registry()
    return _registry_cache[version]


class _Recipients:
    """Who each planned duty goes to; the authority registry is read once per re-plan."""

    def __init__(self, incident: Incident, org: Organization | None, customers: list[Party]):
        self.incident, self.org, self.customers = incident, org, customers
        self._registry: Registry | None = None

    def of(self, plan: rules_engine.PlannedObligation) -> tuple[list[Recipient], str]:
        rule = plan.rule
        processor = self.incident.role == IncidentRole.PROCESSOR
        if rule.audience == "controller" and processor and self.customers:
            return [_party_recipient(party) for party in self.customers], ""
        if rule.audience in AUTHORITY_AUDIENCES:
            if self._registry is None:
                self._registry = _registry()
            return authority_recipients(rule, self.incident, self.org, self._registry)
        return [Recipient()], ""


def _national_specifics(
    plan: rules_engine.PlannedObligation, recipient: Recipient
) -> list[dict[str, Any]]:
    """The national filing routes (form, language, channel) that qualify this copy."""
    specifics = []
    for profile in plan.filing_profiles:
        if recipient.jurisdiction and not recipient.jurisdiction.startswith(profile.jurisdiction):
            continue
        specifics.append(
            {
                "rule": profile.id,
                "jurisdiction": profile.jurisdiction,
                "recipient": profile.recipient,
                "citation": profile.citation,
                "notes": profile.notes or "",
            }
        )
    return specifics


def _due_values(
    rule: rules_engine.Rule,
    start: datetime | None,
    due: rules_engine.Due | None,
    targets: dict[str, int],
) -> dict[str, Any]:
    """Due dates and their basis. A duty with no fixed period and no guidance is worked
    against the organisation's internal target for its audience."""
    soft = due.soft_due_at if due else None
    basis = DueBasis.LAW
    if start is not None and due is not None and due.kind == "standard":
        basis = DueBasis.INTERNAL_TARGET
        if rule.audience in targets:
            soft = start + timedelta(hours=targets[rule.audience])
    return {
        "due_at": due.due_at if due else None,
        "soft_due_at": soft,
        "deadline_kind": due.kind if due else _kind(rule.deadline),
        "due_basis": basis,
    }


def _copy_start(
    plan: rules_engine.PlannedObligation,
    recipient: Recipient,
    existing: dict[tuple[str, str], Obligation],
) -> tuple[datetime | None, rules_engine.Due | None]:
    """A chained duty per recipient starts when that recipient's predecessor was met."""
    rule = plan.rule
    predecessor = existing.get((rule.follows or "", recipient.key)) if recipient.key else None
    if predecessor is None:
        return plan.clock_started_at, plan.due
    if predecessor.status not in MET_STATUSES or predecessor.met_at is None:
        return None, None
    start = predecessor.met_at
    return start, rules_engine.compute_due(
        rule.deadline, start=start, holiday_calendar=rule.holiday_calendar
    )


def _contract_values(incident: Incident, party: Party) -> dict[str, Any]:
    start = incident.aware_at
    hours = party.notice_hours
    reference = party.contract_reference or "Data-processing agreement"
    return {
        "rule": None,
        "regime": CONTRACT_REGIME,
        "jurisdiction": "contract",
        "audience": "controller",
        "recipient": _party_recipient(party).label[:300],
        "party": party,
        "citation": f"{reference} with {party.name}: notify within {hours} hours"[:300],
        "confidence": "high",
        "deadline_text": f"{hours} hours (contract)",
        "status": ObligationStatus.PENDING,
        "status_reason": f"{party.name}'s contract sets a {hours}-hour notice period",
        "clock_started_at": start,
        "due_at": start + timedelta(hours=hours),
        "soft_due_at": None,
        "deadline_kind": "hard",
        "due_basis": DueBasis.CONTRACT,
    }


def obligations_refresh(*, incident: Incident, actor: Actor, now: datetime) -> list[Obligation]:
    """Recompute which duties apply, to whom and when their clocks run; met duties stay frozen.

    Runs inside the caller's transaction with the incident row locked.
    """
    if incident.aware_at is None:
        return []
    existing = {
        (o.rule_code, o.recipient_key): o
        for o in incident.obligations.select_related("rule", "party")
    }
    current = rules_current()
    pinned = {o.rule_code: o.rule for o in existing.values() if o.rule is not None}
    versions = {**current, **pinned}  # an existing obligation keeps the version it was born with
    rules = [rules_engine.Rule.from_dict(rv.content) for rv in versions.values()]
    org = Organization.objects.order_by("pk").first()
    situation = _situation(incident, org, list(existing.values()))
    planned = rules_engine.plan_obligations(rules, situation, at=incident.aware_at)
    customers = (
        list(incident.controllers.order_by("name", "pk"))
        if incident.role == IncidentRole.PROCESSOR
        else []
    )
    targets = dict(InternalTarget.objects.values_list("audience", "hours"))
    recipients = _Recipients(incident, org, customers)
    wanted: dict[tuple[str, str], dict[str, Any]] = {}
    for plan in planned:
        rule = plan.rule
        copies, why = recipients.of(plan)
        for recipient in copies:
            if not plan.required:
                start, due, status = None, None, ObligationStatus.NOT_REQUIRED
            else:
                start, due = _copy_start(plan, recipient, existing)
                status = (
                    ObligationStatus.PENDING
                    if start is not None
                    else ObligationStatus.AWAITING_TRIGGER
                )
            wanted[(rule.id, recipient.key)] = {
                "rule": versions[rule.id],
                "regime": rule.regime,
                "jurisdiction": rule.jurisdiction,
                "audience": rule.audience,
                "recipient": (recipient.label or rule.recipient)[:300],
                "party": recipient.party,
                "recipient_authority": recipient.authority,
                "citation": rule.citation[:300],
                "confidence": rule.confidence,
                "deadline_text": deadline_text(rule.deadline),
                "national_specifics": _national_specifics(plan, recipient),
                "status": status,
                "status_reason": f"{plan.reason}; {why}" if why and plan.required else plan.reason,
                "clock_started_at": start,
                **_due_values(rule, start, due, targets),
            }
    for party in customers:
        if party.notice_hours:
            wanted[(CONTRACT_RULE_CODE, f"party:{party.pk}")] = _contract_values(incident, party)
    changes = _apply(incident, existing, wanted, now)
    if changes:
        event_record(
            incident=incident,
            kind=EventKind.OBLIGATIONS_PLANNED,
            actor=actor,
            now=now,
            payload={"changes": changes},
        )
    return list(existing.values())


# Fields a re-plan may change on an open obligation (the rest is fixed at birth).
PLANNED_FIELDS = (
    "status",
    "status_reason",
    "clock_started_at",
    "due_at",
    "soft_due_at",
    "deadline_kind",
    "due_basis",
    "recipient",
    "recipient_authority",
    "national_specifics",
)


def _apply(
    incident: Incident,
    existing: dict[tuple[str, str], Obligation],
    wanted: dict[tuple[str, str], dict[str, Any]],
    now: datetime,
) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    for (code, key), values in wanted.items():
        obligation = existing.get((code, key))
        label = {"rule": code, **({"recipient_key": key} if key else {})}
        if obligation is None:
            obligation = Obligation.objects.create(
                incident=incident,
                rule_code=code,
                recipient_key=key,
                created_at=now,
                updated_at=now,
                **values,
            )
            existing[(code, key)] = obligation
            changes.append(
                {
                    **label,
                    "change": "added",
                    "status": values["status"],
                    "due_at": iso(values["due_at"]),
                    "due_basis": values["due_basis"],
                }
            )
            continue
        if obligation.status in FINAL_STATUSES:
            continue
        diff = {
            k: (getattr(obligation, k), values[k])
            for k in PLANNED_FIELDS
            if k in values and getattr(obligation, k) != values[k]
        }
        if diff:
            for field, (_, new) in diff.items():
                setattr(obligation, field, new)
            obligation.updated_at = now
            obligation.save(update_fields=[*diff, "updated_at"])
            changes.append(
                {
                    **label,
                    "change": "updated",
                    **{k: {"old": _show(o), "new": _show(n)} for k, (o, n) in diff.items()},
                }
            )
    for (code, key), obligation in existing.items():
        if (code, key) in wanted or obligation.status in FINAL_STATUSES:
            continue
        if code == REQUEST_RULE_CODE:
            continue
        if obligation.status != ObligationStatus.NOT_REQUIRED:
            obligation.status = ObligationStatus.NOT_REQUIRED
            obligation.status_reason = "No longer applies to the incident's current facts."
            obligation.updated_at = now
            obligation.save(update_fields=["status", "status_reason", "updated_at"])
            changes.append(
                {
                    "rule": code,
                    **({"recipient_key": key} if key else {}),
                    "change": "no_longer_applies",
                }
            )
    return changes


def _kind(spec: rules_engine.DeadlineSpec) -> str:
    if spec.hours or spec.days or spec.business_days or spec.months:
        return "hard"
    if spec.guidance_hours or spec.guidance_days:
        return "soft"
    return "standard"


def _show(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Party):
        return value.pk
    return value
