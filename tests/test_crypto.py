"""Encryption at rest: values round-trip, keys rotate, a wrong key is a clear error."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from breachdesk.crypto import decrypt_text, encrypt_text


def test_round_trip_and_ciphertext_hides_the_value(settings):
    token = encrypt_text("jane.doe@example.org")
    assert "jane" not in token
    assert decrypt_text(token) == "jane.doe@example.org"


def test_rotation_keeps_old_data_readable(settings):
    old = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    token = encrypt_text("secret")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old]
    assert decrypt_text(token) == "secret"
    assert decrypt_text(encrypt_text("new")) == "new"


def test_wrong_or_malformed_keys_fail_clearly(settings):
    token = encrypt_text("secret")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        decrypt_text(token)
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="Fernet keys"):
        encrypt_text("x")
