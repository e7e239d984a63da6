"""One message to one reminder/page recipient through the outbound layer."""

import hashlib
from typing import Any

from notifications import delivery as delivery_states
from notifications import outbound


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
    message = outbound.send(
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
        "outcome_unknown": message.state == delivery_states.UNKNOWN,
    }
