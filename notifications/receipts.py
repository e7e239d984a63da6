"""Provider receipts: the one entry point that turns a verified provider event into a state.

Both kinds of outbound record take receipts: campaign deliveries (reference `d<id>`) and
single messages (reference `m<id>`). Each provider event is stored once (unique per
provider event id), so a duplicate changes nothing. A receipt never moves a final state.

Verification happens before anything is read from the body:
- SendGrid Event Webhook: ECDSA signature over timestamp + body with the library's
  `EventWebhook` helper and the account's public key; the signed timestamp must be recent
  (older = replay).
- Twilio status callbacks: `X-Twilio-Signature` (HMAC-SHA1 of URL + sorted form fields with
  the auth token) with the library's `RequestValidator`.
"""

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from sendgrid.helpers.eventwebhook import EventWebhook
from twilio.request_validator import RequestValidator

from breachdesk.timeutils import now_utc
from notifications import delivery as states
from notifications.models import Delivery, OutboundMessage, ReceiptEvent
from notifications.redact import redact_contacts

logger = logging.getLogger(__name__)

# Provider event -> our state (None: recorded, changes nothing; e.g. deferred, open, click).
SENDGRID_EVENTS = {
    "processed": states.SENT,
    "delivered": states.DELIVERED,
    "bounce": states.BOUNCED,
    "dropped": states.FAILED,
}
TWILIO_STATUSES = {
    "accepted": states.SENT,
    "queued": states.SENT,
    "sending": states.SENT,
    "sent": states.SENT,
    "delivered": states.DELIVERED,
    "undelivered": states.BOUNCED,
    "failed": states.FAILED,
}


class ReceiptRefused(Exception):
    """Unsigned, forged or replayed: the caller answers 403 and changes nothing."""


@dataclass(frozen=True)
class Receipt:
    provider: str
    event_id: str
    reference: str
    kind: str
    occurred_at: datetime
    reason: str = ""
    provider_message_id: str = ""


# --- verification ----------------------------------------------------------------------------


def sendgrid_verify(*, body: bytes, signature: str, timestamp: str) -> None:
    """Raise ReceiptRefused unless SendGrid signed exactly this body, recently."""
    key = settings.SENDGRID_WEBHOOK_PUBLIC_KEY
    if not key:
        raise ReceiptRefused("SENDGRID_WEBHOOK_PUBLIC_KEY is not configured.")
    if not signature or not timestamp:
        raise ReceiptRefused("The SendGrid signature headers are missing.")
    helper = EventWebhook()
    try:
        valid = helper.verify_signature(
            body.decode("utf-8"), signature, timestamp, helper.convert_public_key_to_ecdsa(key)
        )
    except Exception as exc:  # malformed key/signature: the library raises various errors
        raise ReceiptRefused(f"The SendGrid signature cannot be checked: {exc}") from None
    if not valid:
        raise ReceiptRefused("The SendGrid signature does not match the body.")
    try:
        age = time.time() - int(timestamp)
    except ValueError:
        raise ReceiptRefused("The SendGrid timestamp is not a number.") from None
    if abs(age) > settings.NOTIFICATIONS_RECEIPT_MAX_AGE_SECONDS:
        raise ReceiptRefused("The SendGrid receipt is too old (replayed?).")


def twilio_verify(*, url: str, params: dict[str, str], signature: str) -> None:
    """Raise ReceiptRefused unless Twilio signed this URL and these form fields."""
    if not settings.TWILIO_AUTH_TOKEN:
        raise ReceiptRefused("TWILIO_AUTH_TOKEN is not configured.")
    if not signature:
        raise ReceiptRefused("X-Twilio-Signature is missing.")
    if not RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, params, signature):
        raise ReceiptRefused("X-Twilio-Signature does not match.")


# --- parsing -----------------------------------------------------------------------------------


