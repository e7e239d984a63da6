"""Pre-fill a filing's content elements from the incident, its assessment and the obligation.

Values are plain JSON (text, numbers, lists, small objects) keyed by element code, so the
same content renders as HTML/PDF, exports as JSON and diffs field by field.
"""

from __future__ import annotations

from typing import Any

from breachdesk.timeutils import iso
from incidents import selectors as incident_selectors
from incidents.models import Incident, Obligation, Organization
from incidents.models.obligation import ObligationStatus
from incidents.rules.phases import Phase, is_empty, regime_for_rule
from incidents.vectors import LABELS as VECTOR_LABELS
from notifications import delivery as delivery_states
from notifications.campaigns.models import Recipient
from notifications.notices.models import Notice, NoticeVersion

# Audiences a filing can go to (people are told through notices, not filings).
FILING_AUDIENCES = frozenset(
    {"supervisory_authority", "other_regulator", "controller", "law_enforcement"}
)
AUTHORITY_AUDIENCES = frozenset({"supervisory_authority", "other_regulator"})


def _range(count: int | None, low: int | None, high: int | None) -> dict[str, int] | None:
    value = {k: v for k, v in (("count", count), ("min", low), ("max", high)) if v is not None}
    return value or None


def _contact(org: Organization | None) -> str:
    if org is None:
        return ""
    parts = [org.dpo_name, org.dpo_email, org.dpo_phone]
    return ", ".join(p for p in parts if p)


def _individuals(incident: Incident, assessment) -> str:
    duties = [o for o in incident.obligations.all() if o.audience == "individuals"]
    if assessment is None:
        return ""
    if not assessment.communicate_subjects:
        return (
            f"Not required: the assessment (v{assessment.version}) found the risk to be "
            f"'{assessment.risk_level}', below the high-risk threshold of GDPR Art. 34(1)."
        )
    done = [o for o in duties if o.status in (ObligationStatus.MET, ObligationStatus.LATE)]
    if done:
        when = ", ".join(f"{o.recipient} on {iso(o.met_at)}" for o in done)
        return f"Notified ({assessment.communication_mode}): {when}."
    return (
        f"Will be notified ({assessment.communication_mode}) without undue delay: the "
        f"assessment (v{assessment.version}) found a high risk (GDPR Art. 34(1))."
    )


def _other_authorities(incident: Incident, obligation: Obligation) -> list[dict[str, Any]]:
    rows = []
    own_regime = regime_for_rule(obligation.rule_code).key
    for other in incident.obligations.all():
        if other.pk == obligation.pk or other.audience not in AUTHORITY_AUDIENCES:
            continue
        if regime_for_rule(other.rule_code).key == own_regime and own_regime != "default":
            continue  # later stages to the same authority are this filing's own phases
        if other.status == ObligationStatus.NOT_REQUIRED:
            continue
        rows.append(
            {
                "recipient": other.recipient,
                "regime": other.regime,
                "status": other.status,
                "met_at": iso(other.met_at),
            }
        )
    return rows


def _notified_in(incident: Incident, jurisdiction: str) -> int | None:
    """People of `jurisdiction` a notice campaign reached (delivery accepted), if any went out."""
    campaigns = incident.notice_campaigns.exclude(first_sent_at__isnull=True)
    if not campaigns.exists():
        return None
    reached = Recipient.objects.filter(
        campaign__in=campaigns,
        region=jurisdiction,
        deliveries__state__in=delivery_states.ACCEPTED,
    )
    return reached.distinct().count()


def sample_notice(incident: Incident, obligation: Obligation) -> NoticeVersion | None:
    """The approved notice whose sample an attorney general gets (issue 11's sample copy).

    Prefer the notice that serves the people of the filing's state; else any approved one.
    """
    approved = (
        Notice.objects.filter(incident=incident, approved_version__isnull=False)
        .select_related("approved_version")
        .order_by("-approved_version__approved_at", "-id")
    )
    local = approved.filter(obligations__jurisdiction=obligation.jurisdiction).first()
    chosen = local or approved.first()
    version = chosen.approved_version if chosen else None
    return version if version is not None and version.is_approved else None


def _notice_copy(incident: Incident, obligation: Obligation) -> dict[str, Any] | None:
    version = sample_notice(incident, obligation)
    if version is None:
        return None
    return {
        "notice": version.notice_id,
        "version": version.number,
        "content_hash": version.content_hash,
        "approved_at": iso(version.approved_at),
        "attachment": "Sample notice without personal data (PDF attached)",
    }


