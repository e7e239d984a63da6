"""Print a signed checkpoint of the audit trail's head, to keep outside BreachDesk."""

import json

from django.core.management.base import BaseCommand

from incidents.services.audit import audit_checkpoint


class Command(BaseCommand):
    help = (
        "Print the signed head of the audit chain (sequence, hash, time) as JSON. Keep it "
        "outside BreachDesk (ticket, e-mail, WORM storage); `verify_audit --checkpoint FILE` "
        "later fails if the trail is shorter than it or diverges from it."
    )

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(audit_checkpoint().as_dict(), sort_keys=True))
