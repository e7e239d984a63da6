"""Filing reads: regime and phase of an obligation, the previous filing, field changes."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from breachdesk.errors import InvalidInput
from incidents.models import AuditEntry, Incident, Obligation
from incidents.rules import phases as phase_rules
from notifications.filings.digest import content_hash
from notifications.filings.models import Correspondence, Filing, FilingStatus, FilingVersion


def filing_regime_phase(
    obligation: Obligation, phase: str
) -> tuple[phase_rules.Regime, phase_rules.Phase]:
    """The obligation's filing regime and the named phase; 400 naming the allowed phases."""
    regime = phase_rules.regime_for_rule(obligation.rule_code, obligation.audience)
    spec = regime.phase_for_rule(phase, obligation.rule_code, obligation.citation)
    if spec is None:
        raise InvalidInput(
            f"phase must be one of {', '.join(regime.phase_codes)} for {regime.name}.",
            field="phase",
            allowed=list(regime.phase_codes),
        )
    return regime, spec


def filing_previous(*, obligation: Obligation, regime: str) -> Filing | None:
    """The latest submitted filing of the same regime to the same recipient on the incident."""
    return (
        Filing.objects.filter(
            incident_id=obligation.incident_id,
            regime=regime,
            recipient=obligation.recipient,
            status=FilingStatus.SUBMITTED,
        )
        .order_by("-submitted_at", "-id")
        .first()
    )


def filings_of(incident: Incident) -> QuerySet[Filing]:
    return incident.filings.select_related("obligation", "submitted_by").order_by(
        "created_at", "id"
    )


def filing_get(filing_id: int) -> Filing:
    return Filing.objects.select_related("incident", "obligation", "submitted_by").get(pk=filing_id)


def filing_content(filing: Filing) -> dict[str, Any]:
    """What the filing says: the frozen snapshot once submitted, else the current draft."""
    if filing.snapshot is not None:
        return dict(filing.snapshot["content"])
    return dict(filing.versions.get(version=filing.version).content)


def filing_changes(filing: Filing) -> list[dict[str, Any]]:
    """Field-by-field changes since the previous submitted filing ([] for a first filing)."""
    if filing.previous is None or filing.previous.snapshot is None:
        return []
    return phase_rules.content_changes(filing.previous.snapshot["content"], filing_content(filing))


def correspondence_of(incident: Incident) -> QuerySet[Correspondence]:
    return incident.correspondence.select_related("answer_obligation", "filing").order_by(
        "occurred_at", "id"
    )


def filing_snapshot_problems() -> list[str]:
    """Submitted filings whose frozen snapshot no longer matches what the audit chain recorded.

    Run by `manage.py verify_audit` (settings.AUDIT_CROSS_CHECKS): the chain proves the audit
    entries are intact, this proves the filing rows still say what the entries say.
    """
    problems: list[str] = []
    submitted = Filing.objects.filter(status=FilingStatus.SUBMITTED).order_by("id")
    entries = {
        e.seq: e
        for e in AuditEntry.objects.filter(seq__in=submitted.values_list("audit_seq", flat=True))
    }
    for filing in submitted.iterator(chunk_size=500):
        entry = entries.get(filing.audit_seq)
        where = f"filing {filing.pk} ({filing.incident_id}/{filing.regime}/{filing.phase})"
        if content_hash(filing.snapshot) != filing.snapshot_hash:
            problems.append(f"{where}: snapshot does not match its hash; the row was altered")
        elif entry is None or entry.object_id != str(filing.pk):
            problems.append(f"{where}: its audit entry #{filing.audit_seq} is missing")
        elif (
            entry.data.get("snapshot_hash") != filing.snapshot_hash
            or entry.data.get("snapshot") != filing.snapshot
        ):
            problems.append(
                f"{where}: snapshot differs from audit entry #{entry.seq}; the row was altered"
            )
    for version in FilingVersion.objects.order_by("id").iterator(chunk_size=2000):
        if content_hash(version.content) != version.content_hash:
            problems.append(
                f"filing {version.filing_id} version {version.version}: content does not "
                "match its hash; the row was altered"
            )
    return problems
