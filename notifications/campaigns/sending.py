"""Sending a campaign: leased chunks, state committed around every provider call.

A worker leases one chunk (conditional UPDATE with a fresh token; an expired lease can be
taken over), turns rows a dead predecessor left in `sending` into `unknown`, commits its
queued rows as `sending`, calls the provider once for the batch (SendGrid: one request
with up to 1,000 personalizations) or once per SMS (Twilio, rate-limited), and commits
the outcome. Nothing is ever sent twice by a retry: 429/5xx put rows back to `queued`
before the back-off; a lost answer makes them `unknown`, settled by receipts.
"""

import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q

from breachdesk.crypto import decrypt_many
from breachdesk.timeutils import now_utc
from incidents.intake.writegate import write_gate
from notifications import delivery as states
from notifications.campaigns.content import fill, recipient_values, substitutions
from notifications.channels import ChannelError, Message, sendgrid_channel, twilio_channel
from notifications.models import Delivery, Recipient, Rendition, SendChunk
from notifications.phone import PhoneNumberError, e164

logger = logging.getLogger(__name__)
REF_ARG = "breachdesk_ref"  # custom arg / callback parameter the receipts carry back
OPEN_AFTER_CALL = (states.SENDING, states.UNKNOWN)  # what a provider's answer may settle


@dataclass(frozen=True)
class Lease:
    chunk_id: int
    token: UUID
    campaign_id: int
    seq: int
    channel: str
    rendition_id: int
    tries: int
    orphaned: int = 0  # rows a dead predecessor left in `sending`, now `unknown`


@contextmanager
def _writing() -> Iterator[None]:
    """One write transaction of the sender. On a SQLite file it waits at the writer gate
    first: the next sender wakes the moment this one commits, instead of sleeping in
    SQLite's busy handler (1, 2, 5, 10... ms) while the write lock sits idle."""
    with write_gate(), transaction.atomic(durable=True):
        yield


def _lease_span() -> timedelta:
    return timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS)


def _backoff(tries: int) -> float:
    return float(settings.NOTIFICATIONS_RETRY_BACKOFF_SECONDS * (2 ** max(tries - 1, 0)))


def leasable(now: datetime) -> Q:
    """Chunks a worker may take now: pending past their back-off, or with an expired lease."""
    pending = Q(state=SendChunk._meta.get_field("state").default) & (
        Q(not_before__isnull=True) | Q(not_before__lte=now)
    )
    return pending | Q(state="leased", lease_until__lt=now)


def chunk_lease(*, campaign_id: int, now: datetime | None = None) -> Lease | None:
    """Take one pending (or abandoned) chunk; None when nothing is left to take right now.

    One transaction: pick the first leasable chunk (PostgreSQL skips chunks another worker
    is locking), take it with a conditional UPDATE and a fresh token, and turn the rows a
    dead predecessor left in `sending` into `unknown` (never sent blindly again).
    """
    now = now or now_utc()
    for _ in range(8):
        lease_token = uuid4()
        with _writing():
            pk = (
                SendChunk.objects.select_for_update(skip_locked=True)
                .filter(leasable(now), campaign_id=campaign_id)
                .order_by("seq")
                .values_list("pk", flat=True)
                .first()
            )
            if pk is None:
                return None
            taken = SendChunk.objects.filter(leasable(now), pk=pk).update(
                state="leased",
                lease_token=lease_token,
                lease_until=now + _lease_span(),
                tries=F("tries") + 1,
            )
            if not taken:
                continue  # another worker was faster
            chunk = SendChunk.objects.values("seq", "channel", "rendition_id", "tries").get(pk=pk)
            orphaned = 0
            if chunk["tries"] > 1:  # leased before: a predecessor may have died mid-call
                orphaned = Delivery.objects.filter(
                    campaign_id=campaign_id, seq=chunk["seq"], state=states.SENDING
                ).update(
                    state=states.UNKNOWN,
                    error="The worker stopped during the provider call; waiting for receipts.",
                )
        return Lease(
            chunk_id=pk, token=lease_token, campaign_id=campaign_id, orphaned=orphaned, **chunk
        )
    return None


