"""kill -9 a sending worker three times mid-campaign: every recipient still gets ONE message.

Worker processes run `manage.py campaign_send` against a shared SQLite file (WAL) and the
REAL sendgrid library against a fake SendGrid in this process (50 ms per request, 10
personalizations per request). Each worker is killed with SIGKILL once the fake has taken a
few more requests, often while a request is in flight. A final worker takes the abandoned
chunk over when its lease expires: rows its dead predecessor had handed over become
`unknown`, never resent blindly. SendGrid's signed `processed` events (posted through the
real webhook) settle them; the rest are queued again and sent by a last pass.
"""

import base64
import json
import time
from collections import Counter
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.notifications.fakes import FakeSendGrid, Received, Reply
from tests.procs import kill9, run, spawn, worker_env

RECIPIENTS = 300
BATCH = 10
KILLS = 3


class SlowSendGrid(FakeSendGrid):
    """Like SendGrid: reads the whole request, takes 50 ms, answers 202 with X-Message-Id."""

    def default_reply(self, received: Received) -> Reply:
        time.sleep(0.05)
        return super().default_reply(received)


def _env(tmp_path: Path, fake_url: str, public_key: str) -> dict[str, str]:
    return worker_env(
        f"sqlite:///{tmp_path / 'kill.sqlite3'}",
        tmp_path,
        ALLOWED_HOSTS="testserver",
        SENDGRID_API_KEY="SG.kill-test",
        SENDGRID_API_HOST=fake_url,
        SENDGRID_WEBHOOK_PUBLIC_KEY=public_key,
        NOTIFICATIONS_EMAIL_BATCH=str(BATCH),
        NOTIFICATIONS_LEASE_SECONDS="2",
        NOTIFICATIONS_UNKNOWN_WAIT_MINUTES="0",
        NOTIFICATIONS_RETRY_BACKOFF_SECONDS="0",
    )


def _refs(fake: FakeSendGrid) -> list[tuple[str, str]]:
    """(our ref, the email) of every personalization the fake received."""
    return [
        (p["custom_args"]["breachdesk_ref"], p["to"][0]["email"])
        for request in fake.received
        for p in request.json()["personalizations"]
    ]


def test_three_kill_9s_mid_campaign_and_every_recipient_gets_exactly_one_message(tmp_path):
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with SlowSendGrid() as fake:
        env = _env(tmp_path, fake.url, base64.b64encode(public).decode())
        run(["manage.py", "migrate", "-v0"], env)
        setup = json.loads(
            run(["-m", "tests.notifications.campaign_worker", "setup", str(RECIPIENTS)], env)
        )
        campaign_id = setup["campaign_id"]

        killed_after = []
        for kill in range(KILLS):
            worker = spawn(["manage.py", "campaign_send", str(campaign_id)], env)
            target = len(fake.received) + 3 + 2 * kill
            deadline = time.monotonic() + 60
            while len(fake.received) < target:
                assert worker.poll() is None, "the worker finished before it could be killed"
                assert time.monotonic() < deadline, "the worker made no progress"
                time.sleep(0.005)
            time.sleep(0.02 * kill)  # vary the moment: before, during, after a request
            kill9(worker)
            killed_after.append(len(fake.received))

        # A fresh worker finishes (taking over the dead worker's chunk after its lease).
        first_pass = run(["manage.py", "campaign_send", str(campaign_id)], env)
        sent_before_receipts = len(_refs(fake))

        # SendGrid reports what it accepted; unknowns without a receipt are queued again.
        accepted = [
            (p["custom_args"]["breachdesk_ref"], f"sg-msg-{n:04d}")
            for n, request in enumerate(fake.received, start=1)
            for p in request.json()["personalizations"]
        ]
        receipts_file = tmp_path / "receipts.json"
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        receipts_file.write_text(json.dumps({"private_key": pem, "accepted": accepted}))
        settled = json.loads(
            run(["-m", "tests.notifications.campaign_worker", "receipts", str(receipts_file)], env)
        )
        out = run(["manage.py", "campaign_send", str(campaign_id)], env)

    per_email = Counter(email for _, email in _refs(fake))
    per_ref = Counter(ref for ref, _ in _refs(fake))
    assert len(per_email) == RECIPIENTS  # everybody got the notice ...
    assert set(per_email.values()) == {1}  # ... exactly once
    assert set(per_ref.values()) == {1}
    assert "completed" in out
    assert "sent 300" in out
    # The kills really interrupted the campaign, and something was left to settle.
    assert killed_after[-1] < RECIPIENTS // BATCH
    assert sent_before_receipts <= RECIPIENTS
    assert settled["received"] == sent_before_receipts
    # The first kill lands while a request is in flight: its rows were neither resent nor
    # lost but marked unknown, then settled by the receipts.
    assert "unknown" in first_pass
    print(  # noqa: T201 (the counts for the issue note, shown with pytest -s)
        f"kill -9 after requests {killed_after}; after restart: {first_pass.strip()}; "
        f"personalizations before receipts "
        f"{sent_before_receipts}; requeued after receipts {settled['requeued']}; "
        f"total messages {sum(per_email.values())} to {len(per_email)} recipients"
    )
