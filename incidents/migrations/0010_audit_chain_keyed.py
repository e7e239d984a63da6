"""The audit chain becomes keyed (HMAC-SHA256 with AUDIT_HMAC_KEY): verify the existing
unkeyed chain, then recompute every link with the key. A broken chain is not laundered:
the migration stops and names the first broken entry."""

from django.db import migrations

from incidents.services.audit import GENESIS, canonical, entry_hash, legacy_entry_hash


def _rehash(apps, old, new):
    AuditEntry = apps.get_model("incidents", "AuditEntry")
    AuditHead = apps.get_model("incidents", "AuditHead")
    old_prev = new_prev = GENESIS
    seq = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        payload = canonical(
            seq=entry.seq,
            occurred_at=entry.occurred_at,
            actor=entry.actor,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            data=entry.data,
        )
        if entry.seq != seq + 1 or entry.prev_hash != old_prev or old(old_prev, payload) != entry.hash:
            raise RuntimeError(
                f"The audit trail is broken at entry #{entry.seq}; it is not re-keyed. "
                "Investigate with the previous version's `manage.py verify_audit` first."
            )
        old_prev, seq = entry.hash, entry.seq
        digest = new(new_prev, payload)
        AuditEntry.objects.filter(pk=entry.pk).update(prev_hash=new_prev, hash=digest)
        new_prev = digest
    AuditHead.objects.filter(pk=1).update(seq=seq, hash=new_prev)


def keyed(apps, schema_editor):
    _rehash(apps, legacy_entry_hash, entry_hash)


def unkeyed(apps, schema_editor):
    _rehash(apps, entry_hash, legacy_entry_hash)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0009_list_and_due_indexes")]

    operations = [migrations.RunPython(keyed, unkeyed)]
