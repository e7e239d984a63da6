"""The messages that carry a sweep batch's reminder claims: one per duty, or a digest.

A recipient (channel and normalised address) with at least
`NOTIFICATIONS_REMINDER_DIGEST_MIN` reminders due in one batch gets ONE digest listing every
duty; below that, one message per reminder as before. All of a batch's messages go through
one `deliver_many` (one `outbound.send_many`), which commits the messages and their links
to the attempts they carry (ReminderDelivery) before any provider is called. A retried
attempt (a later try after a crash or a refusal) skips every recipient a message of an
earlier try reached, found through those links: a digest that reached the DPO is not sent to
the DPO again when one of the reminders it carried is retried.
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from incidents.models import Obligation
from notifications import selectors
from notifications.messages import RenderedReminder, reminder_digest_render, reminder_render
from notifications.services.deliver import (
    DIGEST_PURPOSE,
    Delivery,
    address_hash,
    deliver_many,
    delivery_key,
    delivery_result,
)
from notifications.services.reminder_claims import Claim


@dataclass(frozen=True)
class Due:
    """A claimed reminder with the duty it is about (incident and assignee loaded)."""

    claim: Claim
    obligation: Obligation


def reminders_deliver(
    dues: list[Due], *, shared: list[selectors.Recipient] | None, now: datetime
) -> dict[int, tuple[list[dict], list[dict[str, Any]]]]:
    """Send the messages of these claims; per lead attempt: (recipients, results)."""
    recipients = {
        due.claim.lead_id: selectors.reminder_recipients(due.obligation.incident, shared=shared)
        for due in dues
    }
    # Also on a first try: a batch that failed midway is sent again claim by claim.
    reached = selectors.reminder_messages_reached([due.claim.lead_id for due in dues])
    results: dict[int, dict[tuple[str, str], dict[str, Any]]] = defaultdict(dict)
    waiting: dict[tuple[str, str], list[tuple[Due, selectors.Recipient]]] = defaultdict(list)
    for due in dues:
        lead = due.claim.lead_id
        for recipient in recipients[lead]:
            key = selectors.recipient_key(recipient)
            if (message := reached[lead].get(key)) is not None:
                results[lead][key] = delivery_result(recipient, message)  # the earlier proof
            else:
                waiting[key].append((due, recipient))
    rendered: dict[tuple[int, str], RenderedReminder] = {}
    digests: dict[tuple[int, ...], RenderedReminder] = {}  # the DPO's e-mail and SMS share one
    deliveries: list[Delivery] = []
    for group in waiting.values():
        if len(group) > 1 and len(group) >= settings.NOTIFICATIONS_REMINDER_DIGEST_MIN:
            deliveries.append(_digest(group, digests, now=now))
        else:
            deliveries.extend(
                _single(due, recipient, rendered, now=now) for due, recipient in group
            )
    for delivery, result in zip(deliveries, deliver_many(deliveries), strict=True):
        for lead in delivery.attempts:
            results[lead][selectors.recipient_key(delivery.recipient)] = result
    return {
        lead: (
            [r.as_dict() for r in found],
            [results[lead][selectors.recipient_key(r)] for r in found],
        )
        for lead, found in recipients.items()
    }


def _single(
    due: Due,
    recipient: selectors.Recipient,
    rendered: dict[tuple[int, str], RenderedReminder],
    *,
    now: datetime,
) -> Delivery:
    claim = due.claim
    part = (claim.lead_id, recipient.channel)  # only the text this channel needs
    if part not in rendered:
        rendered[part] = reminder_render(
            obligation=due.obligation,
            steps=list(claim.steps),
            now=now,
            email=recipient.channel == "email",
            sms=recipient.channel == "sms",
        )
    text = rendered[part]
    reference = f"reminder-{claim.lead_id}"
    return Delivery(
        recipient=recipient,
        subject=text.subject,
        body=text.body,
        sms=text.sms,
        key=delivery_key(reference, claim.tries, recipient),
        reference=reference,
        incident_id=due.obligation.incident_id,
        attempts=(claim.lead_id,),
    )


def _digest(
    group: list[tuple[Due, selectors.Recipient]],
    rendered: dict[tuple[int, ...], RenderedReminder],
    *,
    now: datetime,
) -> Delivery:
    """One message to one recipient for every claim in `group` (its key names each claim
    and try, so the same claims' digest is never sent twice and other claims' never clash)."""
    recipient = group[0][1]
    leads = sorted((due.claim.lead_id, due.claim.tries) for due, _ in group)
    signature = hashlib.sha256(",".join(f"{a}.{t}" for a, t in leads).encode()).hexdigest()
    carried = tuple(lead for lead, _ in leads)
    if carried not in rendered:
        rendered[carried] = reminder_digest_render(
            items=[(due.obligation, list(due.claim.steps)) for due, _ in group], now=now
        )
    text = rendered[carried]
    return Delivery(
        recipient=recipient,
        subject=text.subject,
        body=text.body,
        sms=text.sms,
        key=f"reminder-digest-{signature[:32]}:{recipient.channel}:{address_hash(recipient)}",
        reference=f"reminder-digest-{leads[0][0]}",
        purpose=DIGEST_PURPOSE,
        attempts=carried,
    )
