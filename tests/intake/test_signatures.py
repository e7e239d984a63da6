"""HMAC signatures and tokens (pure)."""

import hashlib
import hmac

import pytest

from incidents.intake.signatures import (
    PREFIX_LENGTH,
    SignatureError,
    sign,
    token_generate,
    token_hash,
    token_prefix,
    verify,
)

SECRET = "s3cr3t-signing-key"
BODY = b'{"title": "Backup bucket made public"}'
NOW = 1_763_632_800


def breachdesk_headers(ts=NOW, body=BODY, secret=SECRET):
    return {"x-breachdesk-timestamp": str(ts), "x-breachdesk-signature": sign(secret, ts, body)}


def test_signature_round_trip():
    assert verify(SECRET, breachdesk_headers(), BODY, now=NOW) == "breachdesk"


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, NOW, BODY) == f"sha256={expected}"


def test_uppercase_hex_is_accepted():
    headers = breachdesk_headers()
    headers["x-breachdesk-signature"] = "SHA256=" + headers["x-breachdesk-signature"][7:].upper()
    assert verify(SECRET, headers, BODY, now=NOW) == "breachdesk"


@pytest.mark.parametrize(
    ("headers", "body", "now", "message"),
    [
        ({}, BODY, NOW, "requires a signature"),
        ({"x-breachdesk-signature": sign(SECRET, NOW, BODY)}, BODY, NOW, "Timestamp is required"),
        (breachdesk_headers(), BODY + b" ", NOW, "does not match"),
        (breachdesk_headers(secret="other"), BODY, NOW, "does not match"),
        (breachdesk_headers(), BODY, NOW + 301, "more than 5 minutes"),
        (breachdesk_headers(), BODY, NOW - 301, "more than 5 minutes"),
        (
            {"x-breachdesk-timestamp": "soon", "x-breachdesk-signature": "sha256=00"},
            BODY,
            NOW,
            "must be Unix seconds",
        ),
        (
            {"x-breachdesk-timestamp": str(NOW), "x-breachdesk-signature": "md5=abc"},
            BODY,
            NOW,
            "must look like sha256=<hex>",
        ),
        (
            {"x-breachdesk-timestamp": str(NOW), "x-breachdesk-signature": "sha256=ü"},
            BODY,
            NOW,
            "does not match",
        ),
    ],
)
def test_bad_signatures_are_refused(headers, body, now, message):
    with pytest.raises(SignatureError, match=message):
        verify(SECRET, headers, body, now=now)


def test_window_edges_are_inclusive():
    assert verify(SECRET, breachdesk_headers(), BODY, now=NOW + 300)
    assert verify(SECRET, breachdesk_headers(), BODY, now=NOW - 300)


def test_sentry_native_signature_over_the_body():
    digest = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    headers = {"sentry-hook-signature": digest, "sentry-hook-timestamp": str(NOW)}
    assert verify(SECRET, headers, BODY, now=NOW + 10, source="sentry") == "sentry"
    with pytest.raises(SignatureError, match="more than 5 minutes"):
        verify(SECRET, headers, BODY, now=NOW + 3600, source="sentry")
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, headers, BODY + b"x", now=NOW, source="sentry")


@pytest.mark.parametrize("source", ["generic", "alertmanager", "grafana", "pagerduty", ""])
def test_native_schemes_count_only_on_their_own_source(source):
    digest = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    headers = {"sentry-hook-signature": digest, "sentry-hook-timestamp": str(NOW)}
    with pytest.raises(SignatureError, match="requires a signature"):
        verify(SECRET, headers, BODY, now=NOW, source=source)


def test_grafana_native_signature_over_timestamp_colon_body():
    digest = hmac.new(SECRET.encode(), f"{NOW}:".encode() + BODY, hashlib.sha256).hexdigest()
    headers = {"x-grafana-alerting-signature": digest, "x-grafana-alerting-timestamp": str(NOW)}
    assert verify(SECRET, headers, BODY, now=NOW, source="grafana") == "grafana"
    with pytest.raises(SignatureError, match="Timestamp is required"):
        verify(SECRET, {"x-grafana-alerting-signature": digest}, BODY, now=NOW, source="grafana")
    with pytest.raises(SignatureError, match="requires a signature"):
        verify(SECRET, headers, BODY, now=NOW, source="sentry")


def test_tokens_are_random_and_only_their_hash_identifies_them():
    first, second = token_generate(), token_generate()
    assert first != second
    assert first.startswith("bdi_")
    assert len(first) >= 40
    assert token_hash(first) == hashlib.sha256(first.encode()).hexdigest()
    assert len(token_prefix(first)) == PREFIX_LENGTH
    assert token_prefix(first) != first
