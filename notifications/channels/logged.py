"""Wraps a provider channel so every send (accepted or refused) lands in the delivery log."""

from breachdesk.db import retry_on_lost_connection
from notifications.channels.base import Channel, ChannelError, Message, SendResult
from notifications.channels.outbox import delivery_log_record
from notifications.models import DeliveryStatus


class LoggedChannel:
    def __init__(self, inner: Channel) -> None:
        self.inner = inner
        self.kind = inner.kind
        self.provider = inner.provider

    def send(self, message: Message) -> SendResult:
        try:
            result = self.inner.send(message)
        except ChannelError as exc:
            delivery_log_record(
                message=message,
                provider=self.provider,
                status=DeliveryStatus.FAILED,
                error=exc.message,
            )
            raise
        # The provider has the message: its log row must survive a dropped connection.
        retry_on_lost_connection(
            lambda: delivery_log_record(
                message=message,
                provider=self.provider,
                status=DeliveryStatus.ACCEPTED if result.accepted else DeliveryStatus.FAILED,
                provider_message_id=result.provider_message_id,
                error=result.error,
            ),
            what="logging a delivery",
        )
        return result
