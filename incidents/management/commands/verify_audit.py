import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from incidents.models import AuditHead
from incidents.services.audit import CheckpointError, audit_verify, checkpoint_parse


class Command(BaseCommand):
    help = (
        "Verify the keyed hash chain of the audit trail; exits 1 and names the first broken "
        "entry. With --checkpoint, also fail when the trail is shorter than the checkpoint "
        "or differs from it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            metavar="FILE",
            help="A checkpoint from `audit_checkpoint` or GET /api/v1/audit/checkpoint/ "
            "('-' reads standard input). May be given several times.",
        )

    def handle(self, *args, checkpoint, **options):
        checkpoints = []
        for source in checkpoint:
            text = sys.stdin.read() if source == "-" else Path(source).read_text()
            try:
                checkpoints.append(checkpoint_parse(text))
            except CheckpointError as exc:
                raise CommandError(f"Checkpoint {source}: {exc}") from None
        for item in checkpoints or [None]:
            problem = audit_verify(item)
            if problem is not None:
                raise CommandError(f"Audit trail BROKEN at {problem.message}")
        # Records that copy what an audit entry says (e.g. frozen filing snapshots) are checked
        # against it by the apps that own them; listed in settings so incidents imports no app.
        for path in getattr(settings, "AUDIT_CROSS_CHECKS", ()):
            for message in import_string(path)():
                raise CommandError(f"Audit trail BROKEN: {message}")
        head = AuditHead.objects.filter(pk=1).first()
        seq, digest = (head.seq, head.hash) if head else (0, "0" * 64)
        checked = f" and consistent with {len(checkpoints)} checkpoint(s)" if checkpoints else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit trail intact{checked}: {seq} entries, head hash {digest}. "
                "Keep checkpoints (manage.py audit_checkpoint) outside BreachDesk to detect "
                "truncation later."
            )
        )
