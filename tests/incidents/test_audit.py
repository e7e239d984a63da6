"""The hash-chained audit trail detects alteration, deletion and reordering."""

import importlib
import io
import json

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.models import AuditEntry, AuditHead, Incident
from incidents.services.audit import (
    GENESIS,
    audit_checkpoint,
    entry_hash,
    entry_payload,
    legacy_entry_hash,
)
from incidents.services.incidents import incident_comment, incident_create
from tests.conftest import sign_in_verified


@pytest.fixture
def chain(dpo, org):
    incident = incident_create(actor=dpo, data={"title": "Audited"})
    for i in range(4):
        incident_comment(incident_id=incident.pk, actor=dpo, text=f"note {i}")
    return list(AuditEntry.objects.order_by("seq"))


def verify() -> str:
    try:
        call_command("verify_audit")
    except CommandError as exc:
        return str(exc)
    return "ok"


@pytest.mark.django_db
def test_intact_chain_verifies(chain):
    assert len(chain) == 5
    assert verify() == "ok"
    assert chain[1].prev_hash == chain[0].hash


@pytest.mark.django_db
def test_altered_row_is_named(chain):
    AuditEntry.objects.filter(pk=chain[2].pk).update(data={**chain[2].data, "text": "forged"})
    assert f"#{chain[2].seq}" in verify()
    assert "altered" in verify()


@pytest.mark.django_db
def test_deleted_row_is_named(chain):
    AuditEntry.objects.filter(pk=chain[2].pk).delete()
    message = verify()
    assert f"#{chain[3].seq}" in message
    assert "deleted" in message


@pytest.mark.django_db
def test_deleted_tail_is_detected(chain):
    AuditEntry.objects.filter(pk=chain[-1].pk).delete()
    assert "deleted from the end" in verify()


@pytest.mark.django_db
def test_reordered_rows_are_detected(chain):
    a, b = chain[1], chain[3]
    AuditEntry.objects.filter(pk=a.pk).update(seq=10_000)
    AuditEntry.objects.filter(pk=b.pk).update(seq=a.seq)
    AuditEntry.objects.filter(pk=a.pk).update(seq=b.seq)
    assert f"#{a.seq}" in verify()


@pytest.mark.django_db
def test_api_and_admin_cannot_edit_the_trail(api, chain, client, users):
    assert api["admin"].delete("/api/v1/audit/").status_code == 405
    assert api["admin"].post("/api/v1/audit/", {}, format="json").status_code == 405
    admin = users["admin"]
    admin.is_staff = True
    admin.save()
    sign_in_verified(client, admin)
    url = f"/admin/incidents/auditentry/{chain[0].pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"action": "tampered"})
    assert response.status_code == 403
    assert client.post(f"/admin/incidents/auditentry/{chain[0].pk}/delete/").status_code == 403


@pytest.mark.django_db
def test_jsonl_export_is_the_chain(api, chain):
    response = api["dpo"].get("/api/v1/audit/export/")
    lines = b"".join(response.streaming_content).decode().splitlines()
    rows = [json.loads(line) for line in lines]
    assert [row["hash"] for row in rows] == [entry.hash for entry in chain]
    assert rows[1]["prev_hash"] == rows[0]["hash"]


# --- keyed chain and checkpoints (issue 10, item 7) ----------------------------------------


def _recompute_unkeyed_from(entries: list[AuditEntry], start: int) -> None:
    """What an attacker with database access but not the key does: edit, then re-chain."""
    prev = entries[start - 1].hash if start else GENESIS
    for entry in entries[start:]:
        entry.refresh_from_db()
        digest = legacy_entry_hash(prev, entry_payload(entry))
        AuditEntry.objects.filter(pk=entry.pk).update(prev_hash=prev, hash=digest)
        prev = digest
    AuditHead.objects.filter(pk=1).update(seq=entries[-1].seq, hash=prev)


@pytest.mark.django_db
def test_an_edit_with_the_chain_recomputed_without_the_key_is_detected(chain):
    AuditEntry.objects.filter(pk=chain[2].pk).update(data={**chain[2].data, "text": "forged"})
    _recompute_unkeyed_from(chain, 2)
    message = verify()
    assert f"#{chain[2].seq}" in message
    assert "keyed hash" in message


