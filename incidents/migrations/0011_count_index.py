from django.conf import settings
from django.db import migrations, models


def analyze(apps, schema_editor):
    """SQLite plans with the statistics it has: without a row for the new index it guesses the
    index is selective and sorts the whole register by it. PostgreSQL keeps its own."""
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("ANALYZE incidents_incident")


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0010_audit_chain_keyed"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(fields=["archived_at", "status"], name="incident_archived_status"),
        ),
        migrations.RunPython(analyze, migrations.RunPython.noop),
    ]