def _source(incident: Incident) -> str:
    """The processor or sub-processor where the breach happened (EDPB 9/2022 para. 54)."""
    party = incident.source_party
    if party is None:
        return ""
    told = ""
    if incident.source_notified_at:
        told = f"; it told us on {iso(incident.source_notified_at)}"
    return f"The breach happened at {party.name} ({party.get_kind_display()}){told}."


def _rationale(assessment) -> str:
    if assessment is None:
        return ""
    lines = assessment.computed.get("rationale") or []
    head = f"Risk level '{assessment.risk_level}' (assessment v{assessment.version}"
    head += f", {assessment.kind})."
    if assessment.justification:
        head += f" Justification: {assessment.justification}"
    steps = [
        f"{line.get('explanation', '')} ({line.get('reference', '')})"
        if isinstance(line, dict)
        else str(line)
        for line in lines
    ]
    return " ".join([head, *steps])


def _nature(incident: Incident) -> str:
    """The nature of the breach (Art. 33(3)(a)): the team's description, then how it happened."""
    text = (incident.summary or incident.title).strip()
    if incident.vector and incident.vector not in ("other", "unknown"):
        label = VECTOR_LABELS[incident.vector]
        text = f"{text}{'' if text.endswith('.') else '.'} How it happened: {label}."
    elif incident.vector == "unknown":
        text = f"{text}{'' if text.endswith('.') else '.'} How it happened: not yet known."
    return text


def incident_values(incident: Incident, obligation: Obligation, phase_code: str) -> dict[str, Any]:
    """Every element BreachDesk can fill from the record (others stay for the author)."""
    org = Organization.objects.first()
    assessment = incident_selectors.incident_current_assessment(incident)
    malicious = None
    if incident.cause:
        malicious = incident.cause.startswith("malicious")
    countries = list(incident.countries)
    return {
        "submission_type": phase_code,
        "incident_reference": {"ours": incident.reference},
        "controller_identity": org.legal_name if org else "",
        "dpo_contact": _contact(org),
        "contact_point": _contact(org),
        "what_happened": _nature(incident),
        "breach_type": list(incident.breach_types),
        "cause": incident.cause,
        "malicious_suspected": malicious,
        "subject_categories": list(incident.subject_categories),
        "approx_subjects": _range(
            incident.subjects_count, incident.subjects_min, incident.subjects_max
        ),
        "data_involved": list(incident.data_categories),
        "approx_records": _range(
            incident.records_count, incident.records_min, incident.records_max
        ),
        "likely_consequences": incident.likely_consequences,
        "measures_taken": incident.measures_taken,
        "measures_proposed": incident.measures_proposed,
        "date_of_breach": (
            {"from": iso(incident.occurred_from), "to": iso(incident.occurred_to)}
            if incident.occurred_from
            else None
        ),
        "occurrence_datetime": iso(incident.occurred_from),
        "detection_datetime": iso(incident.detected_at),
        "date_discovered": (
            {"aware_at": iso(incident.aware_at), "basis": incident.aware_basis}
            if incident.aware_at
            else None
        ),
        "incident_status": (
            f"Contained at {iso(incident.contained_at)}" if incident.contained_at else "Ongoing"
        ),
        "cross_border": {"countries": countries, "cross_border": len(countries) > 1}
        if countries
        else None,
        "authority_notified": _other_authorities(incident, obligation),
        "individuals_notified": _individuals(incident, assessment),
        "risk_rationale": _rationale(assessment),
        "other_entities_involved": _source(incident),
        "affected_in_jurisdiction": incident.residents.get(obligation.jurisdiction),
        "notified_count": _notified_in(incident, obligation.jurisdiction),
        "notice_copy": _notice_copy(incident, obligation),
    }


def prefill(
    *,
    incident: Incident,
    obligation: Obligation,
    phase: Phase,
    previous_content: dict[str, Any] | None,
    previous_reference: str = "",
) -> dict[str, Any]:
    """Content of a new draft: the phase's elements from the record, then the previous filing.

    Facts from the record win (they are the current truth); where the record has nothing,
    what the previous filing said is carried over so nothing the DPO wrote is lost.
    """
    fresh = incident_values(incident, obligation, phase.code)
    wanted = list(dict.fromkeys([*phase.elements, *phase.recommended]))
    content: dict[str, Any] = {}
    for code in wanted:
        value = fresh.get(code)
        if is_empty(value) and previous_content:
            value = previous_content.get(code)
        content[code] = None if is_empty(value) else value
    if "incident_reference" in content and previous_reference:
        content["incident_reference"] = {
            "ours": incident.reference,
            "authority": previous_reference,
        }
    return content