def _renew(lease: Lease) -> bool:
    """Extend our lease; False when another worker has taken the chunk (we stop)."""
    return bool(
        SendChunk.objects.filter(pk=lease.chunk_id, lease_token=lease.token, state="leased").update(
            lease_until=now_utc() + _lease_span()
        )
    )


def _rows(lease: Lease, state: str):
    return Delivery.objects.filter(campaign_id=lease.campaign_id, seq=lease.seq, state=state)


def _among(column: str, ids: list[int]) -> tuple[str, list]:
    """`column IN (ids)` for plain SQL: one array parameter on PostgreSQL (psycopg would
    otherwise quote 1,000 placeholders into the statement in Python and the server parse
    them), placeholders elsewhere."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(ids)]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _db_time() -> object:
    """Now, as the ORM stores a DateTimeField (for the plain-SQL updates below)."""
    return connection.ops.adapt_datetimefield_value(now_utc())


def _claim(lease: Lease, ids: list[int]) -> list[int]:
    """Commit `queued` -> `sending` for ids (fenced by the lease) BEFORE calling a provider."""
    if not ids:
        return []
    table = Delivery._meta.db_table
    among, params = _among("id", ids)
    with _writing():
        if not _renew(lease):
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET state = %s, tries = tries + 1, attempted_at = %s "  # noqa: S608  # nosec B608  # model table, placeholders only
                f"WHERE {among} AND state = %s RETURNING id",
                [states.SENDING, _db_time(), *params, states.QUEUED],
            )
            return sorted(row[0] for row in cursor.fetchall())


def _finish(ids: list[int], **changes) -> None:
    """Commit the provider's answer for rows we handed over (a receipt may have come first)."""
    with transaction.atomic():
        Delivery.objects.filter(pk__in=ids, state__in=OPEN_AFTER_CALL).update(**changes)


def _reason(exc: ChannelError, address: str = "") -> str:
    """The provider's reason without the recipient's address (error texts are not encrypted)."""
    text = exc.message.replace(address, "<recipient>") if address else exc.message
    return text[:500]


@dataclass
class ChunkOutcome:
    sent: int = 0
    failed: int = 0
    unknown: int = 0
    requeued: int = 0
    lost: bool = False
    retry_after: float = 0.0
    released: bool = False


def chunk_send(lease: Lease, *, sleep: Callable[[float], None] = time.sleep) -> ChunkOutcome:
    """Send every queued delivery of a leased chunk once; then release or finish the chunk."""
    outcome = ChunkOutcome(unknown=lease.orphaned)
    rendition = Rendition.objects.get(pk=lease.rendition_id)
    if lease.channel == "email":
        _send_email(lease, rendition, outcome, sleep)
    else:
        queued = list(_rows(lease, states.QUEUED).values_list("pk", "recipient_id"))
        if queued:
            _send_sms(lease, rendition, queued, outcome, sleep)
    if not outcome.released and not outcome.lost:
        with write_gate():
            _release(lease, outcome)
    return outcome


def _release(lease: Lease, outcome: ChunkOutcome) -> None:
    """Mark the chunk done, or give it back with a back-off while rows are still queued."""
    outcome.released = True
    with transaction.atomic():
        left = _rows(lease, states.QUEUED).exists()
        mine = SendChunk.objects.filter(pk=lease.chunk_id, lease_token=lease.token)
        if not left:
            mine.update(state="done", lease_token=None, lease_until=None)
        elif lease.tries >= settings.NOTIFICATIONS_MAX_TRIES:
            n = _rows(lease, states.QUEUED).update(
                state=states.FAILED,
                final_at=now_utc(),
                error=F("error"),
            )
            outcome.failed += n
            mine.update(state="done", lease_token=None, lease_until=None)
        else:
            wait = outcome.retry_after or _backoff(lease.tries)
            mine.update(
                state="pending",
                lease_token=None,
                lease_until=None,
                not_before=now_utc() + timedelta(seconds=wait),
            )


def _contacts(recipient_ids: list[int]) -> dict[int, dict]:
    return dict(Recipient.objects.filter(pk__in=recipient_ids).values_list("pk", "contact"))


