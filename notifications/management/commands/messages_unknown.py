"""List single messages whose outcome is unknown, and retry or fail them (a person's call).

    manage.py messages_unknown                  # list (no addresses): id, purpose, since...
    manage.py messages_unknown --retry 12 13    # send again under the same key (audited)
    manage.py messages_unknown --fail 14        # mark failed (audited)

Only messages past their receipt window (NOTIFICATIONS_UNKNOWN_WAIT_MINUTES) can be decided;
see notifications.outbound.message_unknown_resolve.
"""

from django.core.management.base import BaseCommand, CommandError

from breachdesk.errors import DomainError
from breachdesk.timeutils import iso
from notifications.outbound import message_unknown_resolve
from notifications.selectors import outbound_unknown


class Command(BaseCommand):
    help = "List, retry or fail single messages whose provider answer was lost (unknown)."

    def add_arguments(self, parser):
        parser.add_argument("--retry", type=int, nargs="+", default=[], metavar="ID")
        parser.add_argument("--fail", type=int, nargs="+", default=[], metavar="ID")
        parser.add_argument("--actor", default="system:messages_unknown")

    def handle(self, *args, retry: list[int], fail: list[int], actor: str, **options) -> None:
        if set(retry) & set(fail):
            raise CommandError("A message cannot be both retried and failed.")
        decisions = [(pk, "retry") for pk in retry] + [(pk, "fail") for pk in fail]
        problems = 0
        for pk, action in decisions:
            try:
                message = message_unknown_resolve(message_id=pk, action=action, actor=actor)
            except DomainError as exc:
                problems += 1
                self.stderr.write(f"message {pk}: {exc.message}")
                continue
            self.stdout.write(f"message {pk}: {action} -> {message.state}")
        if not decisions:
            for row in outbound_unknown():
                self.stdout.write(
                    f"{row.pk}\t{row.purpose}\t{row.channel}\tincident {row.incident_id or '-'}"
                    f"\ttries {row.tries}\tdecide after {iso(row.next_try_at) or 'now'}"
                )
        if problems:
            raise CommandError(f"{problems} of {len(decisions)} decisions were refused.")
