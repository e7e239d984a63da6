"""Frozen snapshots on the audit chain; the evidence pack and `verify_evidence`."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command

from incidents.models import AuditEntry
from notifications.filings.digest import content_hash
from notifications.filings.models import Filing, FilingVersion
from tests.filings.conftest import AWARE, draft

DAY_TWO = AWARE + timedelta(hours=26)


@pytest.fixture
def submitted(api, assessed):
    with time_machine.travel(DAY_TWO, tick=False):
        filing = draft(api, assessed["id"], "eu-gdpr-33-1-sa", "initial")
        response = api["dpo"].post(
            f"/api/v1/filings/{filing['id']}/submit/",
            {"submitted_at": "2026-05-05T11:00:00Z", "channel": "email"},
            format="json",
        )
    assert response.status_code == 200, response.json()
    return response.json()


def verify_audit() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_verify_audit_catches_an_altered_snapshot(submitted):
    assert "intact" in verify_audit()
    filing = Filing.objects.get(pk=submitted["id"])
    snapshot = filing.snapshot
    snapshot["content"]["approx_subjects"] = {"count": 58}
    Filing.objects.filter(pk=filing.pk).update(snapshot=snapshot)
    with pytest.raises(CommandError, match=f"filing {filing.pk} .*snapshot does not match"):
        verify_audit()


@pytest.mark.django_db
def test_verify_audit_catches_a_snapshot_rewritten_with_a_matching_hash(submitted):
    filing = Filing.objects.get(pk=submitted["id"])
    snapshot = filing.snapshot
    snapshot["submitted_at"] = "2026-05-04T12:00:00Z"
    Filing.objects.filter(pk=filing.pk).update(
        snapshot=snapshot, snapshot_hash=content_hash(snapshot)
    )
    with pytest.raises(CommandError, match="differs from audit entry"):
        verify_audit()


@pytest.mark.django_db
def test_verify_audit_catches_an_altered_audit_entry_or_draft_version(submitted):
    entry = AuditEntry.objects.get(seq=submitted["audit_seq"])
    data = entry.data
    data["snapshot"]["content"]["likely_consequences"] = "None."
    AuditEntry.objects.filter(pk=entry.pk).update(data=data)
    with pytest.raises(CommandError, match=f"entry #{entry.seq}"):
        verify_audit()


@pytest.mark.django_db
def test_verify_audit_catches_an_altered_content_version(submitted):
    version = FilingVersion.objects.get(filing_id=submitted["id"], version=1)
    FilingVersion.objects.filter(pk=version.pk).update(content={"what_happened": "nothing"})
    with pytest.raises(CommandError, match="version 1: content does not match"):
        verify_audit()


def pack(api, incident_id: int) -> bytes:
    response = api["dpo"].get(f"/api/v1/incidents/{incident_id}/evidence-pack/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return response.content


@pytest.mark.django_db
def test_evidence_pack_holds_filings_decisions_and_audit_and_verifies(
    api, assessed, submitted, tmp_path
):
    denied = api["analyst"].get(f"/api/v1/incidents/{assessed['id']}/evidence-pack/")
    assert denied.status_code == 403
    data = pack(api, assessed["id"])
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    base = f"filings/{submitted['id']:06d}-gdpr-initial"
    assert {
        "manifest.json",
        "incident.json",
        "decisions.json",
        "correspondence.json",
        "deliveries.json",
        "audit.jsonl",
        f"{base}.json",
        f"{base}.pdf",
    } <= names
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["incident"] == assessed["reference"]
    assert {row["path"] for row in manifest["files"]} == names - {"manifest.json"}
    decisions = json.loads(archive.read("decisions.json"))
    assert decisions["assessments"][0]["risk_level"] == "high"
    assert decisions["assessments"][0]["rationale"]
    met = next(o for o in decisions["obligations"] if o["rule_code"] == "eu-gdpr-33-1-sa")
    assert met["status"] == "met"
    actions = [json.loads(line)["action"] for line in archive.read("audit.jsonl").splitlines()]
    assert "filing.submitted" in actions
    assert "incident.assessed" in actions
    path = tmp_path / "pack.zip"
    path.write_bytes(data)
    out = io.StringIO()
    call_command("verify_evidence", str(path), stdout=out)
    assert "Evidence pack intact" in out.getvalue()
    assert "1 filings" in out.getvalue()


def _rewrite(data: bytes, path: str, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            body = source.read(name)
            target.writestr(name, change(body) if name == path else body)
    return buffer.getvalue()


@pytest.mark.django_db
def test_verify_evidence_catches_tampering(api, assessed, submitted, tmp_path):
    data = pack(api, assessed["id"])
    base = f"filings/{submitted['id']:06d}-gdpr-initial.json"
    edited = _rewrite(data, base, lambda b: b.replace(b"5800", b"580"))
    path = tmp_path / "edited.zip"
    path.write_bytes(edited)
    err = io.StringIO()
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("verify_evidence", str(path), stderr=err)
    assert f"{base}: SHA-256 does not match the manifest" in err.getvalue()
    assert f"{base}: snapshot does not match its hash" in err.getvalue()
    with pytest.raises(CommandError, match="No such file"):
        call_command("verify_evidence", str(tmp_path / "missing.zip"))
