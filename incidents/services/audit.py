"""The hash-chained audit trail: append in the caller's transaction, verify offline."""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from breachdesk.timeutils import iso
from incidents.models import AuditEntry, AuditHead

GENESIS = "0" * 64


def jsonable(data: Any) -> Any:
    """Round-trip through JSON so what we hash is exactly what the database returns."""
    return json.loads(json.dumps(data, default=str))


def canonical(
    *,
    seq: int,
    occurred_at: datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    data: Any,
) -> bytes:
    body = {
        "seq": seq,
        "occurred_at": iso(occurred_at),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "data": data,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(prev_hash: str, payload: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + payload).hexdigest()


def audit_append(
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: object,
    data: dict[str, Any],
    now: datetime,
) -> AuditEntry:
    """Append one entry; must run inside the caller's transaction (the head row is locked)."""
    (entry,) = audit_append_many(
        [
            AuditRecord(
                actor=actor,
                action=action,
                object_type=object_type,
                object_id=object_id,
                data=data,
                now=now,
            )
        ]
    )
    return entry


@dataclass(frozen=True)
class AuditRecord:
    actor: str
    action: str
    object_type: str
    object_id: object
    data: dict[str, Any]
    now: datetime


def audit_append_many(records: list[AuditRecord]) -> list[AuditEntry]:
    """Append entries in order with three queries whatever their number (lock the head, one
    bulk INSERT, move the head); inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_append must run inside a transaction")
    if not records:
        return []
    head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
    seq, prev = head.seq, head.hash
    entries = []
    for record in records:
        seq += 1
        clean = jsonable(record.data)
        object_id = str(record.object_id)
        digest = entry_hash(
            prev,
            canonical(
                seq=seq,
                occurred_at=record.now,
                actor=record.actor,
                action=record.action,
                object_type=record.object_type,
                object_id=object_id,
                data=clean,
            ),
        )
        entries.append(
            AuditEntry(
                seq=seq,
                occurred_at=record.now,
                actor=record.actor,
                action=record.action,
                object_type=record.object_type,
                object_id=object_id,
                data=clean,
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
    head.seq, head.hash = seq, prev
    head.save(update_fields=["seq", "hash"])
    return entries


@dataclass(frozen=True)
class AuditProblem:
    seq: int | None
    entry_id: int | None
    message: str


def audit_verify() -> AuditProblem | None:
    """Walk the chain in order; return the first broken entry, or None if intact."""
    expected_seq, prev = 1, GENESIS
    last: AuditEntry | None = None
    for entry in AuditEntry.objects.order_by("seq", "id").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return AuditProblem(
                entry.seq,
                entry.pk,
                f"entry #{entry.seq} (id {entry.pk}): expected sequence "
                f"{expected_seq}; an entry was deleted or inserted out of order",
            )
        if entry.prev_hash != prev:
            return AuditProblem(
                entry.seq,
                entry.pk,
                f"entry #{entry.seq} (id {entry.pk}): previous-hash link broken; "
                "an earlier entry was removed, replaced or reordered",
            )
        payload = canonical(
            seq=entry.seq,
            occurred_at=entry.occurred_at,
            actor=entry.actor,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            data=entry.data,
        )
        if entry_hash(prev, payload) != entry.hash:
            return AuditProblem(
                entry.seq,
                entry.pk,
                f"entry #{entry.seq} (id {entry.pk}): content does not match its "
                "hash; the row was altered",
            )
        prev, expected_seq, last = entry.hash, expected_seq + 1, entry
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != (last.seq if last else 0) or head.hash != prev):
        return AuditProblem(
            None,
            None,
            f"chain ends at #{last.seq if last else 0} but the head records "
            f"#{head.seq}; entries were deleted from the end",
        )
    return None


def audit_export_lines() -> Iterator[str]:
    """JSON Lines, one entry per line, in chain order (for evidence bundles)."""
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        yield (
            json.dumps(
                {
                    "seq": entry.seq,
                    "occurred_at": iso(entry.occurred_at),
                    "actor": entry.actor,
                    "action": entry.action,
                    "object_type": entry.object_type,
                    "object_id": entry.object_id,
                    "data": entry.data,
                    "prev_hash": entry.prev_hash,
                    "hash": entry.hash,
                },
                sort_keys=True,
                ensure_ascii=False,
            )
            + "\n"
        )
