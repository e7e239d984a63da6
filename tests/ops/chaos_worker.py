"""BreachDesk in a process of its own, for the chaos test (tests/ops/test_chaos.py).

    python -m tests.ops.chaos_worker setup RECIPIENTS DUTIES LEAD_SECONDS SPACING_SECONDS
    python -m tests.ops.chaos_worker work campaign|sweep DIR CAMPAIGN_ID
    python -m tests.ops.chaos_worker finish CAMPAIGN_ID RECEIPTS_FILE

`finish` runs after the storm: the providers' receipts, the next runs of the schedules,
then a report of what the database holds.

`work` is a worker: it runs the django-q2 task functions (notifications.tasks) in a loop,
as a qcluster worker would run them (closing broken connections before each task, a failed
task does not stop the worker), until DIR/stop appears; then prints its tally. Role
`campaign` sends the campaign, role `sweep` runs the every-minute schedules (reminders,
outbound upkeep) every 0.2 s.

On SQLite a `work` process also watches DIR for drop-N files: each makes its database
connection fail for a moment, the SQLite counterpart of the PostgreSQL sessions the test
cuts with pg_terminate_backend: like a cut session, the connection fails its next
statement, whenever that comes, and every statement for DROP_SECONDS (SQLite's progress
handler aborts them: OperationalError "interrupted").
"""

import io
import json
import logging
import os
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import time_machine

DROP_SECONDS = 0.3
H = timedelta(hours=1)


def _setup(recipients: int, duties: int, lead_seconds: float, spacing: float) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from incidents.models import Obligation, Organization
    from incidents.services.incidents import incident_create
    from incidents.services.obligations import obligation_waive
    from notifications.campaigns import services
    from notifications.notices.services import notice_approve, notice_draft

    user = get_user_model().objects.create_user(
        username="alice", email="alice@example.test", first_name="Alice"
    )
    Organization.objects.create(
        legal_name="Beispiel GmbH",
        country="DE",
        role="controller",
        dpo_email="dora.dpo@example.test",
        dpo_phone="+4930901820",
    )
    dpo = get_user_model().objects.create_user(username="dora", email="dora.dpo@example.test")
    dpo.groups.set([Group.objects.get(name="dpo")])
    aware = datetime.now(UTC) - H
    leak = incident_create(
        actor=user,
        now=None,
        data={
            "title": "Customer portal leak",
            "detected_at": aware,
            "aware_at": aware,
            "occurred_from": aware - 48 * H,
            "occurred_to": aware - 24 * H,
            "countries": ["US-CA"],
            "residents": {"US-CA": recipients},
            "subjects_count": recipients,
            "data_categories": ["contact", "credentials"],
        },
    )
    # The campaign sends the notice a DPO approved, to everyone the incident states: when it
    # completes, it meets the duties that notice serves.
    [notice] = notice_draft(incident_id=leak.pk, actor=user)
    notice_approve(notice_id=notice.pk, actor=dpo, version=1)
    campaign = services.campaign_create(
        incident_id=leak.pk,
        actor=user,
        name="Notice",
        channels=["email", "sms"],
        notice_id=notice.pk,
    )
    rows = [
        {
            "email": f"p{i}@example.com",
            "phone": f"+1415555{i:04d}",
            "name": f"P{i}",
            "region": "US-CA",
        }
        for i in range(recipients)
    ]
    services.campaign_import_rows(campaign_id=campaign.pk, rows=rows, actor=user)
    campaign = services.campaign_start(campaign_id=campaign.pk, actor=user)
    watched = []
    first_step_at = datetime.now(UTC) + timedelta(seconds=lead_seconds)
    for k in range(duties):
        # The 24-hours-left step of duty k comes due at first_step_at + k * spacing, while
        # the workers run; its 48-hours-left step is a day overdue: a catch-up.
        aware_at = first_step_at - 48 * H + timedelta(seconds=k * spacing)
        incident = incident_create(
            actor=user,
            now=aware_at + timedelta(minutes=1),
            data={
                "title": f"Chaos {k}",
                "aware_at": aware_at,
                "countries": ["DE"],
                "assignee": user,
            },
        )
        duty = incident.obligations.running().get(
            audience="supervisory_authority", due_at__isnull=False
        )
        for other in incident.obligations.open().exclude(pk=duty.pk):
            obligation_waive(
                obligation_id=other.pk, actor=user, justification="Not under test", now=aware_at
            )
        watched.append({"id": duty.pk, "due_at": duty.due_at.isoformat()})

    return {
        "campaign_id": campaign.pk,
        "notice_incident": leak.pk,
        "campaign_duties": campaign.obligation_ids,
        "duties": watched,
        "first_step_at": first_step_at.isoformat(),
        "obligations": dict(Obligation.objects.values_list("pk", "status")),
    }


