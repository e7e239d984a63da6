"""Raw alert payloads are encrypted at rest: encrypt the rows stored as plain text."""

from django.db import migrations

import breachdesk.crypto

BATCH = 500


def _rewrite(apps, schema_editor, convert):
    connection = schema_editor.connection
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, body FROM intake_alertpayload WHERE id > %s AND body <> '' "
                "ORDER BY id LIMIT %s",
                [last, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            cursor.executemany(
                "UPDATE intake_alertpayload SET body = %s WHERE id = %s",
                [(convert(body), pk) for pk, body in rows],
            )
            last = rows[-1][0]


def encrypt(apps, schema_editor):
    _rewrite(apps, schema_editor, breachdesk.crypto.encrypt_text)


def decrypt(apps, schema_editor):
    _rewrite(apps, schema_editor, breachdesk.crypto.decrypt_text)


class Migration(migrations.Migration):
    dependencies = [("intake", "0003_alert_group_index_with_id")]

    operations = [
        migrations.AlterField(
            model_name="alertpayload",
            name="body",
            field=breachdesk.crypto.EncryptedTextField(
                help_text="The alert's raw JSON payload (encrypted at rest)."
            ),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
