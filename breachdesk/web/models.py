import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


def time_zone_choices() -> list[tuple[str, str]]:
    names = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
    return [(name, name.replace("_", " ")) for name in names]


class UserPreference(models.Model):
    """How one person wants the workspace shown (display only: storage stays UTC)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="web_preference"
    )
    time_zone = models.CharField(
        max_length=64, default="UTC", help_text="Times are shown in this zone; stored in UTC."
    )

    def __str__(self) -> str:
        return f"{self.user} ({self.time_zone})"

    def clean(self) -> None:
        if self.time_zone not in zoneinfo.available_timezones():
            raise ValidationError({"time_zone": f"Unknown time zone {self.time_zone!r}."})


class TokenVerification(models.Model):
    """An API token that was issued after a right TOTP code (`POST /api/v1/auth/token/` with
    `otp_code`). A token of an account that needs a second factor is accepted only with this
    row, whatever path made the account need one (a role given in the admin, a script, the
    superuser flag): its absence is checked on every request, not at role change."""

    token = models.OneToOneField(
        "authtoken.Token", on_delete=models.CASCADE, primary_key=True, related_name="verification"
    )
    verified_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"token of {self.token.user} verified at {self.verified_at:%Y-%m-%d %H:%M} UTC"
