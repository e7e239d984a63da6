"""Structured logs without personal data.

`LOG_FORMAT=json` (the production default) writes one JSON object per line with the time,
level, logger, message and the record's extra fields. Whatever the format, every record
passes `RedactPersonalData` on the way out: e-mail addresses and phone numbers in the message,
its arguments, extra fields and any traceback are replaced by a marker, so a provider error
quoting a recipient or an exception carrying a submitted value cannot put the personal data
of affected people into the log files. Code should not log such data in the first place;
this is the net under it.
"""

import logging
import re

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# International numbers (+ and 8 to 20 digits and separators) and bare runs of 10-15 digits.
PHONE = re.compile(r"\+\d[\d ().-]{6,18}\d|\b\d{10,15}\b")
REDACTED_EMAIL = "[email]"
REDACTED_PHONE = "[phone]"

STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}


def redact(text: str) -> str:
    return PHONE.sub(REDACTED_PHONE, EMAIL.sub(REDACTED_EMAIL, text))


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        for key, value in list(vars(record).items()):
            if key not in STANDARD_ATTRIBUTES and isinstance(value, str):
                setattr(record, key, redact(value))
        return True


def logging_config(*, level: str, fmt: str) -> dict:
    """The LOGGING setting: one console handler, JSON or text, personal data redacted."""
    formatters = {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    }
    if fmt not in formatters:
        fmt = "text"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "breachdesk.logs.RedactPersonalData"}},
        "formatters": formatters,
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": fmt,
                "filters": ["redact"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # One structured line per request comes from breachdesk.request; Django's own
            # access-style warnings for 4xx would only repeat it.
            "django.request": {"level": "ERROR"},
            # The provider SDKs log whole messages and the API key's header at DEBUG/INFO.
            "python_http_client": {"level": "WARNING"},
            "twilio.http_client": {"level": "WARNING"},
            # WeasyPrint logs every rendering step at INFO; only its warnings matter.
            "weasyprint": {"level": "WARNING"},
            "fontTools": {"level": "WARNING"},
        },
    }