def _queued_with_contacts(lease: Lease) -> list[tuple[int, dict]]:
    """The chunk's queued deliveries, in id order, with their decrypted contacts (purged
    ones left out)."""
    read = _tokens_by_key if connection.vendor == "postgresql" else _tokens_joined
    rows = read(lease)
    contacts = json.loads("[" + ",".join(decrypt_many([token for _, token in rows])) + "]")
    return [(pk, contact) for (pk, _), contact in zip(rows, contacts, strict=True)]


def _tokens_joined(lease: Lease) -> list[tuple[int, str]]:
    """One join (SQLite: the chunk's rows by their index, each recipient by its key)."""
    deliveries, recipients = Delivery._meta.db_table, Recipient._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d.id, r.contact FROM {deliveries} d JOIN {recipients} r "  # noqa: S608  # nosec B608  # model tables, placeholders only
            "ON r.id = d.recipient_id WHERE d.campaign_id = %s AND d.seq = %s AND d.state = %s "
            "AND r.contact IS NOT NULL AND r.contact != '' ORDER BY d.id",
            [lease.campaign_id, lease.seq, states.QUEUED],
        )
        return cursor.fetchall()


def _tokens_by_key(lease: Lease) -> list[tuple[int, str]]:
    """The chunk's rows, then their recipients by key (one array parameter). PostgreSQL
    planned the join as a scan of every recipient of the campaign for each chunk; on SQLite
    this second query's 1,000-id list costs more than the join (bench/RESULTS.md)."""
    queued = list(_rows(lease, states.QUEUED).values_list("pk", "recipient_id"))
    if not queued:
        return []
    among, params = _among("id", [rid for _, rid in queued])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, contact FROM {Recipient._meta.db_table} WHERE {among} "  # noqa: S608  # nosec B608  # model table, placeholders only
            "AND contact IS NOT NULL AND contact != ''",
            params,
        )
        tokens = dict(cursor.fetchall())
    return [(pk, tokens[rid]) for pk, rid in queued if rid in tokens]


# --- e-mail ----------------------------------------------------------------------------------


def sendgrid_body(rendition: Rendition, rows: list[tuple[int, dict]]) -> dict:
    """One v3 mail/send body: the rendition once, one personalization per recipient."""
    content = [{"type": "text/plain", "value": rendition.text}]
    if rendition.html:
        content.append({"type": "text/html", "value": rendition.html})
    personalizations = []
    for delivery_id, contact in rows:
        values = recipient_values(contact)
        to = {"email": contact["email"]}
        if contact.get("name"):
            to["name"] = contact["name"]
        item: dict = {"to": [to], "custom_args": {REF_ARG: f"d{delivery_id}"}}
        if rendition.fields:
            item["substitutions"] = substitutions(
                rendition.fields, values, html=bool(rendition.html)
            )
        personalizations.append(item)
    return {
        "from": {"email": settings.DEFAULT_FROM_EMAIL},
        "subject": rendition.subject,
        "content": content,
        "personalizations": personalizations,
    }


def _send_email(lease, rendition, outcome, sleep) -> None:
    channel = sendgrid_channel()
    if channel is None:
        _send_outbox(lease, list(_rows(lease, states.QUEUED).values_list("pk", flat=True)), outcome)
        return
    rows = _queued_with_contacts(lease)
    if not rows:
        return
    body = sendgrid_body(rendition, rows)
    while True:
        claimed = _claim(lease, [pk for pk, _ in rows])
        if not claimed:
            outcome.lost = True
            return
        if len(claimed) != len(rows):  # a receipt or retry changed some rows meanwhile
            keep = set(claimed)
            rows = [(pk, c) for pk, c in rows if pk in keep]
            body["personalizations"] = [
                p for p in body["personalizations"] if int(p["custom_args"][REF_ARG][1:]) in keep
            ]
        try:
            result = channel.post(body, recipient=f"{len(claimed)} recipients")
        except ChannelError as exc:
            if _handle_error(exc, claimed, outcome, lease, sleep):
                continue
            return
        # The answer and the chunk's release in one transaction.
        with _writing():
            _sent(claimed, provider="sendgrid", message_id=result.provider_message_id[:100])
            outcome.sent += len(claimed)
            _release(lease, outcome)
        return


