"""Evidence pack: one archive per incident for an auditor or a court, and its verification.

The archive holds every submitted filing (frozen JSON and PDF), the correspondence, the
decisions with their rationale (assessments, obligations, timeline), the incident's audit
entries and delivery statistics, plus `manifest.json` with the SHA-256 of every file.
`pack_verify()` recomputes every hash, every filing snapshot hash and every audit entry's
chain hash, so the pack can be checked without access to BreachDesk.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q

from breachdesk.timeutils import aware_utc, iso, now_utc
from incidents.models import AuditEntry, AuditHead, Incident
from incidents.services.audit import audit_append, canonical, entry_hash
from incidents.services.events import Actor, actor_label
from notifications.campaigns.completion import campaign_stats
from notifications.campaigns.models import OutboundMessage
from notifications.filings import render
from notifications.filings.correspondence import correspondence_out
from notifications.filings.digest import content_hash
from notifications.filings.models import Filing, FilingStatus
from notifications.notices.render import sample_copy

PACK_FORMAT = "breachdesk.evidence-pack/1"
MANIFEST = "manifest.json"


def _json(data: Any) -> bytes:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str).encode()


def _incident_record(incident: Incident) -> dict[str, Any]:
    fields = [
        f.name
        for f in Incident._meta.concrete_fields
        if f.name not in ("id", "reporter", "assignee", "country_index")
    ]
    row = {name: getattr(incident, name) for name in fields}
    return {k: iso(v) if isinstance(v, datetime) else v for k, v in row.items()}


def _decisions(incident: Incident) -> dict[str, Any]:
    assessments = [
        {
            "version": a.version,
            "kind": a.kind,
            "risk_level": a.risk_level,
            "notify_authority": a.notify_authority,
            "communicate_subjects": a.communicate_subjects,
            "communication_mode": a.communication_mode,
            "justification": a.justification,
            "rationale": a.computed.get("rationale", []),
            "facts_hash": a.facts_hash,
            "method_version": a.method_version,
            "created_at": iso(a.created_at),
        }
        for a in incident.assessments.order_by("version")
    ]
    obligations = [
        {
            "rule_code": o.rule_code,
            "regime": o.regime,
            "audience": o.audience,
            "recipient": o.recipient,
            "citation": o.citation,
            "status": o.status,
            "status_reason": o.status_reason,
            "clock_started_at": iso(o.clock_started_at),
            "due_at": iso(o.due_at),
            "met_at": iso(o.met_at),
            "late": o.late,
            "late_by_seconds": o.late_by_seconds,
            "delay_reason": o.delay_reason,
            "waive_justification": o.waive_justification,
            "evidence": o.evidence,
        }
        for o in incident.obligations.order_by("id")
    ]
    timeline = [
        {
            "kind": e.kind,
            "actor": e.actor_label,
            "occurred_at": iso(e.occurred_at),
            "payload": e.payload,
        }
        for e in incident.events.order_by("occurred_at", "id")
    ]
    return {
        "decision_reason": incident.decision_reason,
        "assessments": assessments,
        "obligations": obligations,
        "timeline": timeline,
    }


def _audit_lines(incident: Incident, filing_ids: list[int], notice_ids: list[int]) -> bytes:
    entries = AuditEntry.objects.filter(
        Q(object_type="incident", object_id=incident.reference)
        | Q(object_type="filing", object_id__in=[str(i) for i in filing_ids])
        | Q(object_type="notice", object_id__in=[str(i) for i in notice_ids])
    ).order_by("seq")
    lines = [
        json.dumps(
            {
                "seq": e.seq,
                "occurred_at": iso(e.occurred_at),
                "actor": e.actor,
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "data": e.data,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            },
            sort_keys=True,
            ensure_ascii=False,
        )
        for e in entries.iterator(chunk_size=2000)
    ]
    return ("\n".join(lines) + "\n").encode() if lines else b""


def _deliveries(incident: Incident) -> dict[str, Any]:
    """Delivery statistics of what the outbound layer sent about this incident.

    Notice campaigns to the people affected are counted per channel and state (no personal
    data); single messages (e.g. a processor's notice to its controller) are listed with their
    delivery proof.
    """
    campaigns = [
        {
            "id": c.pk,
            "name": c.name,
            "status": c.status,
            "channels": c.channels,
            "recipients": c.recipients_count,
            "first_sent_at": iso(c.first_sent_at),
            "last_sent_at": iso(c.last_sent_at),
            "completed_at": iso(c.completed_at),
            "deliveries": campaign_stats(c.pk),
            "evidence": c.evidence,
        }
        for c in incident.notice_campaigns.order_by("id")
    ]
    messages = [
        {
            "id": m.pk,
            "purpose": m.purpose,
            "channel": m.channel,
            "to": m.to,
            "subject": m.subject,
            "state": m.state,
            "provider": m.provider,
            "provider_message_id": m.provider_message_id,
            "tries": m.tries,
            "created_at": iso(m.created_at),
            "sent_at": iso(m.sent_at),
            "final_at": iso(m.final_at),
        }
        for m in OutboundMessage.objects.filter(incident=incident).order_by("id")
    ]
    by_state = Counter((m["channel"], m["state"]) for m in messages)
    return {
        "campaigns": campaigns,
        "messages": messages,
        "messages_by_channel_and_state": [
            {"channel": c, "state": s, "count": n} for (c, s), n in sorted(by_state.items())
        ],
    }


@transaction.atomic
def evidence_pack(*, incident: Incident, actor: Actor, now: datetime | None = None) -> bytes:
    """Build the archive (ZIP bytes) for one incident; writes an audit entry for the export."""
    now = aware_utc(now or now_utc())
    files: dict[str, bytes] = {}
    files["incident.json"] = _json(_incident_record(incident))
    files["decisions.json"] = _json(_decisions(incident))
    filings = list(
        Filing.objects.filter(incident=incident, status=FilingStatus.SUBMITTED)
        .select_related("obligation")
        .order_by("submitted_at", "id")
    )
    for filing in filings:
        base = f"filings/{filing.pk:06d}-{filing.regime}-{filing.phase}"
        files[f"{base}.json"] = _json(
            {
                "snapshot": filing.snapshot,
                "snapshot_hash": filing.snapshot_hash,
                "audit_seq": filing.audit_seq,
            }
        )
        files[f"{base}.pdf"] = render.pdf(filing.snapshot)
    for notice in incident.notices.order_by("id"):
        for version in notice.versions.filter(approved_at__isnull=False).order_by("number"):
            base = f"notices/{notice.pk:06d}-v{version.number}"
            files[f"{base}.json"] = _json(
                {
                    "notice": notice.pk,
                    "variant": notice.variant,
                    "version": version.number,
                    "content": version.content,
                    "content_hash": version.content_hash,
                    "languages": version.languages,
                    "frozen": version.frozen,
                    "approved_by": str(version.approved_by or ""),
                    "approved_at": iso(version.approved_at),
                    "approval_withdrawn_at": iso(version.approval_withdrawn_at),
                }
            )
            files[f"{base}-sample.pdf"] = sample_copy(version, (version.languages or ["en"])[0])
    correspondence = [correspondence_out(c) for c in incident.correspondence.order_by("id")]
    files["correspondence.json"] = _json(correspondence)
    files["deliveries.json"] = _json(_deliveries(incident))
    notice_ids = list(incident.notices.values_list("pk", flat=True))
    files["audit.jsonl"] = _audit_lines(incident, [f.pk for f in filings], notice_ids)
    head = AuditHead.objects.filter(pk=1).first()
    manifest = {
        "format": PACK_FORMAT,
        "incident": incident.reference,
        "generated_at": iso(now),
        "generated_by": actor_label(actor),
        "audit_head": {"seq": head.seq if head else 0, "hash": head.hash if head else ""},
        "files": [
            {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for path, data in sorted(files.items())
        ],
    }
    manifest_bytes = _json(manifest)
    audit_append(
        actor=actor_label(actor),
        action="incident.evidence_pack_exported",
        object_type="evidence_pack",
        object_id=incident.reference,
        data={"manifest_sha256": hashlib.sha256(manifest_bytes).hexdigest()},
        now=now,
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, manifest_bytes)
        for path, data in sorted(files.items()):
            archive.writestr(path, data)
    return buffer.getvalue()


@dataclass
class PackReport:
    incident: str = ""
    files_checked: int = 0
    filings_checked: int = 0
    audit_entries_checked: int = 0
    manifest_sha256: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _check_audit(lines: bytes, report: PackReport) -> dict[int, dict[str, Any]]:
    entries: dict[int, dict[str, Any]] = {}
    for number, line in enumerate(lines.decode().splitlines(), start=1):
        entry = json.loads(line)
        payload = canonical(
            seq=entry["seq"],
            occurred_at=datetime.fromisoformat(entry["occurred_at"].replace("Z", "+00:00")),
            actor=entry["actor"],
            action=entry["action"],
            object_type=entry["object_type"],
            object_id=entry["object_id"],
            data=entry["data"],
        )
        if entry_hash(entry["prev_hash"], payload) != entry["hash"]:
            report.problems.append(
                f"audit.jsonl line {number} (entry #{entry['seq']}): content does not match "
                "its chain hash"
            )
        entries[entry["seq"]] = entry
        report.audit_entries_checked += 1
    return entries


def _check_filing(
    path: str, data: bytes, audit: dict[int, dict[str, Any]], report: PackReport
) -> None:
    record = json.loads(data)
    snapshot, digest = record["snapshot"], record["snapshot_hash"]
    if content_hash(snapshot) != digest:
        report.problems.append(f"{path}: snapshot does not match its hash")
    entry = audit.get(record["audit_seq"])
    if entry is None or entry["action"] != "filing.submitted":
        report.problems.append(f"{path}: its audit entry #{record['audit_seq']} is not in the pack")
    elif entry["data"].get("snapshot_hash") != digest or entry["data"].get("snapshot") != snapshot:
        report.problems.append(
            f"{path}: differs from what the audit chain recorded at submission "
            f"(entry #{record['audit_seq']})"
        )
    report.filings_checked += 1


def pack_verify(data: bytes) -> PackReport:
    """Check an evidence pack: file hashes, filing snapshots against the audit entries."""
    report = PackReport()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        manifest_bytes = archive.read(MANIFEST)
    except (zipfile.BadZipFile, KeyError) as exc:
        report.problems.append(f"not an evidence pack: {exc}")
        return report
    report.manifest_sha256 = hashlib.sha256(manifest_bytes).hexdigest()
    manifest = json.loads(manifest_bytes)
    report.incident = manifest.get("incident", "")
    if manifest.get("format") != PACK_FORMAT:
        report.problems.append(f"unknown pack format {manifest.get('format')!r}")
    listed = {row["path"]: row for row in manifest.get("files", [])}
    for extra in sorted(names - set(listed) - {MANIFEST}):
        report.problems.append(f"{extra}: in the archive but not in the manifest")
    contents: dict[str, bytes] = {}
    for path, row in sorted(listed.items()):
        if path not in names:
            report.problems.append(f"{path}: listed in the manifest but missing")
            continue
        contents[path] = archive.read(path)
        if hashlib.sha256(contents[path]).hexdigest() != row["sha256"]:
            report.problems.append(f"{path}: SHA-256 does not match the manifest")
        report.files_checked += 1
    audit = _check_audit(contents.get("audit.jsonl", b""), report)
    for path, body in sorted(contents.items()):
        if path.startswith("filings/") and path.endswith(".json"):
            _check_filing(path, body, audit, report)
    return report
