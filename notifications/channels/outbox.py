"""The embedded default backend: messages are recorded in the database, nothing leaves."""

from django.utils import timezone

from notifications.channels.base import ChannelKind, Message, SendResult
from notifications.models import DeliveryStatus, OutboxMessage


def delivery_log_record(
    *, message: Message, provider: str, status: str, provider_message_id: str = "", error: str = ""
) -> OutboxMessage:
    """One row of the delivery log (autocommit or the caller's transaction)."""
    return OutboxMessage.objects.create(
        channel=message.channel,
        to=message.to,
        subject=message.subject[:300],
        body=message.body,
        html_body=message.html_body or "",
        reference=message.reference[:200],
        metadata=dict(message.metadata),
        provider=provider,
        provider_message_id=provider_message_id[:100],
        status=status,
        error=error,
        created_at=timezone.now(),
    )


class OutboxChannel:
    """Email and SMS without credentials: admins read what would have gone out."""

    provider = "outbox"

    def __init__(self, kind: ChannelKind) -> None:
        self.kind = kind

    def send(self, message: Message) -> SendResult:
        row = delivery_log_record(
            message=message, provider=self.provider, status=DeliveryStatus.RECORDED
        )
        return SendResult(
            provider=self.provider,
            provider_message_id=f"outbox-{row.pk}",
            accepted=True,
            status=DeliveryStatus.RECORDED,
        )
