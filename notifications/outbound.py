"""The one entry point for a single outbound message: `send(...)`, exactly once per key.

Everything in BreachDesk that tells one person something (a processor's notice to its
controller, a reminder, a page) calls `send()`. It returns the `OutboundMessage` row, the
delivery proof: state, provider, provider message id, sent and final times; provider
receipts (notifications.receipts) later move it to delivered/bounced/failed.

Exactly once: the row is inserted with the caller's key (unique) and committed, then moved
to `sending` and committed, then the provider is called, then the outcome is committed. A
second call with the same key returns the first row and sends nothing. Call it outside a
transaction (or from `transaction.on_commit`): it commits by itself.

A lost provider answer (time-out after the request left) makes the message `unknown`:
neither SendGrid nor Twilio dedupes a repeated send, so nothing resends it by itself. A
receipt (SendGrid `processed`/`delivered`, Twilio status) settles it; when none arrived
within `NOTIFICATIONS_UNKNOWN_WAIT_MINUTES`, `message_unknown_resolve` lets a person decide:
`retry` (sent again under the same key and receipt reference, audited), `fail` or
`delivered` (both with a reason).
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q

from breachdesk.errors import DomainError, InvalidInput
from breachdesk.timeutils import aware_utc, iso, now_utc
from incidents.services.audit import audit_append
from incidents.services.events import Actor, actor_label, actor_user
from notifications import delivery as states
from notifications.channels import ChannelError, Message, get_channel
from notifications.channels.base import CHANNEL_KINDS
from notifications.models import OutboundMessage

logger = logging.getLogger(__name__)

RECEIPT_REF = "receipt_ref"  # metadata key the channels send to the provider for receipts
# A message left in `sending` longer than this (the worker died mid-call) becomes `unknown`.
SENDING_STALE = timedelta(minutes=5)


def _receipt_window() -> timedelta:
    """How long an `unknown` message waits for a receipt before a person may decide."""
    return timedelta(minutes=settings.NOTIFICATIONS_UNKNOWN_WAIT_MINUTES)


def _backoff(tries: int) -> timedelta:
    base = settings.NOTIFICATIONS_RETRY_BACKOFF_SECONDS
    return timedelta(seconds=base * (2 ** max(tries - 1, 0)))


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
) -> OutboundMessage:
    """Send one message once per `key`; a repeated key returns the first message unchanged.

    With `retry_later=False` a temporary failure ends as `failed` with `retryable=True`, for
    callers that own their retries (the reminder sweep retries a whole step under a new key).
    """
    now = aware_utc(now or now_utc())
    if channel not in CHANNEL_KINDS:
        raise InvalidInput(f"channel must be one of {', '.join(CHANNEL_KINDS)}.", field="channel")
    if not to.strip():
        raise InvalidInput("to is required.", field="to")
    if not key.strip():
        raise InvalidInput("key (the idempotency key) is required.", field="key")
    wanted = {"channel": channel, "to": to, "subject": subject, "body": body}
    try:
        with transaction.atomic(durable=True):
            message = OutboundMessage.objects.create(
                key=key,
                reference=(reference or key)[:200],
                purpose=purpose,
                incident_id=incident_id,
                html_body=html_body,
                created_by=actor,
                created_at=now,
                next_try_at=now,
                max_tries=settings.NOTIFICATIONS_MAX_TRIES if retry_later else 1,
                **wanted,
            )
    except IntegrityError:
        message = OutboundMessage.objects.get(key=key)
        if any(getattr(message, k) != v for k, v in wanted.items()):
            raise DomainError(
                f"key {key!r} was already used for a different message.",
                code="idempotency_key_reused",
                field="key",
            ) from None
        return message  # already sent (or being sent): never twice
    return message_attempt(message_id=message.pk, now=now)


def message_attempt(*, message_id: int, now: datetime | None = None) -> OutboundMessage:
    """Hand a queued message to its provider once; 429/5xx leave it queued with a back-off."""
    now = aware_utc(now or now_utc())
    with transaction.atomic(durable=True):
        taken = OutboundMessage.objects.filter(
            Q(next_try_at__isnull=True) | Q(next_try_at__lte=now),
            pk=message_id,
            state=states.QUEUED,
        ).update(state=states.SENDING, tries=F("tries") + 1, next_try_at=now + SENDING_STALE)
    message = OutboundMessage.objects.get(pk=message_id)
    if not taken:
        return message  # not due, or another worker has it
    outgoing = Message(
        channel=message.channel,
        to=message.to,
        subject=message.subject,
        body=message.body,
        html_body=message.html_body or None,
        reference=message.reference,
        metadata={"purpose": message.purpose, RECEIPT_REF: message.receipt_ref},
    )
    changes: dict[str, object]
    try:
        result = get_channel(message.channel).send(outgoing)
    except ChannelError as exc:
        changes = {"provider": exc.provider[:12], "error": exc.message, "retryable": exc.retryable}
        if exc.outcome_unknown:  # decided by receipts; a person may decide after the window
            changes.update(state=states.UNKNOWN, next_try_at=now_utc() + _receipt_window())
        elif exc.retryable and message.tries < message.max_tries:
            changes.update(state=states.QUEUED, next_try_at=now_utc() + _backoff(message.tries))
        else:
            changes.update(state=states.FAILED, final_at=now_utc())
    else:
        accepted = result.accepted
        changes = {
            "state": states.SENT if accepted else states.FAILED,
            "provider": result.provider[:12],
            "provider_message_id": result.provider_message_id[:100],
            "error": result.error,
            "retryable": False,
            "sent_at": now_utc() if accepted else None,
            "final_at": None if accepted else now_utc(),
        }
    # Only our own `sending` row is finished: a receipt may already have moved it on.
    OutboundMessage.objects.filter(pk=message.pk, state=states.SENDING).update(
        next_try_at=changes.pop("next_try_at", None), **changes
    )
    message.refresh_from_db()
    if message.state == states.FAILED:
        logger.warning(
            "outbound message %s (%s) failed: %s", message.pk, message.purpose, message.error
        )
    return message


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
    sent = 0
    due = OutboundMessage.objects.filter(state=states.QUEUED, next_try_at__lte=now)
    for message_id in list(due.values_list("pk", flat=True)[:500]):
        sent += message_attempt(message_id=message_id, now=now).state == states.SENT
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
