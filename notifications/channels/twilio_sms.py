"""SMS through Twilio Programmable Messaging, with the official `twilio` library."""

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from notifications.channels.base import ChannelError, Message, SendResult
from notifications.phone import PhoneNumberError, e164

MAX_BODY = 1600  # Twilio's limit for one (concatenated) message


class TwilioSmsChannel:
    kind = "sms"
    provider = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str = "",
        messaging_service_sid: str = "",
        status_callback: str = "",
        api_base: str = "",
        timeout: float = 10,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.status_callback = status_callback
        self.api_base = api_base
        self.timeout = timeout
        self._client: Client | None = None

    def client(self) -> Client:
        http = TwilioHttpClient(timeout=self.timeout)  # the library default is no timeout
        client = Client(self.account_sid, self.auth_token, http_client=http)
        if self.api_base:
            # Domain.base_url (default https://api.twilio.com): how tests and on-premise relays
            # point the library elsewhere. Never combine with edge/region, which rewrite hosts.
            client.api.base_url = self.api_base.rstrip("/")
        return client

    def create_args(self, to: str, message: Message) -> dict[str, str]:
        """Sender (a Messaging Service, else one number) and the status callback with our ref."""
        args = {"to": to, "body": message.body}
        if self.messaging_service_sid:
            args["messaging_service_sid"] = self.messaging_service_sid
        else:
            args["from_"] = self.from_number
        ref = message.metadata.get("receipt_ref") or message.reference
        if self.status_callback and ref:
            # The reference rides in the URL, which X-Twilio-Signature covers.
            args["status_callback"] = f"{self.status_callback}?ref={ref}"
        return args

    def keep_alive(self) -> None:
        """Reuse one HTTP session for a batch (a campaign chunk) instead of one per message."""
        self._client = self.client()

    def send(self, message: Message) -> SendResult:
        try:
            to = e164(message.to)
        except PhoneNumberError as exc:
            raise ChannelError(
                f"Cannot text {message.to!r}: {exc}",
                retryable=False,
                provider=self.provider,
                code="invalid_number",
            ) from None
        if len(message.body) > MAX_BODY:
            raise ChannelError(
                f"SMS body is {len(message.body)} characters; Twilio allows {MAX_BODY}.",
                retryable=False,
                provider=self.provider,
                code="body_too_long",
            )
        client = self._client or self.client()
        try:
            created = client.messages.create(**self.create_args(to, message))
        except TwilioRestException as exc:
            # 429 (code 20429) "is never processed and is always safe to retry"; 5xx likewise.
            retryable = exc.status == 429 or exc.status >= 500
            raise ChannelError(
                f"Twilio refused the SMS to {to} (HTTP {exc.status}, code {exc.code}): {exc.msg}",
                retryable=retryable,
                provider=self.provider,
                status_code=exc.status,
                code=str(exc.code or exc.status),
            ) from None
        except requests.exceptions.ConnectionError as exc:
            # Includes ConnectTimeout: nothing reached Twilio, so trying again is safe.
            raise ChannelError(
                f"Twilio could not be reached: {exc}", retryable=True, provider=self.provider
            ) from exc
        except requests.exceptions.RequestException as exc:
            # A read timeout after the request was sent: the message may exist; do not resend.
            raise ChannelError(
                f"Twilio did not answer in time; the SMS to {to} may or may not exist: {exc}",
                retryable=False,
                provider=self.provider,
                outcome_unknown=True,
            ) from exc
        except TwilioException as exc:
            raise ChannelError(
                f"Twilio client error: {exc}", retryable=False, provider=self.provider
            ) from exc
        finally:
            session = getattr(client.http_client, "session", None)
            if session is not None and self._client is None:
                session.close()
        return SendResult(
            provider=self.provider,
            provider_message_id=created.sid or "",
            accepted=True,
            status=str(created.status or ""),
        )
