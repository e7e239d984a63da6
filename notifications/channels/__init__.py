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


def get_channel(kind: ChannelKind) -> Channel:
    """The configured backend for `kind`; every send it makes is written to the delivery log."""
    from notifications.channels.logged import LoggedChannel
    from notifications.channels.outbox import OutboxChannel

    if kind == "email":
        sendgrid = sendgrid_channel()
        return LoggedChannel(sendgrid) if sendgrid else OutboxChannel("email")
    if kind == "sms":
        twilio = twilio_channel()
        return LoggedChannel(twilio) if twilio else OutboxChannel("sms")
    raise ValueError(f"Unknown channel kind {kind!r}; expected 'email' or 'sms'.")


def sendgrid_channel():
    """The SendGrid channel when SENDGRID_API_KEY is set, else None."""
    from notifications.channels.sendgrid_email import SendGridEmailChannel

    if not settings.SENDGRID_API_KEY:
        return None
    return SendGridEmailChannel(
        api_key=settings.SENDGRID_API_KEY,
        host=settings.SENDGRID_API_HOST,
        from_email=settings.DEFAULT_FROM_EMAIL,
        timeout=settings.NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS,
    )


def twilio_channel():
    """The Twilio channel when configured (SID, token and a number or Messaging Service)."""
    from notifications.channels.twilio_sms import TwilioSmsChannel

    sender = settings.TWILIO_FROM_NUMBER or settings.TWILIO_MESSAGING_SERVICE_SID
    if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and sender):
        return None
    return TwilioSmsChannel(
        account_sid=settings.TWILIO_ACCOUNT_SID,
        auth_token=settings.TWILIO_AUTH_TOKEN,
        from_number=settings.TWILIO_FROM_NUMBER,
        messaging_service_sid=settings.TWILIO_MESSAGING_SERVICE_SID,
        status_callback=settings.BREACHDESK_BASE_URL.rstrip("/") + "/api/v1/receipts/twilio/",
        api_base=getattr(settings, "TWILIO_API_BASE", ""),
        timeout=settings.NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS,
    )
