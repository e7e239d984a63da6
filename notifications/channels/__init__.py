"""Outbound channels chosen by settings: SendGrid / Twilio when configured, else the outbox."""

from django.conf import settings

from notifications.channels.base import (
    Channel,
    ChannelError,
    ChannelKind,
    Message,
    SendResult,
)

__all__ = ["Channel", "ChannelError", "ChannelKind", "Message", "SendResult", "get_channel"]

PROVIDER_TIMEOUT_SECONDS = 10  # per HTTP call; far below the reminder lease and Q timeout


def get_channel(kind: ChannelKind) -> Channel:
    """The configured backend for `kind`; every send it makes is written to the delivery log."""
    from notifications.channels.logged import LoggedChannel
    from notifications.channels.outbox import OutboxChannel

    if kind == "email":
        if settings.SENDGRID_API_KEY:
            from notifications.channels.sendgrid_email import SendGridEmailChannel

            return LoggedChannel(
                SendGridEmailChannel(
                    api_key=settings.SENDGRID_API_KEY,
                    host=settings.SENDGRID_API_HOST,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    timeout=PROVIDER_TIMEOUT_SECONDS,
                )
            )
        return OutboxChannel("email")
    if kind == "sms":
        if (
            settings.TWILIO_ACCOUNT_SID
            and settings.TWILIO_AUTH_TOKEN
            and settings.TWILIO_FROM_NUMBER
        ):
            from notifications.channels.twilio_sms import TwilioSmsChannel

            return LoggedChannel(
                TwilioSmsChannel(
                    account_sid=settings.TWILIO_ACCOUNT_SID,
                    auth_token=settings.TWILIO_AUTH_TOKEN,
                    from_number=settings.TWILIO_FROM_NUMBER,
                    api_base=getattr(settings, "TWILIO_API_BASE", ""),
                    timeout=PROVIDER_TIMEOUT_SECONDS,
                )
            )
        return OutboxChannel("sms")
    raise ValueError(f"Unknown channel kind {kind!r}; expected 'email' or 'sms'.")
