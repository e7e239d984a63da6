"""A processor's incident: one notice per customer, sent with delivery proof, meets both clocks."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.test import Client, override_settings

from incidents.models import AuditEntry, Obligation
from notifications.campaigns.models import OutboundMessage
from notifications.filings.models import Filing
from tests.conftest import client_for, make_user, sign_in_verified, utc
from tests.filings.conftest import AWARE as CONTROLLER_AWARE
from tests.filings.conftest import draft
from tests.intake.test_concurrency import run_concurrently
from tests.notifications.fakes import FakeSendGrid, Received, Reply

AWARE = utc(2026, 4, 14, 8)


def customer(api, name, email, hours, language="fr"):
    response = api["dpo"].post(
        "/api/v1/parties/",
        {
            "kind": "customer",
            "name": name,
            "contact_name": "Claire Controller",
            "email": email,
            "language": language,
            "notice_hours": hours,
            "contract_reference": "DPA 2025-014 cl. 9.2" if hours else "",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def processor_incident(api, org):
    acme = customer(api, "Acme Retail SE", "privacy@acme.example", 36)
    beta = customer(api, "Beta Bank AG", "dpo@beta.example", None, language="de")
    host = api["dpo"].post(
        "/api/v1/parties/", {"kind": "sub_processor", "name": "Hosting AS"}, format="json"
    )
    assert host.status_code == 201, host.json()
    with time_machine.travel(AWARE + timedelta(minutes=10), tick=False):
        response = api["dpo"].post(
            "/api/v1/incidents/",
            {
                "title": "Backup bucket of two customers exposed",
                "summary": "A storage bucket with the customers' order exports was public.",
                "role": "processor",
                "controllers": [acme["id"], beta["id"]],
                "source_party": host.json()["id"],
                "source_notified_at": "2026-04-14T08:00:00Z",
                "aware_at": "2026-04-14T08:00:00Z",
                "detected_at": "2026-04-14T07:30:00Z",
                "countries": ["FR", "DE"],
                "subjects_count": 1200,
                "data_categories": ["identity", "contact"],
                "measures_taken": "Bucket made private; access logs under review.",
            },
            format="json",
        )
    assert response.status_code == 201, response.json()
    return {"incident": response.json(), "acme": acme, "beta": beta}


def duties(incident_id: int, party_id: int) -> dict[str, Obligation]:
    rows = Obligation.objects.filter(incident_id=incident_id, party_id=party_id)
    return {o.rule_code: o for o in rows}


@pytest.mark.django_db
def test_processor_sends_each_customer_its_notice_and_meets_both_clocks(api, processor_incident):
    incident = processor_incident["incident"]
    acme, beta = processor_incident["acme"], processor_incident["beta"]
    before = duties(incident["id"], acme["id"])
    assert set(before) == {"eu-gdpr-33-2-processor", "contract-notice"}
    with time_machine.travel(AWARE + timedelta(hours=5), tick=False):
        created = api["analyst"].post(
            f"/api/v1/incidents/{incident['id']}/filings/",
            {"obligation": before["eu-gdpr-33-2-processor"].pk, "phase": "initial"},
            format="json",
        )
        assert created.status_code == 201, created.json()
        filing = created.json()
        assert filing["regime"] == "processor"
        assert filing["language"] == "fr"  # the customer's language
        assert "Acme Retail SE" in filing["recipient"]
        assert filing["content"]["approx_subjects"] == {"count": 1200}
        assert filing["content"]["other_entities_involved"] == (
            "The breach happened at Hosting AS (Sub-processor we use); "
            "it told us on 2026-04-14T08:00:00Z."
        )
        assert filing["completeness"]["submittable"] is True
        url = f"/api/v1/filings/{filing['id']}/send/"
        assert api["analyst"].post(url).status_code == 403
        sent = api["dpo"].post(url)
        assert sent.status_code == 200, sent.json()
        again = api["dpo"].post(url)
    body = sent.json()
    assert body["status"] == "submitted"
    assert body["channel"] == "email"
    assert sorted(body["met_obligations"]) == ["contract-notice", "eu-gdpr-33-2-processor"]
    assert again.status_code == 409
    message = OutboundMessage.objects.get(incident_id=incident["id"])
    assert message.to == "privacy@acme.example"
    assert message.purpose == "controller_notice"
    assert message.state == "sent"
    assert "Notification d'une violation de données au responsable du traitement" in message.body
    assert "A storage bucket with the customers' order exports was public." in message.body
    assert "<html" in message.html_body
    after = duties(incident["id"], acme["id"])
    for duty in after.values():
        assert duty.status == "met", duty.rule_code  # on time for both clocks
        assert duty.met_at == AWARE + timedelta(hours=5)
        assert duty.evidence["delivery"]["outbound_message_id"] == message.pk
        assert duty.evidence["delivery"]["state"] == "sent"
        assert duty.evidence["filing_id"] == filing["id"]
    # The other customer's duty is still open: each customer gets its own notice.
    assert duties(incident["id"], beta["id"])["eu-gdpr-33-2-processor"].status == "pending"


@pytest.mark.django_db
def test_sending_on_a_running_clock_submits_at_the_sending_time(api, processor_incident):
    """The provider accepts the e-mail a few milliseconds after the request began: the first
    send must submit the filing and meet both clocks (it used to answer 400 "submitted_at
    cannot be in the future" after the e-mail had gone out, leaving the filing a draft)."""
    incident = processor_incident["incident"]
    acme = processor_incident["acme"]
    before = duties(incident["id"], acme["id"])
    with time_machine.travel(AWARE + timedelta(hours=5), tick=True):
        created = api["dpo"].post(
            f"/api/v1/incidents/{incident['id']}/filings/",
            {"obligation": before["eu-gdpr-33-2-processor"].pk, "phase": "initial"},
            format="json",
        )
        assert created.status_code == 201, created.json()
        sent = api["dpo"].post(f"/api/v1/filings/{created.json()['id']}/send/")
    assert sent.status_code == 200, sent.json()
    assert sent.json()["status"] == "submitted"
    message = OutboundMessage.objects.get(incident_id=incident["id"])
    for duty in duties(incident["id"], acme["id"]).values():
        assert duty.status == "met", duty.rule_code
        assert duty.met_at == message.sent_at


@pytest.mark.django_db
def test_only_customer_notices_are_sent_by_breachdesk(api, assessed):
    with time_machine.travel(CONTROLLER_AWARE + timedelta(hours=26), tick=False):
        filing = draft(api, assessed["id"], "eu-gdpr-33-1-sa", "initial")
        response = api["dpo"].post(f"/api/v1/filings/{filing['id']}/send/")
    assert response.status_code == 409
    assert response.json()["field"] == "obligation"


@pytest.mark.django_db
def test_dpo_sends_a_customer_notice_from_the_admin(api, users, processor_incident):
    incident = processor_incident["incident"]
    beta = processor_incident["beta"]
    duty = duties(incident["id"], beta["id"])["eu-gdpr-33-2-processor"]
    dpo = users["dpo"]
    dpo.is_staff = True
    dpo.save()
    client = Client()
    sign_in_verified(client, dpo)
    with time_machine.travel(AWARE + timedelta(hours=3), tick=False):
        created = client.post(
            "/admin/filings/filing/add/",
            {"incident": incident["id"], "obligation": duty.pk, "phase": "initial"},
        )
        assert created.status_code == 302
        filing_id = int(created["Location"].rstrip("/").split("/")[-2])
        page = client.get(f"/admin/filings/filing/{filing_id}/send/")
        assert "dpo@beta.example" in page.content.decode()
        sent = client.post(f"/admin/filings/filing/{filing_id}/send/")
    assert sent.status_code == 302
    assert Obligation.objects.get(pk=duty.pk).status == "met"
    message = OutboundMessage.objects.get(incident_id=incident["id"], to="dpo@beta.example")
    assert "Meldung einer Verletzung" in message.body  # Beta Bank reads German


class SlowSendGrid(FakeSendGrid):
    """Takes half a second to accept an e-mail: the window in which a colleague acts."""

    def default_reply(self, received: Received) -> Reply:
        time.sleep(0.5)
        return super().default_reply(received)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_notice_in_flight_and_a_recorded_submission_race_for_one_obligation(
    api, processor_incident, users
):
    """DPO A sends the notice to the customer (processor -> controller, by e-mail); while the
    provider holds the e-mail, DPO B records the same filing as made through the customer's
    portal. Two threads, each with its own database connection. One submission wins and
    meets the duties; the other gets 409; the e-mail that went out is not lost from the
    record (it is on the audit trail with its proof), nothing is half-written."""
    incident = processor_incident["incident"]
    acme = processor_incident["acme"]
    before = duties(incident["id"], acme["id"])
    second = client_for(make_user("dpo", username="dpo-two"))
    with (
        SlowSendGrid() as sendgrid,
        override_settings(SENDGRID_API_KEY="SG.race", SENDGRID_API_HOST=sendgrid.url),
        time_machine.travel(AWARE + timedelta(hours=5), tick=True),
    ):
        created = api["dpo"].post(
            f"/api/v1/incidents/{incident['id']}/filings/",
            {"obligation": before["eu-gdpr-33-2-processor"].pk, "phase": "initial"},
            format="json",
        )
        assert created.status_code == 201, created.json()
        filing_id = created.json()["id"]

        def act(index: int):
            if index == 0:
                return api["dpo"].post(f"/api/v1/filings/{filing_id}/send/")
            deadline = time.monotonic() + 20
            while not sendgrid.received:  # the e-mail is with the provider now
                assert time.monotonic() < deadline
                time.sleep(0.005)
            return second.post(
                f"/api/v1/filings/{filing_id}/submit/",
                {
                    "submitted_at": (AWARE + timedelta(hours=5)).isoformat(),
                    "channel": "portal",
                    "authority_reference": "ACME-PORTAL-7",
                },
                format="json",
            )

        sent, recorded = run_concurrently(2, act)

    assert (sent.status_code, recorded.status_code) == (409, 200), sent.content
    assert len(sendgrid.received) == 1  # the customer got the e-mail once
    filing = Filing.objects.get(pk=filing_id)
    assert filing.status == "submitted"
    assert (filing.channel, filing.authority_reference) == ("portal", "ACME-PORTAL-7")
    assert AuditEntry.objects.filter(action="filing.submitted", object_id=filing_id).count() == 1
    for duty in duties(incident["id"], acme["id"]).values():
        assert duty.status == "met", duty.rule_code
        assert duty.evidence["filing_id"] == filing_id
        assert duty.evidence["channel"] == "portal"  # one winner's evidence, not a mix
    message = OutboundMessage.objects.get(incident_id=incident["id"])
    assert message.state == "sent"
    # The loser is told what happened, and the e-mail is on the audit trail.
    assert "e-mail" in sent.json()["detail"].lower()
    assert sent.json()["delivery"]["outbound_message_id"] == message.pk
    [late] = AuditEntry.objects.filter(action="filing.notice_sent_after_submission")
    assert late.data["delivery"]["outbound_message_id"] == message.pk
