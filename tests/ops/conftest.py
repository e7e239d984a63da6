"""The notifications fixtures (a German breach with a running 72 h clock, fake providers)."""

from tests.notifications.conftest import (  # noqa: F401 (fixtures)
    assignee,
    breach,
    duty,
    organization,
    sendgrid,
    twilio,
)
