from django.core.management.base import BaseCommand, CommandError

from incidents.models import AuditHead
from incidents.services.audit import audit_verify


class Command(BaseCommand):
    help = "Verify the hash-chained audit trail; exits 1 and names the first broken entry."

    def handle(self, *args, **options):
        problem = audit_verify()
        if problem is not None:
            raise CommandError(f"Audit trail BROKEN at {problem.message}")
        head = AuditHead.objects.filter(pk=1).first()
        seq, digest = (head.seq, head.hash) if head else (0, "0" * 64)
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit trail intact: {seq} entries, head hash {digest}. "
                "Record the head hash outside BreachDesk to detect truncation later."
            )
        )
