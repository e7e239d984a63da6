"""Send a campaign from this process (a worker of its own), with a progress bar.

Safe next to django-q2 workers and other `campaign_send` processes: chunks are leased. It
waits for abandoned leases to expire (a killed worker's chunk is taken over) and stops when
nothing is left to send; deliveries with an unknown outcome wait for receipts.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from breachdesk.errors import DomainError
from breachdesk.timeutils import now_utc
from notifications.campaigns import selectors, services
from notifications.management.progress import ProgressBar

MAX_NAP_SECONDS = 5.0


class Command(BaseCommand):
    help = "Send a notice campaign's queued deliveries (optionally start it first)."

    def add_arguments(self, parser):
        parser.add_argument("campaign_id", type=int)
        parser.add_argument("--start", action="store_true", help="start a draft campaign first")
        parser.add_argument("--actor", default="system:campaign_send")
        parser.add_argument(
            "--delay-reason",
            default="",
            help="with --start: why the notice goes out after a duty's deadline (a duty it "
            "completes late is then met late with this reason)",
        )
        parser.add_argument("--no-wait", action="store_true", help="do not wait for leases")

    def handle(self, *args, campaign_id: int, start: bool, actor: str, no_wait: bool, **options):
        delay_reason = options["delay_reason"]
        if delay_reason and not start:
            raise CommandError("--delay-reason is given when starting: add --start.")
        try:
            if start:
                services.campaign_start(
                    campaign_id=campaign_id, actor=actor, delay_reason=delay_reason
                )
            campaign = selectors.campaign_get(campaign_id)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        progress = selectors.campaign_progress(campaign)
        bar = ProgressBar(progress.remaining, label="send", stream=self.stderr)
        handled = 0

        def tick(outcome) -> None:
            nonlocal handled
            handled += outcome.sent + outcome.failed + outcome.unknown
            bar.update(handled)

        while True:
            services.campaign_work(campaign_id=campaign_id, progress=tick)
            wake = selectors.campaign_next_work_at(campaign_id)
            if wake is None or no_wait:
                break
            time.sleep(min(max((wake - now_utc()).total_seconds(), 0.05), MAX_NAP_SECONDS))
        bar.finish(handled)
        progress = selectors.campaign_progress(selectors.campaign_get(campaign_id))
        states = ", ".join(f"{k} {v:,}" for k, v in progress.by_state.items() if v)
        self.stdout.write(f"campaign {campaign_id}: {progress.status}; {states}")
