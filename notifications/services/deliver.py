"""Messages to reminder/page recipients through the outbound layer, a batch at a time."""

import hashlib
from dataclasses import dataclass
from typing import Any

from breachdesk.errors import DomainError
from notifications import delivery as delivery_states
from notifications import outbound
from notifications.models import OutboundMessage, ReminderDelivery
from notifications.selectors import Recipient

DIGEST_PURPOSE = "reminder_digest"  # one message listing several reminders to one recipient


@dataclass(frozen=True)
class Delivery:
    """One message to one recipient, and the reminder attempts it carries (a digest: many)."""

    recipient: Recipient
    subject: str
    body: str
    sms: str
    key: str
    reference: str
    purpose: str = "reminder"
    incident_id: int | None = None
    attempts: tuple[int, ...] = ()


def address_hash(recipient: Recipient) -> str:
    """A recipient's address in a key, without the address itself."""
    return hashlib.sha256(recipient.address.encode()).hexdigest()[:16]


def delivery_key(reference: str, tries: int | str, recipient: Recipient) -> str:
    """One outbound message per (reference, try, channel, address)."""
    return f"{reference}:{tries}:{recipient.channel}:{address_hash(recipient)}"


def deliver_many(deliveries: list[Delivery]) -> list[dict[str, Any]]:
    """Send every delivery through ONE `outbound.send_many`; each result says what happened.

    Each message once per key: a repeated call sends nothing. The links between reminder
    attempts and their messages (ReminderDelivery) are committed with the messages, before
    any provider is called. The caller (the reminder sweep) owns retries, so temporary
    failures come back as `retryable` instead of being retried by the outbound sweep.
    """
    items = [
        outbound.Outgoing(
            channel=d.recipient.channel,
            to=d.recipient.address,
            subject=d.subject if d.recipient.channel == "email" else "",
            body=d.body if d.recipient.channel == "email" else d.sms,
            key=d.key,
            reference=d.reference,
            purpose=d.purpose,
            incident_id=d.incident_id,
            retry_later=False,
        )
        for d in deliveries
    ]
    links = [(attempt, d.key) for d in deliveries for attempt in d.attempts]

    def link(rows: dict[str, OutboundMessage]) -> None:
        ReminderDelivery.objects.bulk_create(
            [ReminderDelivery(attempt_id=a, message=rows[key]) for a, key in links],
            ignore_conflicts=True,  # a repeated call links the same rows again
            batch_size=500,
        )

    messages = outbound.send_many(items, on_insert=link if links else None)
    return [delivery_result(d.recipient, m) for d, m in zip(deliveries, messages, strict=True)]


def deliver(
    recipient: Recipient,
    *,
    subject: str,
    body: str,
    sms: str,
    reference: str,
    metadata: dict[str, str] | None = None,
    purpose: str = "reminder",
    incident_id: int | None = None,
) -> dict[str, Any]:
    """One message to one recipient (`deliver_many` with one), keyed by reference and try."""
    (result,) = deliver_many(
        [
            Delivery(
                recipient=recipient,
                subject=subject,
                body=body,
                sms=sms,
                key=delivery_key(reference, (metadata or {}).get("try", "1"), recipient),
                reference=reference,
                purpose=purpose,
                incident_id=incident_id,
            )
        ]
    )
    return result


def delivery_result(recipient: Recipient, message: OutboundMessage | DomainError) -> dict[str, Any]:
    """What a reminder or page records per recipient: the message (its proof) or the error."""
    found = {"role": recipient.role, "channel": recipient.channel, "to": recipient.address}
    if isinstance(message, DomainError):
        return found | {
            "message_id": None,
            "accepted": False,
            "provider": "",
            "provider_message_id": "",
            "status": delivery_states.FAILED,
            "error": message.message,
            "retryable": False,
            "outcome_unknown": False,
        }
    return found | {
        "message_id": message.pk,
        "accepted": message.state in delivery_states.ACCEPTED,
        "provider": message.provider,
        "provider_message_id": message.provider_message_id,
        "status": message.state,
        "error": message.error,
        "retryable": message.state == delivery_states.FAILED and message.retryable,
        "outcome_unknown": message.state in (delivery_states.UNKNOWN, delivery_states.SENDING),
        **({"digest": True} if message.purpose == DIGEST_PURPOSE else {}),
    }
