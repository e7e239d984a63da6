"""The embedded default backend: messages are recorded in the database, nothing leaves."""

from django.utils import timezone

from notifications.channels.base import ChannelKind, Message, SendResult
from notifications.models import DeliveryStatus, OutboxMessage


def delivery_log_record(
    *, message: Message, provider: str, status: str, provider_message_id: str = "", error: str = ""
) -> OutboxMessage:
    """One row of the delivery log (autocommit or the caller's transaction)."""
    row = delivery_log_row(
        message=message,
        provider=provider,
        status=status,
        provider_message_id=provider_message_id,
        error=error,
    )
    row.save(force_insert=True)
    return row


def delivery_log_row(
    *, message: Message, provider: str, status: str, provider_message_id: str = "", error: str = ""
) -> OutboxMessage:
    """An unsaved delivery log row (`delivery_log_record` saves one, the outbox a batch)."""
    return OutboxMessage(
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
        return self.send_many([message])[0]

    def send_many(self, messages: list[Message]) -> list[SendResult]:
        """Record a batch with one bulk insert per 500 rows (the outbound layer's batches)."""
        rows = OutboxMessage.objects.bulk_create(
            [
                delivery_log_row(message=m, provider=self.provider, status=DeliveryStatus.RECORDED)
                for m in messages
            ],
            batch_size=500,
        )
        return [
            SendResult(
                provider=self.provider,
                provider_message_id=f"outbox-{row.pk}",
                accepted=True,
                status=DeliveryStatus.RECORDED,
            )
            for row in rows
        ]
