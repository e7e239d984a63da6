"""One message to one reminder/page recipient through the outbound layer."""

import hashlib
from typing import Any

from notifications import delivery as delivery_states
from notifications import outbound
from notifications.models import OutboundMessage


def deliver(
    recipient,
    *,
    subject: str,
    body: str,
    sms: str,
    reference: str,
    metadata: dict[str, str] | None = None,
    purpose: str = "reminder",
    incident_id: int | None = None,
) -> dict[str, Any]:
    """Send one message to one recipient through the outbound layer; errors become results.

    One outbound message per (reference, try, channel, address): a repeated call sends
    nothing; the caller (the reminder sweep) owns retries, so temporary failures come back
    as `retryable` instead of being retried later by the outbound sweep.
    """
    is_email = recipient.channel == "email"
    attempt = (metadata or {}).get("try", "1")
    address_hash = hashlib.sha256(recipient.address.encode()).hexdigest()[:16]
    keys = [f"{reference}:{n}:{recipient.channel}:{address_hash}" for n in range(1, int(attempt))]
    message = _reached_before(keys) or outbound.send(
        channel=recipient.channel,
        to=recipient.address,
        subject=subject if is_email else "",
        body=body if is_email else sms,
        key=f"{reference}:{attempt}:{recipient.channel}:{address_hash}",
        reference=reference,
        purpose=purpose,
        incident_id=incident_id,
        retry_later=False,
    )
    return {
        "role": recipient.role,
        "channel": recipient.channel,
        "to": recipient.address,
        "message_id": message.pk,
        "accepted": message.state in delivery_states.ACCEPTED,
        "provider": message.provider,
        "provider_message_id": message.provider_message_id,
        "status": message.state,
        "error": message.error,
        "retryable": message.state == delivery_states.FAILED and message.retryable,
        "outcome_unknown": message.state in (delivery_states.UNKNOWN, delivery_states.SENDING),
    }


# An earlier try's message that reached (or may have reached) its recipient: SENDING is a
# worker that died during the provider call, UNKNOWN a lost answer.
REACHED_OR_IN_FLIGHT = delivery_states.ACCEPTED | {delivery_states.SENDING, delivery_states.UNKNOWN}


def _reached_before(keys: list[str]) -> OutboundMessage | None:
    """The message an earlier try of this reminder sent this recipient, if it went out.

    A worker that crashed mid-reminder (or whose database failed after some recipients
    were reached) leaves its claim leased; the retry after the lease must not message
    those recipients again, only the ones the earlier try did not reach.
    """
    if not keys:
        return None
    return (
        OutboundMessage.objects.filter(key__in=keys, state__in=REACHED_OR_IN_FLIGHT)
        .order_by("pk")
        .first()
    )
