"""A sweep worker in its own process, for the multi-process exactly-once test.

    python -m tests.notifications.sweep_worker setup AWARE_AT [DUTIES]
    python -m tests.notifications.sweep_worker race DIR WORKER_NO AT [AT ...]

In round n a racing worker touches DIR/ready-n-WORKER_NO, waits for DIR/go-n, sweeps at
the n-th instant and prints its report as one JSON line.

Each process has its own database connection to the same SQLite file (WAL, IMMEDIATE
transactions), like django-q2 worker processes. The clock is frozen with time-machine so
that every worker sweeps at exactly the same instant.
"""

import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path

import time_machine


def _setup(aware_at: datetime, duties: int = 1) -> dict:
    from django.contrib.auth import get_user_model

    from incidents.models import Incident, Obligation, Organization
    from incidents.services.incidents import incident_create
    from incidents.services.obligations import obligation_waive

    user = get_user_model().objects.create_user(username="alice", email="alice@example.test")
    Organization.objects.create(
        legal_name="Beispiel GmbH",
        country="DE",
        dpo_email="dora.dpo@example.test",
        dpo_phone="+4930901820",
    )
    incident = incident_create(
        actor=user,
        now=aware_at,
        data={"title": "Race", "aware_at": aware_at, "countries": ["DE"], "assignee": user},
    )
    duty = incident.obligations.running().get(
        audience="supervisory_authority", due_at__isnull=False
    )
    # The race is about one duty: the others (people's notice, worked against an internal
    # target) are waived so that every round has exactly one reminder to claim.
    for other in incident.obligations.open().exclude(pk=duty.pk):
        obligation_waive(
            obligation_id=other.pk, actor=user, justification="Not part of this race", now=aware_at
        )
    # More incidents with the same duty, assignee and DPO: their reminders are due together
    # (a digest per recipient).
    for number in range(1, duties):
        clone = Incident.objects.get(pk=incident.pk)
        clone.pk, clone.reference = None, f"BD-R-{number:04d}"
        clone.save(force_insert=True)
        twin = Obligation.objects.get(pk=duty.pk)
        twin.pk, twin.incident = None, clone
        twin.save(force_insert=True)
    return {"obligation_id": duty.pk, "due_at": duty.due_at.isoformat()}


def _race(directory: Path, worker: str, moments: list[datetime]) -> None:
    from django.db import connection

    from notifications.services import reminders_sweep

    connection.ensure_connection()
    for n, at in enumerate(moments):
        (directory / f"ready-{n}-{worker}").touch()
        go, deadline = directory / f"go-{n}", time.monotonic() + 60
        while not go.exists():  # a cross-process barrier: all workers start together
            if time.monotonic() > deadline:
                raise SystemExit(f"no go signal for round {n}")
            time.sleep(0.0005)
        with time_machine.travel(at, tick=False):
            report = reminders_sweep().as_dict()
        sys.stdout.write(json.dumps({"round": n, **report}) + "\n")
        sys.stdout.flush()


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "breachdesk.settings.dev")
    import django

    django.setup()
    if argv[0] == "setup":
        at = datetime.fromisoformat(argv[1])
        with time_machine.travel(at, tick=False):
            duties = int(argv[2]) if len(argv) > 2 else 1
            sys.stdout.write(json.dumps(_setup(at, duties)) + "\n")
    else:
        _race(Path(argv[1]), argv[2], [datetime.fromisoformat(a) for a in argv[3:]])


if __name__ == "__main__":
    main(sys.argv[1:])