def _sent(ids: list[int], *, provider: str, message_id: str) -> None:
    """`_finish` as sent, in plain SQL (a 1,000-id IN list costs the ORM more than SQLite)."""
    among, params = _among("id", ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Delivery._meta.db_table} SET state = %s, provider = %s, "  # noqa: S608  # nosec B608  # model table, placeholders only
            f"provider_message_id = %s, sent_at = %s, error = '' WHERE {among} "
            "AND state IN (%s, %s)",
            [states.SENT, provider, message_id, _db_time(), *params, *OPEN_AFTER_CALL],
        )


def _handle_error(exc, claimed, outcome, lease, sleep, address: str = "") -> bool:
    """Record a provider error for claimed rows; True when the caller should try again now."""
    if exc.outcome_unknown:
        _finish(claimed, state=states.UNKNOWN, error=_reason(exc, address))
        outcome.unknown += len(claimed)
        return False
    if not exc.retryable:
        _finish(claimed, state=states.FAILED, final_at=now_utc(), error=_reason(exc, address))
        outcome.failed += len(claimed)
        return False
    # 429/5xx: certainly not taken; back to queued (committed) before waiting.
    with transaction.atomic(durable=True):
        Delivery.objects.filter(pk__in=claimed, state=states.SENDING).update(
            state=states.QUEUED, error=_reason(exc, address)
        )
    outcome.requeued += len(claimed)
    attempt = outcome.requeued // max(len(claimed), 1)
    if attempt >= settings.NOTIFICATIONS_MAX_TRIES:
        outcome.retry_after = _backoff(attempt)
        return False  # the chunk is released with a back-off; another pass tries later
    sleep(_backoff(attempt))
    return True


def _send_outbox(lease: Lease, ids: list[int], outcome: ChunkOutcome) -> None:
    """The embedded default: the delivery row, rendition and recipient values are the record."""
    with transaction.atomic(durable=True):
        if not _renew(lease):
            outcome.lost = True
            return
        now = now_utc()
        outcome.sent += Delivery.objects.filter(pk__in=ids, state=states.QUEUED).update(
            state=states.SENT,
            provider="outbox",
            tries=F("tries") + 1,
            attempted_at=now,
            sent_at=now,
        )


# --- SMS -------------------------------------------------------------------------------------


def _send_sms(lease, rendition, queued, outcome, sleep) -> None:
    channel = twilio_channel()
    if channel is None:
        _send_outbox(lease, [pk for pk, _ in queued], outcome)
        return
    channel.keep_alive()
    contacts = _contacts([rid for _, rid in queued])
    interval = 1.0 / max(settings.NOTIFICATIONS_SMS_PER_SECOND, 1)
    next_at = time.monotonic()
    for pk, rid in queued:
        contact = contacts.get(rid) or {}
        try:
            phone = e164(contact.get("phone", ""))
        except PhoneNumberError:
            _finish([pk], state=states.FAILED, final_at=now_utc(), error="no valid phone number")
            continue
        message = Message(
            channel="sms",
            to=phone,
            subject="",
            body=fill(rendition.text, recipient_values(contact)),
            reference=f"d{pk}",
        )
        while True:
            delay = next_at - time.monotonic()
            if delay > 0:
                sleep(delay)  # the configured rate (messages per second)
            next_at = max(next_at, time.monotonic()) + interval
            claimed = _claim(lease, [pk])
            if not claimed:
                outcome.lost = True
                return
            try:
                result = channel.send(message)
            except ChannelError as exc:
                if _handle_error(exc, claimed, outcome, lease, sleep, address=phone):
                    continue
                if outcome.retry_after:
                    return
                break
            _finish(
                claimed,
                state=states.SENT,
                provider="twilio",
                provider_message_id=result.provider_message_id[:100],
                sent_at=now_utc(),
                error="",
            )
            outcome.sent += 1
            break
