"""Register a monitoring tool and print its token once: only a hash is stored."""

import sys

from django.core.management.base import BaseCommand, CommandError

from breachdesk.errors import DomainError
from incidents.intake.models import AlertSource, AwarenessProposal, Integration
from incidents.intake.services import (
    integration_create,
    integration_rotate_token,
    integration_set_signing_secret,
)


class Command(BaseCommand):
    help = "Create an alert-intake integration (or rotate its token) and print the token once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Slug, e.g. prod-alertmanager")
        parser.add_argument(
            "--source",
            choices=AlertSource.values,
            help="Alert format this integration posts (required to create).",
        )
        parser.add_argument(
            "--rate-limit",
            type=int,
            default=600,
            dest="rate_limit",
            help="Requests per minute (0 = unlimited). Default 600.",
        )
        parser.add_argument(
            "--group-by",
            default="",
            dest="group_by",
            help="Comma-separated label names that group alerts onto one "
            "incident (default: the tool's own grouping).",
        )
        parser.add_argument(
            "--group-window",
            type=int,
            default=60,
            dest="group_window",
            help="Minutes within which related alerts join an open incident "
            "(0 = never group). Default 60.",
        )
        parser.add_argument(
            "--propose-awareness",
            choices=AwarenessProposal.values,
            default=AwarenessProposal.NONE,
            dest="propose_awareness",
            help="Propose an awareness time on new incidents (a DPO confirms).",
        )
        parser.add_argument(
            "--signing-secret",
            action="store_true",
            dest="signing_secret",
            help="Also generate an HMAC signing secret; requests must be signed.",
        )
        parser.add_argument(
            "--rotate", action="store_true", help="Issue a new token for an existing integration."
        )
        parser.add_argument(
            "--signing-secret-stdin",
            action="store_true",
            dest="secret_stdin",
            help="Read a tool's own signing secret (e.g. Sentry's Client Secret) from standard "
            "input and set it on the integration (new or existing).",
        )

    def handle(self, *args, **options):
        name = options["name"]
        actor = "command:create_integration"
        existing = Integration.objects.filter(name=name).first()
        secret = ""  # nosec B105  # empty: no signing secret unless one is given
        if options["secret_stdin"]:
            secret = sys.stdin.readline().strip()
            if not secret:
                raise CommandError("--signing-secret-stdin: no secret on standard input.")
            if options["signing_secret"]:
                raise CommandError("Use --signing-secret or --signing-secret-stdin, not both.")
        try:
            issued = None
            if options["rotate"] or (existing is not None and secret and not options["source"]):
                if existing is None:
                    raise CommandError(f"No integration named {name!r}.")
                if options["rotate"]:
                    issued = integration_rotate_token(integration_id=existing.pk, actor=actor)
                integration = existing
            else:
                if not options["source"]:
                    raise CommandError("--source is required to create an integration.")
                if options["rate_limit"] < 0 or options["group_window"] < 0:
                    raise CommandError("--rate-limit and --group-window must not be negative.")
                issued = integration_create(
                    name=name,
                    source=options["source"],
                    actor=actor,
                    rate_limit_per_minute=options["rate_limit"],
                    group_by=[n for n in options["group_by"].split(",") if n.strip()],
                    group_window_minutes=options["group_window"],
                    propose_awareness=options["propose_awareness"],
                    with_signing_secret=options["signing_secret"],
                )
                integration = issued.integration
            if secret:
                integration_set_signing_secret(
                    integration_id=integration.pk, secret=secret, actor=actor
                )
                self.stderr.write(f"Signing secret set on {integration.name}.")
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if issued is None:
            return
        self.stderr.write(
            f"Integration {integration.name} ({integration.source}), "
            f"token prefix {integration.token_prefix}. The token is shown once:"
        )
        self.stdout.write(issued.token)
        if issued.signing_secret:
            self.stderr.write("Signing secret (shown once; sign requests with it):")
            self.stdout.write(issued.signing_secret)
        self.stderr.write(
            f"Post alerts to /api/v1/alerts/{integration.source}/ with "
            "'Authorization: Bearer <token>'."
        )