# --- the worker ------------------------------------------------------------------------------


class _Drop:
    """SQLite: the worker's connection "drops": its next statement fails, and every statement
    in the next DROP_SECONDS (a progress handler aborts them: OperationalError). Reads and
    writes fail, not BEGIN/COMMIT/ROLLBACK: an interrupted BEGIN leaves SQLite inside a
    transaction that the caller believes was never opened, a state no real failure makes."""

    SPARED = ("BEGIN", "COMMIT", "ROLLBACK", "RELEASE", "SAVEPOINT", "END")

    def __init__(self) -> None:
        self.pending = False
        self.until = 0.0
        self.seen = self.seen_before = 0
        self.hits = 0
        self.statement = ""

    def trace(self, sql: str) -> None:
        self.statement = sql.lstrip()[:8].upper()

    def handler(self) -> int:
        if self.statement.startswith(self.SPARED):
            return 0
        if self.pending or time.monotonic() < self.until:
            self.pending = False
            self.hits += 1
            return 1  # non-zero: SQLite aborts the statement ("interrupted")
        return 0

    def connected(self, sender, connection, **kwargs) -> None:
        connection.connection.set_trace_callback(self.trace)
        connection.connection.set_progress_handler(self.handler, 10)

    def watch(self, directory: Path) -> None:
        while (directory / f"drop-{self.seen}").exists():  # drops before this worker began
            self.seen += 1
        self.seen_before = self.seen
        while not (directory / "stop").exists():
            if (directory / f"drop-{self.seen}").exists():
                self.seen += 1
                self.until = time.monotonic() + DROP_SECONDS
                self.pending = True
            time.sleep(0.005)


def _work(role: str, directory: Path, campaign_id: int) -> dict:
    from django.db import close_old_connections, connection
    from django.db.backends.signals import connection_created

    from notifications import tasks

    logger = logging.getLogger("chaos_worker")
    tally = {"role": role, "runs": 0, "failed": 0, "drops": 0, "errors": []}
    drop = _Drop()
    if connection.vendor == "sqlite":
        connection_created.connect(drop.connected)
        threading.Thread(target=drop.watch, args=(directory,), daemon=True).start()
    jobs = (
        [lambda: tasks.campaign_work(campaign_id)]
        if role == "campaign"
        else [tasks.deadline_reminders_sweep, tasks.outbound_sweep]
    )
    (directory / f"up-{role}-{os.getpid()}").touch()
    while not (directory / "stop").exists():
        for job in jobs:
            close_old_connections()  # what django-q2 does before every task
            tally["runs"] += 1
            try:
                job()
            except Exception as exc:  # a failed task is recorded; the worker goes on
                logger.warning("task failed: %r", exc)
                tally["failed"] += 1
                tally["errors"].append(type(exc).__name__)
        time.sleep(0.2 if role == "sweep" else 0.05)
    tally["errors"] = sorted(set(tally["errors"]))
    tally["drops"] = drop.seen - drop.seen_before
    tally["statements_failed_by_drops"] = drop.hits
    return tally


