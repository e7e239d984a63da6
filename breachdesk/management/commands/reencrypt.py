"""Re-encrypt every encrypted field of every model with the newest FIELD_ENCRYPTION_KEYS key.

Rotation: prepend a new key to FIELD_ENCRYPTION_KEYS, restart, run this command, then drop
the old key. Values already under the newest key are left alone, so the command can be
interrupted and run again.
"""

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from breachdesk.crypto import encrypted_fields, rotate_token

BATCH = 500


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field of every model with the newest encryption key."

    def handle(self, *args, **options) -> None:
        total = 0
        for model, fields in encrypted_fields():
            for field in fields:
                changed = self._rotate_column(model, field)
                total += changed
                self.stdout.write(f"{model._meta.label}.{field.name}: {changed} re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"{total} values re-encrypted with the newest key."))

    def _rotate_column(self, model, field) -> int:
        quote = connection.ops.quote_name
        table, pk, column = (
            quote(model._meta.db_table),
            quote(model._meta.pk.column),
            quote(field.column),
        )
        update = f"UPDATE {table} SET {column} = %s WHERE {pk} = %s"  # noqa: S608  # nosec B608  # quoted model names
        changed, last = 0, None
        while True:
            after, params = ("", []) if last is None else (f"{pk} > %s AND ", [last])
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {pk}, {column} FROM {table} "  # noqa: S608  # nosec B608  # quoted names only
                    f"WHERE {after}{column} IS NOT NULL AND {column} <> '' "
                    f"ORDER BY {pk} LIMIT {BATCH}",
                    params,
                )
                rows = cursor.fetchall()
                if not rows:
                    return changed
                updates = [(new, row_pk) for row_pk, token in rows if (new := rotate_token(token))]
                if updates:
                    cursor.executemany(update, updates)
                changed += len(updates)
                last = rows[-1][0]
