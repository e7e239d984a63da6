"""Provider texts stored before receipts were redacted: a bounce's reason quoting the
recipient's address, kept on receipts and on the delivery or message it failed."""

import re

from django.db import migrations
from django.db.models import Q

# A frozen copy of notifications.redact (a migration must not change when the code does).
_EMAIL = re.compile(r"[^\s<>()\[\]\"',;:]+@[^\s<>()\[\]\"',;:]+")
_PHONE = re.compile(r"\+\d(?:[\s().-]?\d){6,14}")


def _redact(text):
    return _PHONE.sub("<recipient>", _EMAIL.sub("<recipient>", text))


def redact(apps, schema_editor):
    for model, field in (
        ("ReceiptEvent", "reason"),
        ("Delivery", "error"),
        ("OutboundMessage", "error"),
    ):
        rows = apps.get_model("notifications", model).objects
        quoted = Q(**{f"{field}__contains": "@"}) | Q(**{f"{field}__contains": "+"})
        for text in list(rows.filter(quoted).values_list(field, flat=True).distinct().order_by()):
            if (clean := _redact(text)) != text:
                rows.filter(**{field: text}).update(**{field: clean})


class Migration(migrations.Migration):
    dependencies = [("notifications", "0008_campaign_delay_reason")]

    operations = [migrations.RunPython(redact, migrations.RunPython.noop)]
