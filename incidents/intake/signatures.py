"""HMAC request signatures and integration tokens. Pure Python: no Django.

BreachDesk's scheme (any source):
    X-BreachDesk-Timestamp: <Unix seconds>
    X-BreachDesk-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
The timestamp must be within REPLAY_WINDOW of our clock, so a captured request cannot be
replayed later. Two tools sign natively; their scheme is accepted only on their own source
(`verify(..., source=...)`), where the sender really signs that way:
    Sentry:  Sentry-Hook-Signature = hex HMAC-SHA256(client secret, raw body), with
             Sentry-Hook-Timestamp checked against the window. Sentry does not sign the
             timestamp, so a captured request with a fresh timestamp would pass: the API
             also refuses a Sentry signature it has already seen within the window
             (`SEEN_SIGNATURE_SCHEMES`, a shared cache).
    Grafana: X-Grafana-Alerting-Signature = hex HMAC-SHA256(secret, "<ts>:<body>"); the
             contact point must set timestamp_header = X-Grafana-Alerting-Timestamp, since
             without a signed timestamp a captured request could be replayed forever.
Every comparison is constant-time and runs over the exact bytes received.
"""

import hashlib
import hmac
import secrets
from collections.abc import Mapping

REPLAY_WINDOW_SECONDS = 300
# Schemes whose timestamp is not covered by the signature: each signature is accepted once.
SEEN_SIGNATURE_SCHEMES = frozenset({"sentry"})
TOKEN_PREFIX = "bdi_"  # noqa: S105  # nosec B105  # a public marker, not a secret
PREFIX_LENGTH = 12  # "bdi_" + 8 characters: enough to tell tokens apart, useless to guess


class SignatureError(Exception):
    """The request is not signed, badly signed, or signed too long ago."""


def token_generate() -> str:
    """A new integration token: 256 bits from the OS CSPRNG, URL-safe."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def secret_generate() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """SHA-256 is enough here: tokens carry 256 bits of entropy, so no slow hash is needed."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def token_prefix(token: str) -> str:
    return token[:PREFIX_LENGTH]


def hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The X-BreachDesk-Signature value for `body` sent at `timestamp`."""
    return "sha256=" + hmac_hex(secret, str(timestamp).encode() + b"." + body)


def _check_window(timestamp: str, now: float, header: str) -> None:
    try:
        sent = int(timestamp.strip())
    except ValueError:
        raise SignatureError(f"{header} must be Unix seconds.") from None
    if abs(now - sent) > REPLAY_WINDOW_SECONDS:
        raise SignatureError(
            f"{header} is more than {REPLAY_WINDOW_SECONDS // 60} minutes away from our clock; "
            "the request is stale or replayed (check the sender's clock)."
        )


def _equal(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode("ascii", "replace"))


def verify(
    secret: str, headers: Mapping[str, str], body: bytes, *, now: float, source: str = ""
) -> str:
    """Check the request's signature; return the scheme used, or raise SignatureError.

    `headers` uses lower-case names. The Sentry and Grafana schemes count only when
    `source` is "sentry" or "grafana"; every source accepts the BreachDesk scheme.
    """
    signature = headers.get("x-breachdesk-signature")
    if signature is not None:
        timestamp = headers.get("x-breachdesk-timestamp")
        if not timestamp:
            raise SignatureError("X-BreachDesk-Timestamp is required with X-BreachDesk-Signature.")
        _check_window(timestamp, now, "X-BreachDesk-Timestamp")
        scheme, _, digest = signature.partition("=")
        if scheme.strip().lower() != "sha256" or not digest:
            raise SignatureError("X-BreachDesk-Signature must look like sha256=<hex>.")
        expected = hmac_hex(secret, timestamp.strip().encode() + b"." + body)
        if not _equal(expected, digest):
            raise SignatureError("X-BreachDesk-Signature does not match the body.")
        return "breachdesk"
    signature = headers.get("sentry-hook-signature")
    if signature is not None and source == "sentry":
        timestamp = headers.get("sentry-hook-timestamp")
        if not timestamp:
            raise SignatureError("Sentry-Hook-Timestamp is required with Sentry-Hook-Signature.")
        _check_window(timestamp, now, "Sentry-Hook-Timestamp")
        if not _equal(hmac_hex(secret, body), signature):
            raise SignatureError("Sentry-Hook-Signature does not match the body.")
        return "sentry"
    signature = headers.get("x-grafana-alerting-signature")
    if signature is not None and source == "grafana":
        timestamp = headers.get("x-grafana-alerting-timestamp")
        if not timestamp:
            raise SignatureError(
                "X-Grafana-Alerting-Timestamp is required with X-Grafana-Alerting-Signature "
                "(set timestamp_header in the contact point's HMAC settings)."
            )
        _check_window(timestamp, now, "X-Grafana-Alerting-Timestamp")
        message = timestamp.strip().encode() + b":" + body
        if not _equal(hmac_hex(secret, message), signature):
            raise SignatureError("X-Grafana-Alerting-Signature does not match the body.")
        return "grafana"
    raise SignatureError(
        "This integration requires a signature: send X-BreachDesk-Timestamp and "
        "X-BreachDesk-Signature: sha256=<hex HMAC-SHA256 of '<timestamp>.<body>'>."
    )
