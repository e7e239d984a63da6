"""Integrations: `manage.py create_integration`, token rotation, the admin. Tokens are shown
once and stored only as a hash."""

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from incidents.intake.models import Integration
from incidents.models import AuditEntry
from tests.conftest import sign_in_verified

pytestmark = pytest.mark.django_db


def create(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_integration", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_prints_the_token_once_and_stores_its_hash(post):
    out, err = create(
        "prod-alertmanager",
        "--source",
        "alertmanager",
        "--group-by",
        "alertname,cluster",
        "--group-window",
        "15",
        "--rate-limit",
        "120",
        "--propose-awareness",
        "received",
    )
    token = out.strip()
    integration = Integration.objects.get(name="prod-alertmanager")
    assert token.startswith(integration.token_prefix)
    assert integration.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Integration.objects.values().get())  # never stored in clear
    assert integration.token_prefix in err
    assert token not in err
    assert (
        integration.source,
        integration.group_by,
        integration.group_window_minutes,
        integration.rate_limit_per_minute,
        integration.propose_awareness,
    ) == ("alertmanager", ["alertname", "cluster"], 15, 120, "received")
    assert AuditEntry.objects.filter(action="integration.created").exists()
    response = post("alertmanager", {"alerts": []}, token=token)
    assert response.status_code == 400  # authenticated, then the body is checked


def test_command_with_signing_secret_prints_both():
    out, _ = create("signed", "--source", "generic", "--signing-secret")
    token, secret = out.split()
    assert Integration.objects.get(name="signed").signing_secret == secret
    assert token != secret


def test_rotation_revokes_the_old_token(post):
    old, _ = create("rotating", "--source", "generic")
    new, _ = create("rotating", "--rotate")
    assert post("generic", {"title": "x"}, token=old.strip()).status_code == 401
    assert post("generic", {"title": "x"}, token=new.strip()).status_code == 202


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("x",), "--source is required"),
        (("dup", "--source", "generic"), "already exists"),
        (("missing", "--rotate"), "No integration named"),
        (("neg", "--source", "generic", "--rate-limit", "-1"), "must not be negative"),
    ],
)
def test_command_errors(args, message):
    create("dup", "--source", "generic")
    with pytest.raises(CommandError, match=message):
        create(*args)


def test_admin_creates_an_integration_and_shows_the_token_once(client, users, post):
    admin_user = users["admin"]
    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    sign_in_verified(client, admin_user)
    response = client.post(
        "/admin/intake/integration/add/",
        {
            "name": "team-grafana",
            "source": "grafana",
            "rate_limit_per_minute": 600,
            "group_by": "[]",
            "group_window_minutes": 60,
            "propose_awareness": "none",
            "is_active": "on",
            "with_signing_secret": "",
        },
        follow=True,
    )
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    token = next(m for m in messages if "Token for" in m).split("<code>")[1].split("</code>")[0]
    integration = Integration.objects.get(name="team-grafana")
    assert token.startswith(integration.token_prefix)
    assert post("grafana", {"alerts": []}, token=token).status_code == 400
    page = client.get(f"/admin/intake/integration/{integration.pk}/change/")
    assert token not in page.content.decode()
    assert client.get("/admin/intake/alert/").status_code == 200


def test_command_sets_a_tools_own_signing_secret_from_stdin(monkeypatch, post, frozen):
    import hashlib as _hashlib
    import hmac

    from tests.intake.conftest import NOW, fixture_bytes

    sentry_client_secret = "9f0c1e2d3b4a5968778695a4b3c2d1e0f"
    monkeypatch.setattr("sys.stdin", StringIO(sentry_client_secret + "\n"))
    out, err = create("prod-sentry", "--source", "sentry", "--signing-secret-stdin")
    token = out.strip()
    assert "Signing secret set" in err
    assert sentry_client_secret not in out + err
    body = fixture_bytes("sentry_event_alert")
    digest = hmac.new(sentry_client_secret.encode(), body, _hashlib.sha256).hexdigest()
    signed = {
        "Sentry-Hook-Resource": "event_alert",
        "Sentry-Hook-Timestamp": str(int(NOW.timestamp())),
        "Sentry-Hook-Signature": digest,
    }
    assert post("sentry", body, query=f"?token={token}", **signed).status_code == 202
    unsigned = post("sentry", body, query=f"?token={token}")
    assert unsigned.status_code == 401

    monkeypatch.setattr("sys.stdin", StringIO("short\n"))
    with pytest.raises(CommandError, match="at least 16"):
        create("prod-sentry", "--signing-secret-stdin")


def test_demo_data_prints_a_working_alert_token_and_a_fresh_one_each_run(post):
    def seed() -> str:
        out = StringIO()
        call_command("seed_demo", "--force", stdout=out)
        [line] = [ln for ln in out.getvalue().splitlines() if "Alert intake token" in ln]
        assert "curl -X POST" in out.getvalue()
        return line.rsplit(" ", 1)[-1]

    first = seed()
    accepted = post("generic", {"title": "Backup bucket made public"}, token=first)
    assert accepted.status_code == 202
    second = seed()
    assert second != first
    assert post("generic", {"title": "again"}, token=first).status_code == 401
    assert post("generic", {"title": "again"}, token=second).status_code == 202
    assert Integration.objects.filter(name="demo-monitoring").count() == 1
