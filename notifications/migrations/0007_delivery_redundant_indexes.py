"""Drop the deliveries' single-column foreign-key indexes (campaign, recipient).

Each is the prefix of another index ((campaign, state), (campaign, seq, state), the unique
(recipient, channel)), and PostgreSQL writes every index of a row on each state change: two
per delivery per message sent. The state change is `AlterField(db_index=False)`; the database
change is a plain DROP INDEX, so that SQLite does not copy the whole table to make it.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {
    "campaign": "notifications_delivery_campaign_id_fe3245c3",
    "recipient": "notifications_delivery_recipient_id_8d8ed928",
}


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0006_campaign_notice_version"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="delivery",
                    name=field,
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to=f"notifications.{field}",
                    ),
                )
                for field in INDEXES
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {name}",
                    f"CREATE INDEX {name} ON notifications_delivery ({field}_id)",
                )
                for field, name in INDEXES.items()
            ],
        ),
    ]
