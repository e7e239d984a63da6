"""Email through SendGrid v3 mail send, with the official `sendgrid` library."""

import json
import socket
from urllib.error import URLError

from python_http_client.exceptions import HTTPError
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import Content, CustomArg, From, Mail, To

from notifications.channels.base import ChannelError, Message, SendResult

# 429 ("never processed") and 5xx are safe to try again later; any other 4xx never succeeds.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


def _error_text(exc: HTTPError) -> str:
    """SendGrid answers {"errors": [{"message", "field", "help"}]}; keep messages and fields."""
    body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else str(exc.body)
    try:
        errors = json.loads(body).get("errors") or []
        parts = [
            f"{e.get('field')}: {e.get('message')}" if e.get("field") else str(e.get("message"))
            for e in errors
            if isinstance(e, dict)
        ]
    except (ValueError, AttributeError):
        parts = []
    return "; ".join(parts) or body[:300] or str(exc.reason)


class SendGridEmailChannel:
    kind = "email"
    provider = "sendgrid"

    def __init__(self, *, api_key: str, host: str, from_email: str, timeout: float = 10) -> None:
        self.api_key = api_key
        self.host = host
        self.from_email = from_email
        self.timeout = timeout

    def build(self, message: Message) -> Mail:
        mail = Mail(
            from_email=From(self.from_email), to_emails=To(message.to), subject=message.subject
        )
        mail.add_content(Content("text/plain", message.body))
        if message.html_body:
            mail.add_content(Content("text/html", message.html_body))
        # Per-personalization custom_args: echoed on every event webhook for this recipient.
        # Only opaque ids here: SendGrid keeps custom args long-term as non-PII.
        if message.reference:
            mail.add_custom_arg(CustomArg("breachdesk_ref", message.reference, p=0))
        for key, value in message.metadata.items():
            mail.add_custom_arg(CustomArg(f"breachdesk_{key}", str(value), p=0))
        return mail

    def send(self, message: Message) -> SendResult:
        return self.post(self.build(message).get(), recipient=message.to)

    def post(self, body: dict, *, recipient: str) -> SendResult:
        """POST one v3 mail/send body (one or up to 1,000 personalizations); errors mapped."""
        client = SendGridAPIClient(api_key=self.api_key, host=self.host)
        client.client.timeout = self.timeout  # the library default is no timeout at all
        try:
            response = client.send(body)
        except HTTPError as exc:
            status = int(exc.status_code)
            raise ChannelError(
                f"SendGrid refused the email to {recipient} (HTTP {status}): {_error_text(exc)}",
                retryable=status in RETRYABLE_STATUSES,
                provider=self.provider,
                status_code=status,
                code=str(status),
            ) from None
        except TimeoutError as exc:
            raise ChannelError(
                f"SendGrid did not answer within {self.timeout:g} s; the email to {recipient} "
                "may or may not have been accepted.",
                retryable=False,
                provider=self.provider,
                outcome_unknown=True,
            ) from exc
        except URLError as exc:
            # Raised before a response: connection refused, DNS failure, TLS handshake error.
            timed_out = isinstance(exc.reason, TimeoutError | socket.timeout)
            raise ChannelError(
                f"SendGrid could not be reached at {self.host}: {exc.reason}",
                retryable=not timed_out,
                provider=self.provider,
                outcome_unknown=timed_out,
            ) from exc
        except OSError as exc:  # connection reset while reading: the request may have landed
            raise ChannelError(
                f"Connection to SendGrid failed mid-request: {exc}",
                retryable=False,
                provider=self.provider,
                outcome_unknown=True,
            ) from exc
        message_id = response.headers.get("X-Message-Id") or ""
        return SendResult(
            provider=self.provider,
            provider_message_id=message_id,
            accepted=response.status_code == 202,
            status=str(response.status_code),
        )