def sendgrid_receipts(events: object) -> list[Receipt]:
    """Our receipts from a verified Event Webhook body (events without our ref are skipped)."""
    if not isinstance(events, list):
        return []
    receipts = []
    for event in events:
        if not isinstance(event, dict):
            continue
        # Single messages carry breachdesk_receipt_ref (their breachdesk_ref is the caller's
        # correlation); campaign deliveries carry their d<id> in breachdesk_ref.
        reference = str(event.get("breachdesk_receipt_ref") or event.get("breachdesk_ref") or "")
        event_id = str(event.get("sg_event_id") or "")
        if not reference or not event_id:
            continue
        try:
            occurred = datetime.fromtimestamp(int(event.get("timestamp") or 0), tz=UTC)
        except (TypeError, ValueError, OverflowError):
            occurred = now_utc()
        # A bounce's reason quotes the address; receipts and errors are not encrypted.
        reason = redact_contacts(str(event.get("reason") or event.get("response") or ""))
        receipts.append(
            Receipt(
                provider="sendgrid",
                event_id=event_id[:150],
                reference=reference[:40],
                kind=str(event.get("event") or "")[:30],
                occurred_at=occurred,
                reason=reason[:500],
                provider_message_id=str(event.get("sg_message_id") or "").split(".")[0][:100],
            )
        )
    return receipts


def twilio_receipt(*, reference: str, params: dict[str, str]) -> Receipt | None:
    sid, status = params.get("MessageSid", ""), params.get("MessageStatus", "")
    if not reference or not sid or not status:
        return None
    code = params.get("ErrorCode", "")
    return Receipt(
        provider="twilio",
        event_id=f"{sid}:{status}"[:150],
        reference=reference[:40],
        kind=status[:30],
        occurred_at=now_utc(),
        reason=f"Twilio error {code}" if code else "",
        provider_message_id=sid[:100],
    )


# --- applying ----------------------------------------------------------------------------------


def _target(receipt: Receipt) -> str | None:
    table = SENDGRID_EVENTS if receipt.provider == "sendgrid" else TWILIO_STATUSES
    return table.get(receipt.kind)


def receipt_apply(receipt: Receipt) -> bool:
    """Store the receipt once and move its delivery/message; False for a duplicate."""
    now = now_utc()
    target = _target(receipt)
    try:
        with transaction.atomic():
            row = ReceiptEvent.objects.create(
                provider=receipt.provider,
                event_id=receipt.event_id,
                reference=receipt.reference,
                kind=receipt.kind,
                occurred_at=receipt.occurred_at,
                received_at=now,
                reason=receipt.reason,
            )
            if target is None:
                return True
            row.applied = _move(receipt, target) > 0
            row.save(update_fields=["applied"])
    except IntegrityError:
        return False  # the same provider event again: already applied
    return True


def _move(receipt: Receipt, target: str) -> int:
    model = {"d": Delivery, "m": OutboundMessage}.get(receipt.reference[:1])
    number = receipt.reference[1:]
    if model is None or not number.isdigit():
        return 0
    changes: dict[str, object] = {
        "state": target,
        "sent_at": Coalesce("sent_at", receipt.occurred_at),
    }
    if target in states.FINAL:
        changes["final_at"] = receipt.occurred_at
    if target in (states.BOUNCED, states.FAILED):
        changes["error"] = (receipt.reason or f"{receipt.provider}: {receipt.kind}")[:500]
    if receipt.provider_message_id:
        # An `unknown` delivery learns its provider id from the receipt.
        changes["provider_message_id"] = receipt.provider_message_id
        changes["provider"] = receipt.provider
    return model.objects.filter(Q(pk=int(number)), state__in=states.RECEIPT_MOVES[target]).update(
        **changes
    )


def receipts_apply(receipts: list[Receipt]) -> dict[str, int]:
    applied = sum(receipt_apply(r) for r in receipts)
    return {"received": len(receipts), "new": applied, "duplicates": len(receipts) - applied}
