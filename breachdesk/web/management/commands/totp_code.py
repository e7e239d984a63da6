"""Print a user's current TOTP code: for demo installs and local development only."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from breachdesk.web.twofactor import confirmed_device


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo user (DEBUG only; --force elsewhere)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--force", action="store_true", help="Allow outside DEBUG.")

    def handle(self, *args, username, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("totp_code is for demo installs; it refuses outside DEBUG.")
        user = get_user_model().objects.filter(username=username).first()
        device = confirmed_device(user) if user else None
        if device is None:
            raise CommandError(f"{username!r} has no confirmed TOTP device.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
