"""The one small interface every outbound channel implements (reminders now, notices later)."""

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

logger = logging.getLogger(__name__)

ChannelKind = Literal["email", "sms"]
CHANNEL_KINDS: tuple[ChannelKind, ...] = ("email", "sms")


@dataclass(frozen=True)
class Message:
    """One message to one address. `reference` is our own correlation/idempotency key."""

    channel: ChannelKind
    to: str
    subject: str
    body: str
    html_body: str | None = None
    reference: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.channel not in CHANNEL_KINDS:
            raise ValueError(f"channel must be one of {CHANNEL_KINDS}, not {self.channel!r}")


@dataclass(frozen=True)
class SendResult:
    """What the provider said. `accepted` means queued by the provider, not delivered."""

    provider: str
    provider_message_id: str
    accepted: bool
    status: str
    error: str = ""


class ChannelError(Exception):
    """A provider refused or could not be reached; never a bare library exception.

    `retryable` is True only when the provider certainly did not take the message (429,
    5xx, connection refused). A timeout after the request was sent is `retryable=False`
    with `outcome_unknown=True`: neither SendGrid nor Twilio has a send-side idempotency
    key, so a blind retry could deliver twice.
    """

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        provider: str = "",
        status_code: int | None = None,
        code: str = "",
        outcome_unknown: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.provider = provider
        self.status_code = status_code
        self.code = code
        self.outcome_unknown = outcome_unknown

    def as_dict(self) -> dict[str, object]:
        return {
            "error": self.message,
            "retryable": self.retryable,
            "status_code": self.status_code,
            "code": self.code,
            "outcome_unknown": self.outcome_unknown,
        }


@runtime_checkable
class Channel(Protocol):
    """Send one message or raise ChannelError. A channel may also offer
    `send_many(messages) -> list[SendResult | ChannelError]` (one answer per message, in
    order) when it can do a batch cheaper; otherwise the outbound layer uses `send_each`."""

    kind: ChannelKind
    provider: str

    def send(self, message: Message) -> SendResult: ...


def send_each(channel: Channel, messages: list[Message]) -> list[SendResult | ChannelError]:
    """A channel's `send_many` when it has none: one `send` per message, errors as answers.

    Any other exception is an answer too (outcome unknown: the request may have left), so
    one broken message does not leave the rest of a batch unsent and undecided.
    """
    answers: list[SendResult | ChannelError] = []
    for message in messages:
        try:
            answers.append(channel.send(message))
        except ChannelError as exc:
            answers.append(exc)
        except Exception as exc:  # recorded on the message, never lost
            logger.exception("channel %s crashed while sending", channel.provider)
            answers.append(
                ChannelError(
                    f"{type(exc).__name__} while sending: {exc}",
                    retryable=False,
                    provider=channel.provider,
                    outcome_unknown=True,
                )
            )
    return answers
