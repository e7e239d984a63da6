"""Logs are JSON lines in production and never carry e-mail addresses or phone numbers.

The test installs the production logging configuration (JSON formatter, redaction filter)
with its console handler writing to a buffer, drives real flows that handle personal data
(an alert naming an affected person, a bad request quoting one, providers refusing a
recipient and quoting the address back) and reads every captured line.
"""

import io
import json
import logging
import logging.config
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings

from breachdesk.logs import logging_config
from incidents.intake.services import integration_create
from notifications.models import OnCallContact
from notifications.services import reminders_sweep

PERSON_EMAIL = "jane.roe@customer.example"
PERSON_PHONE = "+49 151 2345 6789"
PERSON_PHONE_DIGITS = "4915123456789"
DPO_EMAIL = "dora.dpo@example.test"
DPO_PHONE = "+4930901820"


@pytest.fixture
def json_log():
    buffer = io.StringIO()
    logging.config.dictConfig(logging_config(level="DEBUG", fmt="json"))
    (handler,) = logging.getLogger().handlers
    handler.setStream(buffer)
    yield buffer
    logging.config.dictConfig(settings.LOGGING)


def lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


@pytest.mark.django_db
def test_request_and_provider_logs_carry_no_personal_data(
    json_log, client, api, duty, sendgrid, twilio
):
    OnCallContact.objects.create(name="Night shift", email="night@example.test", phone=DPO_PHONE)
    issued = integration_create(name="generic-logs", source="generic")
    alert = {
        "title": "Customer export found on a paste site",
        "dedup_key": "paste/42",
        "status": "firing",
        "description": f"Rows include {PERSON_EMAIL} and {PERSON_PHONE}",
    }
    answer = client.post(
        "/api/v1/alerts/generic/",
        data=json.dumps(alert),
        content_type="application/json",
        headers={"Authorization": f"Bearer {issued.token}"},
    )
    assert answer.status_code == 202, answer.content
    bad = api["analyst"].post(
        "/api/v1/incidents/",
        {"title": f"Mail to {PERSON_EMAIL}", "aware_at": f"{PERSON_PHONE} yesterday"},
        format="json",
    )
    assert bad.status_code == 400

    # Both providers refuse the recipients and quote them back, as SendGrid and Twilio do.
    for _ in range(10):
        sendgrid.reply_next(400, sendgrid.error(400, f"Invalid email {DPO_EMAIL}", "to"))
        twilio.reply_next(
            400, twilio.error(400, 21211, f"The 'To' number {DPO_PHONE} is not valid.")
        )
    with time_machine.travel(duty.due_at - timedelta(hours=24), tick=False):
        reminders_sweep()

    try:
        raise ValueError(f"cannot parse {PERSON_EMAIL}")
    except ValueError:
        logging.getLogger("breachdesk.test").exception("parsing failed for %s", PERSON_PHONE)

    records = lines(json_log)
    text = json_log.getvalue()
    assert {r["logger"] for r in records} >= {
        "breachdesk.request",
        "notifications.services.reminder_outcomes",
    }
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    requests = [r for r in records if r["logger"] == "breachdesk.request"]
    assert {(r["route"], r["status"]) for r in requests} >= {
        ("api/v1/alerts/<slug:source>/", 202),
        ("api/v1/incidents/", 400),
    }
    provider_errors = [
        r for r in records if r["logger"] == "notifications.services.reminder_outcomes"
    ]
    assert any("[email]" in r["message"] or "[phone]" in r["message"] for r in provider_errors)
    (crash,) = [r for r in records if r["logger"] == "breachdesk.test"]
    assert "ValueError: cannot parse [email]" in crash["exc_info"]
    assert crash["message"] == "parsing failed for [phone]"
    for secret in (PERSON_EMAIL, PERSON_PHONE, PERSON_PHONE_DIGITS, DPO_EMAIL, DPO_PHONE):
        assert secret not in text
    assert "customer.example" not in text
    assert "SG.test-key" not in text  # the SDKs' debug lines (API key header) are silenced