@pytest.mark.django_db
def test_the_chain_depends_on_the_key(chain, settings):
    settings.AUDIT_HMAC_KEY = "another-key"
    assert "keyed hash" in verify()


def _checkpoint_file(tmp_path, data) -> str:
    path = tmp_path / "checkpoint.json"
    path.write_text(json.dumps(data) if isinstance(data, dict) else data)
    return str(path)


@pytest.mark.django_db
def test_truncated_trail_with_rewound_head_passes_alone_but_fails_the_checkpoint(
    chain, api, tmp_path
):
    response = api["dpo"].get("/api/v1/audit/checkpoint/")
    assert response.status_code == 200
    checkpoint = response.json()
    assert (checkpoint["seq"], checkpoint["hash"]) == (chain[-1].seq, chain[-1].hash)
    # Delete the two newest entries and rewind the head to the new end.
    AuditEntry.objects.filter(pk__in=[chain[-1].pk, chain[-2].pk]).delete()
    AuditHead.objects.filter(pk=1).update(seq=chain[-3].seq, hash=chain[-3].hash)
    assert verify() == "ok"  # the chain alone cannot tell
    with pytest.raises(CommandError, match="deleted from the end"):
        call_command("verify_audit", checkpoint=[_checkpoint_file(tmp_path, checkpoint)])


@pytest.mark.django_db
def test_checkpoint_from_the_command_verifies_and_later_entries_are_fine(chain, dpo, tmp_path):
    out = io.StringIO()
    call_command("audit_checkpoint", stdout=out)
    path = _checkpoint_file(tmp_path, out.getvalue())
    incident_comment(incident_id=Incident.objects.get().pk, actor=dpo, text="after")
    out = io.StringIO()
    call_command("verify_audit", checkpoint=[path], stdout=out)
    assert "consistent with 1 checkpoint" in out.getvalue()


@pytest.mark.django_db
def test_a_rewritten_history_diverges_from_the_checkpoint(chain, settings, tmp_path):
    checkpoint = audit_checkpoint().as_dict()
    # Even with the key, rewriting entry 2 changes every later hash, the checkpoint's too.
    AuditEntry.objects.filter(pk=chain[1].pk).update(data={"text": "forged"})
    prev = chain[0].hash
    for entry in AuditEntry.objects.order_by("seq")[1:]:
        digest = entry_hash(prev, entry_payload(entry))
        AuditEntry.objects.filter(pk=entry.pk).update(prev_hash=prev, hash=digest)
        prev = digest
    AuditHead.objects.filter(pk=1).update(hash=prev)
    assert verify() == "ok"
    with pytest.raises(CommandError, match="differs from checkpoint"):
        call_command("verify_audit", checkpoint=[_checkpoint_file(tmp_path, checkpoint)])


@pytest.mark.django_db
def test_a_forged_or_malformed_checkpoint_is_refused(chain, tmp_path):
    forged = {**audit_checkpoint().as_dict(), "seq": 1}
    with pytest.raises(CommandError, match="signature does not match"):
        call_command("verify_audit", checkpoint=[_checkpoint_file(tmp_path, forged)])
    with pytest.raises(CommandError, match="not a BreachDesk audit checkpoint"):
        call_command("verify_audit", checkpoint=[_checkpoint_file(tmp_path, "{}")])


@pytest.mark.django_db
def test_checkpoint_api_needs_the_audit_permission(api):
    assert api["analyst"].get("/api/v1/audit/checkpoint/").status_code == 403
    assert api["anonymous"].get("/api/v1/audit/checkpoint/").status_code == 401


@pytest.mark.django_db
def test_migration_rekeys_an_intact_unkeyed_chain_and_refuses_a_broken_one(chain):
    _recompute_unkeyed_from(chain, 0)  # the chain as an earlier version stored it
    assert "keyed hash" in verify()
    migration = importlib.import_module("incidents.migrations.0010_audit_chain_keyed")
    migration.keyed(django_apps, None)
    assert verify() == "ok"
    _recompute_unkeyed_from(chain, 0)
    AuditEntry.objects.filter(pk=chain[3].pk).update(data={"text": "forged"})
    with pytest.raises(RuntimeError, match="broken at entry #4"):
        migration.keyed(django_apps, None)
