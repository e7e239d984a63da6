"""The hash-chained audit trail detects alteration, deletion and reordering."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from incidents.models import AuditEntry
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
