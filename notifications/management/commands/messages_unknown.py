"""List single messages whose outcome is unknown, and settle them (a person's call).

    manage.py messages_unknown                  # list (no addresses): id, purpose, duties...
    manage.py messages_unknown --retry 12 13    # send again under the same key (audited)
    manage.py messages_unknown --fail 14 --reason "mailbox gone"         # mark failed
    manage.py messages_unknown --delivered 15 --reason "SendGrid shows it"  # mark delivered

Only messages past their receipt window (NOTIFICATIONS_UNKNOWN_WAIT_MINUTES) can be decided;
--fail and --delivered need a --reason. The same service answers the API
(`GET /api/v1/messages/unknown/`, `POST /api/v1/messages/{id}/settle/`):
notifications.outbound.message_unknown_resolve.
"""

from django.core.management.base import BaseCommand, CommandError

from breachdesk.errors import DomainError
from breachdesk.timeutils import iso, now_utc
from notifications.outbound import message_unknown_resolve
from notifications.selectors import outbound_unknown_with_duties


class Command(BaseCommand):
    help = "List, retry, fail or confirm single messages whose provider answer was lost."

    def add_arguments(self, parser):
        parser.add_argument("--retry", type=int, nargs="+", default=[], metavar="ID")
        parser.add_argument("--fail", type=int, nargs="+", default=[], metavar="ID")
        parser.add_argument("--delivered", type=int, nargs="+", default=[], metavar="ID")
        parser.add_argument("--reason", default="", help="Why (required with --fail/--delivered).")
        parser.add_argument("--actor", default="system:messages_unknown")

    def handle(self, *args, retry, fail, delivered, reason: str, actor: str, **options) -> None:
        decisions = [(pk, "retry") for pk in retry] + [(pk, "fail") for pk in fail]
        decisions += [(pk, "delivered") for pk in delivered]
        if len({pk for pk, _ in decisions}) < len(decisions):
            raise CommandError("Each message gets one decision.")
        problems = 0
        for pk, action in decisions:
            try:
                message = message_unknown_resolve(
                    message_id=pk, action=action, actor=actor, reason=reason
                )
            except DomainError as exc:
                problems += 1
                self.stderr.write(f"message {pk}: {exc.message}")
                continue
            self.stdout.write(f"message {pk}: {action} -> {message.state}")
        if not decisions:
            for row in outbound_unknown_with_duties(now=now_utc()):
                message = row.message
                duties = ", ".join(duty.rule_code for duty in row.obligations) or "-"
                self.stdout.write(
                    f"{message.pk}\t{message.purpose}\t{message.channel}"
                    f"\tincident {message.incident.reference if message.incident else '-'}"
                    f"\tduty {duties}"
                    f"\ttries {message.tries}\tdecide after {iso(message.next_try_at) or 'now'}"
                )
        if problems:
            raise CommandError(f"{problems} of {len(decisions)} decisions were refused.")
