"""Row validation shortcuts agree with the libraries they shortcut; the pool path = in-process."""

import io

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from phonenumbers import PhoneNumberType

from notifications.campaigns import services
from notifications.campaigns.rows import email_valid, phone_e164
from notifications.models import ImportRun, Recipient
from tests.notifications.conftest import CONTENT, csv_bytes


def _reference(text: str, region: str):
    """What the import did before the shortcut: parse, is_valid_number, E.164, region."""
    try:
        parsed = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164, phonenumbers.region_code_for_number(parsed)


def _example_numbers() -> list[str]:
    numbers = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.VOIP):
            number = phonenumbers.example_number_for_type(region, kind)
            if number:
                numbers.append(phonenumbers.format_number(number, 0))  # E164
    return numbers


def test_phone_shortcut_agrees_with_phonenumbers_on_every_regions_examples_and_neighbours():
    examples = _example_numbers()
    assert len(examples) > 500
    texts = list(examples)
    for number in examples:  # the neighbours: last digit changed, one digit more and less
        texts += [number[:-1] + str((int(number[-1]) + 3) % 10), number + "7", number[:-1]]
    texts += ["+14155552671", "+1 415-555-2671", "+39 06 6982 0000", "+0123456789", "+999123"]
    texts += ["+44 07911 123456", "(415) 555-0199", "030 901820", "12", "+", "+1"]
    for text in texts:
        for region in ("", "US", "DE"):
            assert phone_e164(text, region) == _reference(text, region), (text, region)


@pytest.mark.parametrize(
    "value",
    [
        "a@example.com",
        "A.B+c@sub.example.co.uk",
        "x@[127.0.0.1]",
        "x@localhost",
        "broken@@x",
        "no-at.example.com",
        "a@-bad.example",
        '"quoted"@example.com',
        "a@b",
        "é@example.com",
    ],
)
def test_email_shortcut_agrees_with_djangos_validator(value):
    try:
        validate_email(value)
        expected = True
    except ValidationError:
        expected = False
    assert email_valid(value) is expected


@pytest.mark.django_db
def test_a_large_import_through_the_process_pool_stores_the_same_as_in_process(
    ca_breach, assignee, settings
):
    header = ["email", "phone", "language", "region", "name", "account"]
    rows = []
    for i in range(11_000):  # three batches of the import, in flight together in the pool
        email = f"person{i % 10_900}@example.com" if i % 997 else f"broken{i}@@x"
        phone = f"+1415555{i % 10000:04d}" if i % 2 else ""
        rows.append([email, phone, "en" if i % 3 else "de", "US-CA", f"P {i}", f"A-{i}"])
    data = csv_bytes(header, rows)

    def run(workers: int) -> tuple[ImportRun, list]:
        settings.NOTIFICATIONS_IMPORT_WORKERS = workers
        settings.NOTIFICATIONS_IMPORT_POOL_MIN_ROWS = 1
        campaign = services.campaign_create(
            incident_id=ca_breach.pk, actor=assignee, name="N", channels=["email"], content=CONTENT
        )
        run = services.campaign_import_csv(
            campaign_id=campaign.pk, stream=io.BytesIO(data), actor=assignee
        )
        stored = [
            (r.line, r.language, r.region, r.has_email, r.has_phone, r.dedup_key, r.contact)
            for r in Recipient.objects.filter(campaign=campaign).order_by("line")
        ]
        return run, stored

    inline, inline_rows = run(0)
    pooled, pooled_rows = run(2)
    assert (pooled.rows, pooled.rejected) == (11_000, 12)  # i = 0, 997, ..., 10967
    assert pooled.accepted + pooled.duplicates + pooled.rejected == 11_000
    assert pooled.duplicates > 90
    assert (inline.accepted, inline.duplicates, inline.rejected) == (
        pooled.accepted,
        pooled.duplicates,
        pooled.rejected,
    )
    assert inline.rejected_rows == pooled.rejected_rows
    assert [r["line"] for r in pooled.rejected_rows] == [i + 2 for i in range(0, 11_000, 997)]
    # Same rows, and the first occurrence of a duplicate wins in both (file order kept).
    assert [r[:6] for r in inline_rows] == [r[:6] for r in pooled_rows]
    assert [r[6] for r in inline_rows] == [r[6] for r in pooled_rows]
    assert len(pooled_rows) == pooled.accepted
