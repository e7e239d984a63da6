"""The keyed hash chain of the audit trail: append in the caller's transaction, verify, and
issue signed checkpoints of the head to keep outside BreachDesk (docs/audit.md).

Each entry's hash is HMAC-SHA256(AUDIT_HMAC_KEY, previous hash + canonical entry): without
the key, nobody who can write to the database can recompute the chain after editing or
deleting an entry. A checkpoint (sequence, hash, time, HMAC signature) kept elsewhere also
catches what the chain alone cannot: the newest entries deleted and the head rewound.
"""

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from breachdesk.errors import InvalidInput
from breachdesk.timeutils import iso, now_utc, parse_aware
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


def _key() -> bytes:
    key = getattr(settings, "AUDIT_HMAC_KEY", "")
    if not key:
        raise ImproperlyConfigured("AUDIT_HMAC_KEY is not set: the audit chain needs its key.")
    return key.encode()


def entry_hash(prev_hash: str, payload: bytes) -> str:
    return hmac.new(_key(), prev_hash.encode() + payload, hashlib.sha256).hexdigest()


def legacy_entry_hash(prev_hash: str, payload: bytes) -> str:
    """The unkeyed SHA-256 chain of BreachDesk before the key (migration 0004 converts it)."""
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
    seq, prev = _head_lock()
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
    _head_move(seq, prev)
    return entries


# The head's two statements are plain SQL: every change to an incident runs them, and the
# ORM's query building cost several times the statement itself (as on alert intake, sql.py).
def _head() -> str:
    return connection.ops.quote_name(AuditHead._meta.db_table)


def _head_lock() -> tuple[int, str]:
    """The head's (seq, hash), its row locked until the transaction ends (SQLite: the
    transaction already holds the write lock). The first append ever creates the row."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT seq, hash FROM {_head()} WHERE id = 1{lock}")  # noqa: S608  # nosec B608  # fixed SQL text
        row = cursor.fetchone()
    if row is None:
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        return head.seq, head.hash
    return row[0], row[1]


def _head_move(seq: int, digest: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {_head()} SET seq = %s, hash = %s WHERE id = 1", [seq, digest])  # noqa: S608  # nosec B608  # fixed SQL text


@dataclass(frozen=True)
class AuditProblem:
    seq: int | None
    entry_id: int | None
    message: str


def entry_payload(entry: AuditEntry) -> bytes:
    return canonical(
        seq=entry.seq,
        occurred_at=entry.occurred_at,
        actor=entry.actor,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        data=entry.data,
    )


def audit_verify(checkpoint: "Checkpoint | None" = None) -> AuditProblem | None:
    """Walk the chain in order; return the first broken entry, or None if intact. With a
    checkpoint, the trail must also reach its sequence and hold its hash there."""
    expected_seq, prev = 1, GENESIS
    last: AuditEntry | None = None
    at_checkpoint: str | None = None
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
        if entry_hash(prev, entry_payload(entry)) != entry.hash:
            return AuditProblem(
                entry.seq,
                entry.pk,
                f"entry #{entry.seq} (id {entry.pk}): content does not match its "
                "keyed hash; the row was altered (or AUDIT_HMAC_KEY is not the chain's key)",
            )
        if checkpoint is not None and entry.seq == checkpoint.seq:
            at_checkpoint = entry.hash
        prev, expected_seq, last = entry.hash, expected_seq + 1, entry
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != (last.seq if last else 0) or head.hash != prev):
        return AuditProblem(
            None,
            None,
            f"chain ends at #{last.seq if last else 0} but the head records "
            f"#{head.seq}; entries were deleted from the end",
        )
    if checkpoint is not None:
        end = last.seq if last else 0
        if checkpoint.seq > end:
            return AuditProblem(
                None,
                None,
                f"the trail ends at #{end} but checkpoint {checkpoint.issued_at} recorded "
                f"#{checkpoint.seq}: entries were deleted from the end",
            )
        if checkpoint.seq and at_checkpoint != checkpoint.hash:
            return AuditProblem(
                checkpoint.seq,
                None,
                f"entry #{checkpoint.seq} differs from checkpoint {checkpoint.issued_at}: "
                "the trail was rewritten up to there",
            )
    return None


# --- checkpoints ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """The signed head of the chain at one moment, to keep outside BreachDesk."""

    seq: int
    hash: str
    issued_at: str
    signature: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _checkpoint_signature(seq: int, digest: str, issued_at: str) -> str:
    message = f"breachdesk-audit-checkpoint:{seq}:{digest}:{issued_at}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def audit_checkpoint(*, now: datetime | None = None) -> Checkpoint:
    """Sign the current head (sequence, hash, time)."""
    head = AuditHead.objects.filter(pk=1).first()
    seq, digest = (head.seq, head.hash) if head else (0, GENESIS)
    issued_at = iso(now or now_utc())
    return Checkpoint(seq, digest, issued_at, _checkpoint_signature(seq, digest, issued_at))


class CheckpointError(ValueError):
    pass


def checkpoint_parse(text: str) -> Checkpoint:
    """A checkpoint from its JSON; CheckpointError if malformed or not signed with our key."""
    try:
        data = json.loads(text)
        checkpoint = Checkpoint(
            seq=int(data["seq"]),
            hash=str(data["hash"]),
            issued_at=str(data["issued_at"]),
            signature=str(data["signature"]),
        )
        parse_aware(checkpoint.issued_at, field="issued_at")
    except (ValueError, KeyError, TypeError, InvalidInput) as exc:
        raise CheckpointError(f"not a BreachDesk audit checkpoint: {exc}") from None
    expected = _checkpoint_signature(checkpoint.seq, checkpoint.hash, checkpoint.issued_at)
    if not hmac.compare_digest(expected, checkpoint.signature):
        raise CheckpointError(
            "the checkpoint's signature does not match: it was altered, or AUDIT_HMAC_KEY "
            "is not the key that signed it"
        )
    return checkpoint


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