# --- after the storm -----------------------------------------------------------------------


def _receipts(path: str) -> dict:
    """What the providers report afterwards: SendGrid events, Twilio status callbacks."""
    from django.conf import settings
    from django.test import Client
    from twilio.request_validator import RequestValidator

    from tests.notifications.campaign_worker import sendgrid_events_post

    data = json.loads(Path(path).read_text())
    result = sendgrid_events_post(data["private_key"], data["sendgrid_events"])
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    twilio = {"posted": 0}
    for callback, params in data["twilio_callbacks"]:
        url = callback.removeprefix(settings.BREACHDESK_BASE_URL.rstrip("/"))
        response = Client().post(
            url,
            urlencode(params),
            content_type="application/x-www-form-urlencoded",
            HTTP_X_TWILIO_SIGNATURE=validator.compute_signature(callback, params),
        )
        assert response.status_code == 200, response.content
        twilio["posted"] += 1
    return {"sendgrid": result, "twilio": twilio}


def _settle(campaign_id: int) -> dict:
    """The next runs of the schedules: unknowns without a receipt are queued again and sent;
    reminders left leased (every recipient refused, a worker's task failed) are taken over
    once their lease has expired."""
    from notifications import tasks
    from notifications.services import LEASE

    report = {"outbound": tasks.outbound_sweep(), "campaign": tasks.campaign_work(campaign_id)}
    report["completed"] = tasks.outbound_sweep()["completed"]
    with time_machine.travel(datetime.now().astimezone() + LEASE + timedelta(minutes=1)):
        report["reminders"] = tasks.deadline_reminders_sweep()
    return report


def _report(campaign_id: int) -> dict:
    from django.core.management import call_command

    from incidents.models import IncidentEvent, Obligation
    from notifications.campaigns.models import Campaign, Delivery, OutboundMessage
    from notifications.models import ReminderAttempt

    deliveries = [
        {"ref": f"d{d.pk}", "channel": d.channel, "state": d.state, "contact": d.recipient.contact}
        for d in Delivery.objects.filter(campaign_id=campaign_id).select_related("recipient")
    ]
    attempts = list(
        ReminderAttempt.objects.values(
            "pk", "obligation_id", "step_key", "status", "covered_by_id", "tries", "results"
        )
    )
    events = list(
        IncidentEvent.objects.filter(kind="reminder_sent").values_list("payload", flat=True)
    )
    messages = [
        {
            "reference": m.reference,
            "receipt_ref": m.receipt_ref,
            "to": m.to,
            "state": m.state,
            "attempts": [link.attempt_id for link in m.reminder_links.all()],
        }
        for m in OutboundMessage.objects.prefetch_related("reminder_links")
    ]
    audit = io.StringIO()
    call_command("verify_audit", stdout=audit, stderr=audit)
    campaign = Campaign.objects.get(pk=campaign_id)
    return {
        "campaign_status": campaign.status,
        "deliveries": deliveries,
        "attempts": attempts,
        "reminder_events": [{"attempt_id": e["attempt_id"], "steps": e["steps"]} for e in events],
        "outbound": messages,
        "obligations": {
            o.pk: {"status": o.status, "evidence": o.evidence} for o in Obligation.objects.all()
        },
        "audit": audit.getvalue(),
    }


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "breachdesk.settings.dev")
    import django

    django.setup()
    command, args = argv[0], argv[1:]
    if command == "setup":
        result = _setup(int(args[0]), int(args[1]), float(args[2]), float(args[3]))
    elif command == "work":
        result = _work(args[0], Path(args[1]), int(args[2]))
    else:
        result = {
            "receipts": _receipts(args[1]),
            "settled": _settle(int(args[0])),
            **_report(int(args[0])),
        }
    sys.stdout.write(json.dumps(result, default=str) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
