"""Chaos: kill -9 a worker mid-campaign three times while the providers fail 20% of requests
(429, 500, or no answer in time) and the database connection drops for a moment, three
times. Afterwards every recipient has exactly one delivered message, every reminder due in
the window went out once, and no obligation lost its state.

Runs on the backend of the pass: worker processes share a SQLite file (WAL) in the SQLite
pass, a scratch database with Redis as broker and cache in the PostgreSQL pass. The drop is
real on both: PostgreSQL sessions are cut by the server (pg_terminate_backend, what a
failover does); on SQLite, where there is no server to lose, each worker's own connection
is interrupted (sqlite3's interrupt(): statements fail with OperationalError) for 0.3 s.

The providers are the fakes of tests/notifications/fakes.py (SendGrid, Twilio wire protocol)
with faults. "Delivered" is counted at the provider: a request it took (2xx, or a timeout
after which it delivered anyway); 429, 500 and a timeout after which it dropped the request
deliver nothing. Afterwards the providers post their receipts (SendGrid events, Twilio
status callbacks, signed) through the real endpoints, and the schedules run once more.
"""

import base64
import json
import random
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import cycle
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.notifications.fakes import FakeSendGrid, FakeTwilio, Received, Reply
from tests.procs import (
    ON_POSTGRESQL,
    kill9,
    pg_terminate,
    run,
    run_json,
    spawn,
    stop_all,
    worker_env,
)

RECIPIENTS = 80  # each with an e-mail address and a phone number: 160 campaign deliveries
DUTIES = 5  # authority deadlines whose 24-hours-left reminder comes due during the storm
SPACING = 2  # seconds between those reminders
LEAD_SECONDS = 10  # from the end of the set-up to the first of them (workers boot first)
KILLS = 3
DROPS = 3
FAULT_RATE = 0.2
LATENCY = 0.04  # seconds a provider takes to answer
PROVIDER_TIMEOUT = 1  # seconds (NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS)
FAULTS = ("429", "500", "timeout, delivered", "timeout, dropped")
TWILIO_SID = "AC" + "7" * 32
TWILIO_TOKEN = "chaos-token"
BASE_URL = "http://testserver"


