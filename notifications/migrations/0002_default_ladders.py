"""Seed the default escalation ladders.

These values are BreachDesk POLICY, not law: they decide when people are reminded, never
when a legal deadline falls (that comes from the rule files). Operators change them in the
admin. The values are copied here (not imported) so this migration never changes meaning.
"""

from django.db import migrations

DEFAULT_LADDERS = [
    ("supervisory_authority", [48, 24, 12, 6, 1], 6,
     "Authority notices (e.g. GDPR Art. 33: 72 h): remind at 48, 24, 12, 6 and 1 h left, "
     "then every 6 h while overdue."),
    ("other_regulator", [48, 24, 12, 6, 1], 6,
     "Sector/cyber regulators (NIS2 24 h early warning, DORA 4 h initial report): steps that "
     "would fall before the clock started are skipped, so short deadlines get the later steps."),
    ("controller", [24, 12, 6, 1], 6,
     "Processor-to-controller notices: usually 'without undue delay' or contract hours."),
    ("individuals", [24, 6], 12,
     "Data-subject communication: mostly 'without undue delay'; fewer, less urgent steps."),
    ("media", [48, 24], 24,
     "Media notices (HIPAA, FTC HBNR): long deadlines, few reminders."),
    ("internal_assessment", [12, 2], 6,
     "Internal assessment targets: a nudge half a day and two hours before."),
    ("*", [48, 24, 12, 6, 1], 6,
     "Fallback for any audience without a ladder of its own."),
]


def seed(apps, schema_editor):
    EscalationLadder = apps.get_model("notifications", "EscalationLadder")
    for audience, offsets, every, note in DEFAULT_LADDERS:
        EscalationLadder.objects.get_or_create(
            audience=audience,
            defaults={"offsets_hours": offsets, "overdue_every_hours": every,
                      "active": True, "policy_note": note},
        )


def unseed(apps, schema_editor):
    EscalationLadder = apps.get_model("notifications", "EscalationLadder")
    EscalationLadder.objects.filter(audience__in=[row[0] for row in DEFAULT_LADDERS]).delete()


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
