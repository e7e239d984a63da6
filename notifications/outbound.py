"""The one entry point for outbound single messages: `send_many(...)` / `send(...)`, exactly
once per key.

Everything in BreachDesk that tells one person something (a processor's notice to its
controller, a reminder or a digest of reminders, a page) goes through here. Each message is
an `OutboundMessage` row, the delivery proof: state, provider, provider message id, sent and
final times; provider receipts (notifications.receipts) later move it to
delivered/bounced/failed. `send()` is `send_many()` with one message.

Exactly once, for a batch as for one message: the rows are inserted with the callers' keys
(unique) and COMMITTED as `queued` (one transaction, in bulk; a caller's `on_insert` writes
its links to the rows in that same transaction), then moved to `sending` in one committed
conditional UPDATE (only the rows still `queued` are taken, so two workers never both send
one), then the providers are called, then every outcome is committed with one parameterised
conditional UPDATE (`... WHERE id = ? AND state = 'sending'`, so a receipt that arrived
meanwhile is never overwritten). A key that already exists returns the existing row and
sends nothing; a key reused with a different content is an error for that message only.
Call it outside a transaction (or from `transaction.on_commit`): it commits by itself.

A lost provider answer (time-out after the request left) makes the message `unknown`:
neither SendGrid nor Twilio dedupes a repeated send, so nothing resends it by itself. A
receipt (SendGrid `processed`/`delivered`, Twilio status) settles it; when none arrived
within `NOTIFICATIONS_UNKNOWN_WAIT_MINUTES`, `message_unknown_resolve` lets a person decide:
`retry` (sent again under the same key and receipt reference, audited), `fail` or
`delivered` (both with a reason).
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from breachdesk.db import rows_update
from breachdesk.errors import DomainError, InvalidInput
from breachdesk.timeutils import aware_utc, iso, now_utc
from incidents.services.audit import audit_append
from incidents.services.events import Actor, actor_label, actor_user
from notifications import delivery as states
from notifications.channels import ChannelError, Message, SendResult, get_channel
from notifications.channels.base import CHANNEL_KINDS, send_each
from notifications.models import OutboundMessage

logger = logging.getLogger(__name__)

RECEIPT_REF = "receipt_ref"  # metadata key the channels send to the provider for receipts
# A message left in `sending` longer than this (the worker died mid-call) becomes `unknown`.
SENDING_STALE = timedelta(minutes=5)
CHUNK = 500  # rows per bulk statement (SQLite's and PostgreSQL's parameter limits)


def _receipt_window() -> timedelta:
    """How long an `unknown` message waits for a receipt before a person may decide."""
    return timedelta(minutes=settings.NOTIFICATIONS_UNKNOWN_WAIT_MINUTES)


def _backoff(tries: int) -> timedelta:
    base = settings.NOTIFICATIONS_RETRY_BACKOFF_SECONDS
    return timedelta(seconds=base * (2 ** max(tries - 1, 0)))


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class Outgoing:
    """One message for `send_many`: what `send` takes, minus the call-wide actor and time.

    With `retry_later=False` a temporary failure ends as `failed` with `retryable=True`, for
    callers that own their retries (the reminder sweep retries a whole step under a new key).
    """

    channel: str
    to: str
    body: str
    key: str
    purpose: str
    reference: str = ""
    subject: str = ""
    html_body: str = ""
    incident_id: int | None = None
    retry_later: bool = True

    def content(self) -> dict[str, str]:
        """What a repeated key must match (else the key was reused for another message)."""
        return {"channel": self.channel, "to": self.to, "subject": self.subject, "body": self.body}

    def problem(self) -> DomainError | None:
        if self.channel not in CHANNEL_KINDS:
            return InvalidInput(
                f"channel must be one of {', '.join(CHANNEL_KINDS)}.", field="channel"
            )
        if not self.to.strip():
            return InvalidInput("to is required.", field="to")
        if not self.key.strip():
            return InvalidInput("key (the idempotency key) is required.", field="key")
        return None


OnInsert = Callable[[dict[str, OutboundMessage]], None]


def send(
    *,
    channel: str,
    to: str,
    body: str,
    key: str,
    purpose: str,
    reference: str = "",
    subject: str = "",
    html_body: str = "",
    incident_id: int | None = None,
    actor: str = "system",
    retry_later: bool = True,
    now: datetime | None = None,
    on_insert: OnInsert | None = None,
) -> OutboundMessage:
    """Send one message once per `key`; a repeated key returns the first message unchanged.

    `send_many` with one message; its error (bad input, a reused key) is raised.
    """
    item = Outgoing(
        channel=channel,
        to=to,
        body=body,
        key=key,
        purpose=purpose,
        reference=reference,
        subject=subject,
        html_body=html_body,
        incident_id=incident_id,
        retry_later=retry_later,
    )
    (result,) = send_many([item], actor=actor, now=now, on_insert=on_insert)
    if isinstance(result, DomainError):
        raise result
    return result


def send_many(
    items: Sequence[Outgoing],
    *,
    actor: str = "system",
    now: datetime | None = None,
    on_insert: OnInsert | None = None,
) -> list[OutboundMessage | DomainError]:
    """Send many messages, each once per key, with a number of statements that does not
    grow per message (bulk insert, one claim, one recorded outcome per chunk of CHUNK).

    Returns, in the order given, each message's row (its state says what happened) or the
    error that concerns that message only (bad input, a key reused for another content).
    `on_insert(rows_by_key)` runs inside the transaction that commits the rows (new and
    already existing ones), before any provider is called: a caller's links to its messages
    are committed with them or not at all.
    """
    now = aware_utc(now or now_utc())
    results: list[OutboundMessage | DomainError | None] = [item.problem() for item in items]
    valid = [item for item, problem in zip(items, results, strict=True) if problem is None]
    rows, fresh = _insert(valid, actor=actor, now=now, on_insert=on_insert) if valid else ({}, [])
    sent = {message.pk: message for message in _attempt(fresh, now=now)}
    for index, item in enumerate(items):
        if results[index] is not None:
            continue
        row = rows[item.key]
        if any(getattr(row, k) != v for k, v in item.content().items()):
            results[index] = DomainError(
                f"key {item.key!r} was already used for a different message.",
                code="idempotency_key_reused",
                field="key",
            )
        else:
            results[index] = sent.get(row.pk, row)  # an existing key: never sent twice
    return results  # type: ignore[return-value]


def _insert(
    items: list[Outgoing], *, actor: str, now: datetime, on_insert: OnInsert | None
) -> tuple[dict[str, OutboundMessage], list[OutboundMessage]]:
    """Insert the missing keys and commit them queued; (all rows by key, the new rows)."""
    keys = list(dict.fromkeys(item.key for item in items))
    for attempt in range(1, 4):
        try:
            with transaction.atomic(durable=True):
                rows = {
                    row.key: row
                    for chunk in _chunks(keys)
                    for row in OutboundMessage.objects.filter(key__in=chunk)
                }
                wanted: dict[str, OutboundMessage] = {}
                for item in items:
                    if item.key in rows or item.key in wanted:
                        continue
                    wanted[item.key] = OutboundMessage(
                        key=item.key,
                        reference=(item.reference or item.key)[:200],
                        purpose=item.purpose,
                        incident_id=item.incident_id,
                        html_body=item.html_body,
                        created_by=actor,
                        created_at=now,
                        next_try_at=now,
                        max_tries=settings.NOTIFICATIONS_MAX_TRIES if item.retry_later else 1,
                        **item.content(),
                    )
                fresh = OutboundMessage.objects.bulk_create(list(wanted.values()), batch_size=CHUNK)
                rows.update({row.key: row for row in fresh})
                if on_insert is not None:
                    on_insert(rows)
            return rows, fresh
        except IntegrityError:
            # Another worker inserted one of the keys meanwhile: read again, insert the rest.
            if attempt == 3:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def message_attempt(*, message_id: int, now: datetime | None = None) -> OutboundMessage:
    """Hand a queued message to its provider once; 429/5xx leave it queued with a back-off."""
    now = aware_utc(now or now_utc())
    (message,) = _attempt([OutboundMessage.objects.get(pk=message_id)], now=now)
    return message


def _attempt(messages: list[OutboundMessage], *, now: datetime) -> list[OutboundMessage]:
    """Claim the due queued ones (committed), call the providers, commit every outcome;
    returns the messages as recorded (the ones not taken, re-read too)."""
    if not messages:
        return []
    claimed = _claim([m.pk for m in messages], now=now)
    taken = [m for m in messages if m.pk in claimed]
    for message in taken:
        message.state, message.tries, message.max_tries = states.SENDING, *claimed[message.pk]
    outcomes = _outcomes(taken, _provide(taken))
    _record(outcomes)
    # Read back what was recorded (a receipt may have moved a row on meanwhile): the
    # delivery columns only, set on the rows in hand.
    columns = ("state", "tries", "max_tries", *OUTCOME_FIELDS[1:])
    current: dict[int, list] = {}
    for chunk in _chunks([m.pk for m in messages]):
        found = OutboundMessage.objects.filter(pk__in=chunk).values_list("pk", *columns)
        current.update({pk: values for pk, *values in found})
    for message in messages:
        for name, value in zip(columns, current.get(message.pk, ()), strict=False):
            setattr(message, name, value)
        if message.state == states.FAILED and message.pk in claimed:
            logger.warning(
                "outbound message %s (%s) failed: %s", message.pk, message.purpose, message.error
            )
    return messages


def _claim(ids: list[int], *, now: datetime) -> dict[int, tuple[int, int]]:
    """Move the due `queued` rows among `ids` to `sending` (committed); {id: (tries, max)}."""
    table = connection.ops.quote_name(OutboundMessage._meta.db_table)
    stale = OutboundMessage._meta.get_field("next_try_at")
    taken: dict[int, tuple[int, int]] = {}
    with transaction.atomic(durable=True), connection.cursor() as cursor:
        for chunk in _chunks(ids):
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} SET state = %s, tries = tries + 1, next_try_at = %s "  # noqa: S608  # nosec B608  # names
                f"WHERE id IN ({marks}) AND state = %s "
                "AND (next_try_at IS NULL OR next_try_at <= %s) RETURNING id, tries, max_tries",
                [
                    states.SENDING,
                    stale.get_db_prep_save(now + SENDING_STALE, connection),
                    *chunk,
                    states.QUEUED,
                    stale.get_db_prep_save(now, connection),
                ],
            )
            taken.update({pk: (tries, most) for pk, tries, most in cursor.fetchall()})
    return taken


def _provide(messages: list[OutboundMessage]) -> list[SendResult | ChannelError]:
    """Hand the claimed messages to their channels (a channel's `send_many` when it has one)."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    for index, message in enumerate(messages):
        by_kind[message.channel].append(index)
    answers: list[SendResult | ChannelError | None] = [None] * len(messages)
    for kind, indexes in by_kind.items():
        channel = get_channel(kind)
        outgoing = [_message(messages[i]) for i in indexes]
        many = getattr(channel, "send_many", None)
        for i, answer in zip(
            indexes, many(outgoing) if many else send_each(channel, outgoing), strict=True
        ):
            answers[i] = answer
    return answers  # type: ignore[return-value]


def _message(message: OutboundMessage) -> Message:
    return Message(
        channel=message.channel,
        to=message.to,
        subject=message.subject,
        body=message.body,
        html_body=message.html_body or None,
        reference=message.reference,
        metadata={"purpose": message.purpose, RECEIPT_REF: message.receipt_ref},
    )


# The columns an outcome sets (all of them, for every message: one statement shape).
OUTCOME_FIELDS = (
    "state",
    "provider",
    "provider_message_id",
    "error",
    "retryable",
    "sent_at",
    "final_at",
    "next_try_at",
)


def _outcomes(
    messages: list[OutboundMessage], answers: list[SendResult | ChannelError]
) -> list[tuple[int, dict[str, object]]]:
    """What each provider answer makes of its message (all OUTCOME_FIELDS, per message)."""
    outcomes = []
    for message, answer in zip(messages, answers, strict=True):
        changes: dict[str, object] = {
            "provider_message_id": message.provider_message_id,
            "sent_at": message.sent_at,
            "final_at": message.final_at,
            "next_try_at": None,
        }
        if isinstance(answer, ChannelError):
            changes.update(
                provider=answer.provider[:12], error=answer.message, retryable=answer.retryable
            )
            if answer.outcome_unknown:  # decided by receipts; a person may decide later
                changes.update(state=states.UNKNOWN, next_try_at=now_utc() + _receipt_window())
            elif answer.retryable and message.tries < message.max_tries:
                changes.update(state=states.QUEUED, next_try_at=now_utc() + _backoff(message.tries))
            else:
                changes.update(state=states.FAILED, final_at=now_utc())
        else:
            accepted = answer.accepted
            changes.update(
                state=states.SENT if accepted else states.FAILED,
                provider=answer.provider[:12],
                provider_message_id=answer.provider_message_id[:100],
                error=answer.error,
                retryable=False,
                sent_at=now_utc() if accepted else None,
                final_at=None if accepted else now_utc(),
            )
        outcomes.append((message.pk, changes))
    return outcomes


def _record(outcomes: list[tuple[int, dict[str, object]]]) -> None:
    """Commit every outcome with one parameterised UPDATE (executemany). Only our own
    `sending` row is finished: a receipt may already have moved it on."""
    if not outcomes:
        return
    with transaction.atomic(durable=True):
        rows_update(
            OutboundMessage,
            fields=OUTCOME_FIELDS,
            match=("id", "state"),
            rows=[(changes, {"id": pk, "state": states.SENDING}) for pk, changes in outcomes],
        )


def messages_retry_due(*, now: datetime | None = None) -> dict[str, int]:
    """Sweep: send queued messages whose back-off ended; stale `sending` becomes `unknown`.

    Also counts (and logs, without addresses) `unknown` messages whose receipt window has
    passed: they wait for a person's decision (`message_unknown_resolve`).
    """
    now = aware_utc(now or now_utc())
    unknown = OutboundMessage.objects.filter(state=states.SENDING, next_try_at__lt=now).update(
        state=states.UNKNOWN,
        error="The worker stopped while the provider was being called.",
        next_try_at=now + _receipt_window(),
    )
    due = OutboundMessage.objects.filter(state=states.QUEUED, next_try_at__lte=now)
    sent = sum(m.state == states.SENT for m in _attempt(list(due.order_by("pk")[:CHUNK]), now=now))
    undecided = list(
        OutboundMessage.objects.filter(state=states.UNKNOWN, next_try_at__lte=now).values_list(
            "pk", flat=True
        )[:100]
    )
    if undecided:
        logger.warning(
            "outbound messages %s: outcome unknown and no receipt within %s minutes; retry or "
            "settle them (`manage.py messages_unknown`, `/api/v1/messages/unknown/`)",
            undecided,
            settings.NOTIFICATIONS_UNKNOWN_WAIT_MINUTES,
        )
    return {"unknown": unknown, "sent": sent, "unknown_undecided": len(undecided)}


RESOLVE_ACTIONS = ("retry", "fail", "delivered")
RESOLVE_PERMISSION = "notifications.change_outboundmessage"  # DPO and admin (incidents/roles.py)
# What each decision leaves on the message, and the audit action it writes.
_SETTLED = {
    "fail": (states.FAILED, "outbound.unknown_failed", "marked failed"),
    "delivered": (states.DELIVERED, "outbound.unknown_delivered", "marked delivered"),
}


def message_unknown_resolve(
    *,
    message_id: int,
    action: str,
    actor: Actor,
    reason: str = "",
    now: datetime | None = None,
) -> OutboundMessage:
    """A person's decision on an `unknown` message whose receipt window passed (audited).

    `retry` sends it again with the same key and receipt reference (`m<id>`), so a late
    receipt of either attempt settles the same record; the providers do not dedupe sends,
    so this is a decision, never automatic. `fail` marks it failed: the caller's own retry
    logic (e.g. the reminder sweep) takes over. `delivered` records that it arrived (the
    person has proof outside BreachDesk: the provider's console, the recipient's answer).
    `fail` and `delivered` need a `reason`, kept on the message and on the audit chain. A
    receipt that arrived meanwhile has already decided (409), and before the window ends the
    answer is to wait (409). The API and `manage.py messages_unknown` (whose actor is a name,
    not a user: whoever runs commands on the server) call this.
    """
    now = aware_utc(now or now_utc())
    user = actor_user(actor)
    if user is not None and not user.has_perm(RESOLVE_PERMISSION):
        raise DomainError(
            "Only a DPO or an admin settles a message whose outcome is unknown.",
            code="forbidden",
            status=403,
        )
    actor = actor_label(actor)
    reason = reason.strip()
    if action not in RESOLVE_ACTIONS:
        raise InvalidInput(f"action must be one of {', '.join(RESOLVE_ACTIONS)}.", field="action")
    if action in _SETTLED and not reason:
        raise InvalidInput(
            f"reason is required when a message is {_SETTLED[action][2]}: say what you know.",
            field="reason",
        )
    with transaction.atomic(durable=True):
        message = OutboundMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            raise DomainError("Message not found.", code="not_found", status=404)
        if message.state != states.UNKNOWN:
            raise DomainError(
                f"Message {message.pk} is {message.state}: only an unknown outcome is decided "
                "by hand.",
                field="state",
            )
        if message.next_try_at and now < message.next_try_at:
            raise DomainError(
                f"Message {message.pk} may still get a receipt: wait until "
                f"{iso(message.next_try_at)} before deciding.",
                field="state",
            )
        if action in _SETTLED:
            state, audit_action, verb = _SETTLED[action]
            message.state, message.final_at, message.retryable = state, now, False
            message.error = (
                f"No receipt within {settings.NOTIFICATIONS_UNKNOWN_WAIT_MINUTES} minutes of "
                f"an unknown outcome; {verb} by {actor}: {reason} {message.error}"
            )[:2000]
            message.save(update_fields=["state", "final_at", "retryable", "error"])
        else:
            audit_action = "outbound.unknown_retried"
            message.state, message.next_try_at = states.QUEUED, now
            message.max_tries = max(message.max_tries, message.tries + 1)
            message.save(update_fields=["state", "next_try_at", "max_tries"])
        audit_append(
            actor=actor,
            action=audit_action,
            object_type="outbound_message",
            object_id=message.pk,
            data={
                "purpose": message.purpose,
                "channel": message.channel,
                "tries": message.tries,
                "incident": message.incident_id,
                **({"reason": reason} if reason else {}),
            },
            now=now,
        )
    if action == "retry":
        return message_attempt(message_id=message.pk, now=now)
    return message