class Faulty:
    """Fails FAULT_RATE of requests (seeded), cycling through FAULTS; records what it took."""

    def setup_faults(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.kinds = cycle(FAULTS)
        self.faults: Counter = Counter()
        self.delivered: list[Received] = []
        self.failing = True
        self.fault_lock = threading.Lock()

    def faulty_reply(self, received: Received, answer) -> Reply:
        with self.fault_lock:
            fault = next(self.kinds) if self.failing and self.random.random() < FAULT_RATE else ""
            if fault:
                self.faults[fault] += 1
        if fault in ("429", "500"):
            return self.refusal(int(fault))
        time.sleep(LATENCY)
        reply = answer(received)
        if fault != "timeout, dropped" and reply.status < 300:
            with self.fault_lock:
                self.delivered.append(received)
        if fault:
            time.sleep(PROVIDER_TIMEOUT + 0.5)  # the client has given up by now
        return reply if fault != "timeout, dropped" else self.refusal(500)

    def refusal(self, status: int) -> Reply:
        raise NotImplementedError


class FaultySendGrid(Faulty, FakeSendGrid):
    def default_reply(self, received: Received) -> Reply:
        return self.faulty_reply(received, self.created)

    def created(self, received: Received) -> Reply:
        reply = FakeSendGrid.default_reply(self, received)
        received.message_id = reply.headers.get("X-Message-Id", "")
        return reply

    def refusal(self, status: int) -> Reply:
        body = FakeSendGrid.error(status, "Too many requests" if status == 429 else "Oops")
        return Reply(status, json.dumps(body).encode(), {"Content-Type": "application/json"})

    def accepted(self) -> list[tuple[dict, str, str]]:
        """(custom args, address, message id) of every personalization delivered."""
        return [
            (p.get("custom_args", {}), p["to"][0]["email"], request.message_id)
            for request in self.delivered
            for p in request.json()["personalizations"]
        ]


class FaultyTwilio(Faulty, FakeTwilio):
    def default_reply(self, received: Received) -> Reply:
        return self.faulty_reply(received, self.created)

    def created(self, received: Received) -> Reply:
        reply = FakeTwilio.default_reply(self, received)
        received.message_id = json.loads(reply.body)["sid"]
        return reply

    def refusal(self, status: int) -> Reply:
        body = FakeTwilio.error(status, 20429 if status == 429 else 20500, "Unavailable")
        return Reply(status, json.dumps(body).encode(), {"Content-Type": "application/json"})

    def accepted(self) -> list[tuple[str, str, str, str]]:
        """(our ref, address, sid, status callback) of every SMS delivered."""
        out = []
        for request in self.delivered:
            form = request.form()
            callback = form.get("StatusCallback", "")
            ref = parse_qs(urlsplit(callback).query).get("ref", [""])[0]
            out.append((ref, form["To"], request.message_id, callback))
        return out


def _env(database_url: str, tmp_path: Path, sendgrid: str, twilio: str, public_key: str):
    return worker_env(
        database_url,
        tmp_path,
        ALLOWED_HOSTS="testserver",
        BREACHDESK_BASE_URL=BASE_URL,
        DEFAULT_FROM_EMAIL="breachdesk@example.test",
        SENDGRID_API_KEY="SG.chaos",
        SENDGRID_API_HOST=sendgrid,
        SENDGRID_WEBHOOK_PUBLIC_KEY=public_key,
        TWILIO_ACCOUNT_SID=TWILIO_SID,
        TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
        TWILIO_FROM_NUMBER="+15005550006",
        TWILIO_API_BASE=twilio,
        NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS=str(PROVIDER_TIMEOUT),
        NOTIFICATIONS_EMAIL_BATCH="10",
        NOTIFICATIONS_SMS_BATCH="10",
        NOTIFICATIONS_SMS_PER_SECOND="100",
        NOTIFICATIONS_LEASE_SECONDS="3",
        NOTIFICATIONS_RETRY_BACKOFF_SECONDS="0",
        Q_WORKERS="2",
    )


def _drop(tmp_path: Path, database_url: str, n: int) -> int:
    """The database goes away for a moment; how many sessions were cut (PostgreSQL)."""
    if ON_POSTGRESQL:
        name = database_url.rsplit("/", 1)[1]
        cut = pg_terminate(database=name)
        time.sleep(0.15)
        return cut + pg_terminate(database=name)  # and whoever reconnected at once
    (tmp_path / f"drop-{n}").touch()
    return 0


def test_kill_9_three_times_with_provider_faults_and_database_drops(tmp_path, worker_database):
    started = time.monotonic()
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with FaultySendGrid() as sendgrid, FaultyTwilio() as twilio:
        sendgrid.setup_faults(seed=15)
        twilio.setup_faults(seed=33)
        env = _env(
            worker_database, tmp_path, sendgrid.url, twilio.url, base64.b64encode(public).decode()
        )
        run(["manage.py", "migrate", "-v0"], env)
        phases = {"migrate": round(time.monotonic() - started, 1)}
        setup = run_json(
            [
                "-m",
                "tests.ops.chaos_worker",
                "setup",
                str(RECIPIENTS),
                str(DUTIES),
                str(LEAD_SECONDS),
                str(SPACING),
            ],
            env,
        )
        campaign_id = str(setup["campaign_id"])
        phases["setup"] = round(time.monotonic() - started, 1)
        first_step_at = datetime.fromisoformat(setup["first_step_at"])
        window_ends = first_step_at + timedelta(seconds=SPACING * DUTIES + 1)

        def worker(role: str):
            args = ["-m", "tests.ops.chaos_worker", "work", role, str(tmp_path), campaign_id]
            return spawn(args, env, log=tmp_path / "workers.log")

        def traffic() -> int:
            return len(sendgrid.received) + len(twilio.received)

        def campaign_delivered() -> int:
            emails = sum(_ref_kind(args) == "campaign" for args, _, _ in sendgrid.accepted())
            return emails + sum(ref.startswith("d") for ref, _, _, _ in twilio.accepted())

        sweeper, campaign = worker("sweep"), [worker("campaign"), worker("campaign")]
        killed, dropped, cut = [], 0, 0
        try:
            # kill -9 at three moments of the campaign, the database drops between them
            for target in (15, 45, 75):
                deadline = time.monotonic() + 40
                while traffic() < target:
                    assert time.monotonic() < deadline, "the workers made no progress"
                    assert sweeper.poll() is None, (tmp_path / "workers.log").read_text()
                    time.sleep(0.005)
                victim = campaign.pop(0)
                assert victim.poll() is None, "the worker finished before it could be killed"
                kill9(victim)
                killed.append(traffic())
                assert campaign_delivered() < 2 * RECIPIENTS, "killed after the campaign"
                campaign.append(worker("campaign"))
                if dropped < DROPS:
                    time.sleep(0.3)
                    cut += _drop(tmp_path, worker_database, dropped)
                    dropped += 1
            phases["kills"] = round(time.monotonic() - started, 1)
            # Quiet: the reminder window is over and the providers saw nothing for 4 s
            # (longer than a killed worker's 3 s lease).
            deadline, last, quiet_since = time.monotonic() + 45, -1, time.monotonic()
            while datetime.now(UTC) < window_ends or time.monotonic() - quiet_since < 3.5:
                assert time.monotonic() < deadline, "the campaign did not settle"
                if traffic() != last:
                    last, quiet_since = traffic(), time.monotonic()
                time.sleep(0.05)
            (tmp_path / "stop").touch()
            tallies = [json.loads(p.communicate(timeout=30)[0]) for p in [sweeper, *campaign]]
        finally:
            stop_all([p for p in [sweeper, *campaign] if p.returncode is None])
        storm_seconds = time.monotonic() - started

        # The storm is over: the providers report what they took; the schedules run again.
        sendgrid.failing = twilio.failing = False
        stamp = int(time.time())
        receipts = {
            "private_key": private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode(),
            "sendgrid_events": [
                {
                    **args,
                    "email": address,
                    "timestamp": stamp,
                    "event": "processed",
                    "sg_event_id": f"processed-{n}",
                    "sg_message_id": f"{message_id}.filter",
                }
                for n, (args, address, message_id) in enumerate(sendgrid.accepted())
            ],
            "twilio_callbacks": [
                [callback, {"MessageSid": sid, "MessageStatus": "sent", "To": to}]
                for _ref, to, sid, callback in twilio.accepted()
                if callback
            ],
        }
        (tmp_path / "receipts.json").write_text(json.dumps(receipts))
        report = run_json(
            [
                "-m",
                "tests.ops.chaos_worker",
                "finish",
                campaign_id,
                str(tmp_path / "receipts.json"),
            ],
            {**env, "NOTIFICATIONS_UNKNOWN_WAIT_MINUTES": "0"},
        )
        posted, settled = report["receipts"], report["settled"]
        email_taken, sms_taken = sendgrid.accepted(), twilio.accepted()

    # The storm happened: three kills mid-campaign, three drops, faults of every kind.
    assert len(killed) == KILLS
    assert dropped == DROPS
    if ON_POSTGRESQL:
        assert cut >= DROPS  # sessions were cut each time
    else:
        assert tallies[0]["drops"] == DROPS  # the sweeper saw each drop
        assert sum(t["statements_failed_by_drops"] for t in tallies) >= DROPS
    faults = sendgrid.faults + twilio.faults
    assert set(faults) == set(FAULTS), faults
    assert sum(faults.values()) >= 0.1 * (len(sendgrid.received) + len(twilio.received))

    # Every recipient has exactly one delivered message per channel, counted at the provider.
    campaign_email = Counter(a for args, a, _ in email_taken if _ref_kind(args) == "campaign")
    campaign_sms = Counter(to for ref, to, _, _ in sms_taken if ref.startswith("d"))
    assert len(campaign_email) == RECIPIENTS
    assert set(campaign_email.values()) == {1}
    assert len(campaign_sms) == RECIPIENTS
    assert set(campaign_sms.values()) == {1}
    assert report["campaign_status"] == "completed", settled
    states = Counter(d["state"] for d in report["deliveries"])
    assert sum(states.values()) == 2 * RECIPIENTS
    assert set(states) <= {"sent", "delivered"}, states

    # Every reminder due in the window: each step recorded once, each lead sent once.
    duty_ids = {d["id"] for d in setup["duties"]}
    attempts = [a for a in report["attempts"] if a["obligation_id"] in duty_ids]
    steps = Counter((a["obligation_id"], a["step_key"]) for a in attempts)
    assert set(steps) == {(i, k) for i in duty_ids for k in ("remaining-48h", "remaining-24h")}
    assert set(steps.values()) == {1}
    leads = [a for a in attempts if a["covered_by_id"] is None]
    sent = [a for a in leads if a["status"] == "sent"]
    # The documented exception (docs/notifications.md): when every recipient's request
    # failed and one had no answer in time, the reminder may have gone out; it is recorded
    # failed and not sent again (at most once). Rare: each of its recipients hit a fault.
    for lead in leads:
        if lead["status"] != "sent":
            assert lead["status"] == "failed", lead
            assert not any(r["accepted"] for r in lead["results"]), lead
            assert any(r["outcome_unknown"] for r in lead["results"]), lead
    events = Counter(e["attempt_id"] for e in report["reminder_events"])
    assert events == Counter(a["pk"] for a in sent)  # one timeline event per reminder sent
    # At the providers: no recipient got a reminder twice (on its own or in a digest, found
    # through the messages' links to the attempts they carried); every reminder reached
    # someone.
    by_receipt = {m["receipt_ref"]: m for m in report["outbound"]}
    reminder_deliveries = Counter(
        (args.get("breachdesk_receipt_ref"), address)
        for args, address, _ in email_taken
        if _ref_kind(args) == "reminder"
    ) + Counter((ref, to) for ref, to, _, _ in sms_taken if ref.startswith("m"))
    assert set(reminder_deliveries.values()) == {1}, reminder_deliveries
    per_attempt = Counter(
        (attempt, by_receipt[ref]["to"])
        for ref, _ in reminder_deliveries
        if ref in by_receipt
        for attempt in by_receipt[ref]["attempts"]
    )
    assert set(per_attempt.values()) == {1}, per_attempt
    reached = {attempt for attempt, _ in per_attempt}
    assert reached >= {a["pk"] for a in sent}
    assert reached <= {a["pk"] for a in leads}

    # No obligation lost its state: each is as before, but the duties the campaign's approved
    # notice serves, met by the completed campaign (it reached everyone the incident states).
    after = {int(k): v for k, v in report["obligations"].items()}
    changed = {k for k, v in setup["obligations"].items() if after[int(k)]["status"] != v}
    assert setup["campaign_duties"]
    assert {int(k) for k in changed} == set(setup["campaign_duties"])
    for pk in changed:
        assert after[int(pk)]["status"] == "met"
        assert after[int(pk)]["evidence"].get("campaign") == int(campaign_id)
    assert "intact" in report["audit"].lower(), report["audit"]

    print(  # noqa: T201 (the figures for the issue note, shown with pytest -s)
        f"seconds since start {phases}, storm over at {storm_seconds:.1f}, finished at "
        f"{time.monotonic() - started:.1f}; kills after {killed} requests; drops {dropped} "
        f"(sessions cut {cut}); faults {dict(faults)} of "
        f"{len(sendgrid.received) + len(twilio.received)} requests; "
        f"worker tasks failed {[t['failed'] for t in tallies]}; receipts {posted}; "
        f"settle {settled}; {RECIPIENTS} recipients x 2 channels delivered once; "
        f"{len(sent)} of {len(leads)} reminders sent, "
        f"{len(reminder_deliveries)} recipient deliveries"
    )


def _ref_kind(args: dict) -> str:
    ref = str(args.get("breachdesk_ref", ""))
    if ref.startswith("reminder-"):
        return "reminder"
    return "campaign" if ref[:1] == "d" and ref[1:].isdigit() else "other"
