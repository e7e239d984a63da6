"""E.164 phone numbers: one parser shared by the model validator and the SMS channel."""

import phonenumbers
from django.core.exceptions import ValidationError


class PhoneNumberError(ValueError):
    """The text is not a dialable international number in E.164 form."""


def e164(value: str) -> str:
    """Return `value` as E.164 (+4930123456); spaces are tolerated, a missing + is not."""
    text = (value or "").strip()
    if not text.startswith("+"):
        raise PhoneNumberError(
            f"{value!r} is not an E.164 phone number: it must start with + and the country code "
            "(e.g. +4930123456)."
        )
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as exc:
        raise PhoneNumberError(f"{value!r} is not an E.164 phone number: {exc}.") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise PhoneNumberError(
            f"{value!r} is not a valid phone number for its country code (E.164, e.g. +4930123456)."
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def validate_e164(value: str) -> None:
    """Django validator: the stored text must already be the canonical E.164 form."""
    if not value:
        return
    try:
        canonical = e164(value)
    except PhoneNumberError as exc:
        raise ValidationError(str(exc), code="invalid_phone") from exc
    if canonical != value:
        raise ValidationError(
            f"{value!r} must be written in E.164 form without spaces: {canonical}.",
            code="invalid_phone",
        )
