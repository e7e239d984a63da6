"""Recipient import: per-row validation, report, duplicates, encryption, population feedback."""

import io
import logging
from datetime import timedelta

import pytest
import time_machine
from django.db import connection

from incidents.models import AuditEntry
from incidents.services.incidents import incident_update
from notifications.campaigns import services
from notifications.models import Campaign, Recipient
from tests.conftest import client_for, make_user
from tests.notifications.conftest import CA_AWARE, CONTENT, csv_bytes

HEADER = ["email", "phone", "language", "region", "name", "account"]


def _campaign(incident, actor) -> Campaign:
    return services.campaign_create(
        incident_id=incident.pk, actor=actor, name="Notice", channels=["email"], content=CONTENT
    )


@pytest.mark.django_db
def test_csv_import_reports_bad_rows_by_line_drops_duplicates_and_keeps_going(ca_breach, assignee):
    campaign = _campaign(ca_breach, assignee)
    data = csv_bytes(
        HEADER,
        [
            ["ann@example.com", "+1 415 555 2671", "en", "US-CA", "Ann", "A-1"],  # line 2
            ["not-an-email", "", "en", "US-CA", "Bob", "A-2"],  # 3: bad email
            ["carl@example.com", "12", "en", "US-CA", "Carl", "A-3"],  # 4: bad phone
            ["dora@example.com", "", "xx", "US-CA", "Dora", "A-4"],  # 5: bad language
            ["eve@example.com", "", "en", "ZZ-99", "Eve", "A-5"],  # 6: bad region
            ["", "", "en", "US-CA", "Nobody", ""],  # 7: unreachable
            ["ANN@example.com", "", "en", "US-CA", "Ann again", "A-1"],  # 8: duplicate e-mail
            ["fay@example.com", "(415) 555-0199", "de-at", "US-CA", "Fay", "A-6"],  # 9: ok
            ["", "+49 30 901820", "de", "", "Gus", "A-7"],  # 10: region from the phone
        ],
    )
    with time_machine.travel(CA_AWARE + timedelta(hours=1), tick=False):
        run = services.campaign_import_csv(
            campaign_id=campaign.pk, stream=io.BytesIO(data), actor=assignee, filename="list.csv"
        )
    assert (run.rows, run.accepted, run.duplicates, run.rejected) == (9, 3, 1, 5)
    assert [(r["line"], r["reasons"][0].split(":")[0]) for r in run.rejected_rows] == [
        (3, "email"),
        (4, "phone"),
        (5, "language"),
        (6, "region"),
        (7, "no email, phone or address"),
    ]
    people = {r.contact["name"]: r for r in Recipient.objects.filter(campaign=campaign)}
    assert sorted(people) == ["Ann", "Fay", "Gus"]
    assert people["Fay"].contact["phone"] == "+14155550199"  # national format -> E.164
    assert people["Fay"].language == "de-AT"
    assert (people["Gus"].region, people["Gus"].contact["phone"]) == ("DE", "+4930901820")
    assert people["Ann"].contact["fields"] == {"account": "A-1"}
    campaign.refresh_from_db()
    assert campaign.region_counts == {"US-CA": 2, "DE": 1}
    assert (campaign.recipients_count, campaign.duplicates_count, campaign.rejected_count) == (
        3,
        1,
        5,
    )


@pytest.mark.django_db
def test_contacts_are_encrypted_at_rest_and_deduplicated_by_a_keyed_hash(ca_breach, assignee):
    campaign = _campaign(ca_breach, assignee)
    services.campaign_import_rows(
        campaign_id=campaign.pk,
        rows=[{"email": "secret.person@example.com", "phone": "+14155552671", "name": "Sec"}],
        actor=assignee,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact, dedup_key FROM notifications_recipient")
        [(stored, key)] = cursor.fetchall()
    assert "secret.person" not in stored
    assert "4155552671" not in stored
    assert stored.startswith("gAAAA")  # a Fernet token
    assert len(key) == 32
    assert "secret" not in key


@pytest.mark.django_db
def test_region_counts_of_the_real_list_feed_the_population_and_its_thresholds(ca_breach, assignee):
    ag = ca_breach.obligations.get(rule_code="us-ca-1798-82-ag")
    assert ag.status == "not_required"  # 100 Californians: below the AG threshold of 501
    campaign = _campaign(ca_breach, assignee)
    rows = [{"email": f"p{n}@example.com", "region": "US-CA"} for n in range(600)]
    with time_machine.travel(CA_AWARE + timedelta(hours=1), tick=False):
        services.campaign_import_rows(campaign_id=campaign.pk, rows=rows, actor=assignee)
    ca_breach.refresh_from_db()
    assert ca_breach.residents == {"US-CA": 600}
    assert ca_breach.subjects_count == 600
    # More than 500 Californians: the Attorney General duty now exists (it follows the notice).
    ag.refresh_from_db()
    assert ag.status != "not_required"
    assert ca_breach.events.filter(kind="updated").exists()


@pytest.mark.django_db
def test_contact_data_never_reaches_the_logs(
    ca_breach, assignee, caplog, sendgrid, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    campaign = _campaign(ca_breach, assignee)
    data = csv_bytes(
        HEADER,
        [
            ["leaky.lou@example.com", "+1 415 555 2671", "en", "US-CA", "Lou Leaky", "X-77"],
            ["broken@@example.com", "+1 415 555 0000", "en", "US-CA", "Bad Bert", "X-78"],
        ],
    )
    sendgrid.reply_next(400, sendgrid.error(400, "Does not contain a valid address.", "to"))
    with time_machine.travel(CA_AWARE + timedelta(hours=1), tick=False):
        services.campaign_import_csv(
            campaign_id=campaign.pk, stream=io.BytesIO(data), actor=assignee
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.campaign_start(campaign_id=campaign.pk, actor=assignee)
    assert len(sendgrid.received) == 1  # the contact did go out, to the provider only
    text = caplog.text + "".join(str(r.args) for r in caplog.records)
    for secret in ("leaky.lou", "4155552671", "415 555 2671", "Lou Leaky", "broken@@", "Bad Bert"):
        assert secret not in text


@pytest.mark.django_db
def test_import_api_takes_csv_uploads_and_json_rows_with_permissions(ca_breach, assignee):
    dpo, viewer = make_user("dpo"), make_user("viewer")
    api = client_for(dpo)
    created = api.post(
        f"/api/v1/incidents/{ca_breach.pk}/campaigns/",
        {"name": "Notice", "channels": ["email", "sms"], "content": CONTENT},
        format="json",
    )
    assert created.status_code == 201, created.json()
    campaign_id = created.json()["id"]
    upload = io.BytesIO(csv_bytes(HEADER, [["a@example.com", "", "en", "US-CA", "A", "1"]]))
    upload.name = "people.csv"
    response = api.post(
        f"/api/v1/campaigns/{campaign_id}/imports/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["accepted"] == 1
    report = api.get(f"/api/v1/campaigns/{campaign_id}/imports/{response.json()['id']}/")
    assert report.json()["rows"] == 1
    bulk = api.post(
        f"/api/v1/campaigns/{campaign_id}/recipients/",
        {"rows": [{"email": "b@example.com"}, {"email": "nope"}, "not an object"]},
        format="json",
    )
    assert bulk.status_code == 201
    assert [r["line"] for r in bulk.json()["rejected_rows"]] == [2, 3]
    empty = io.BytesIO(b"")
    empty.name = "empty.csv"
    bad = api.post(f"/api/v1/campaigns/{campaign_id}/imports/", {"file": empty}, format="multipart")
    assert bad.status_code == 400
    assert bad.json()["field"] == "file"
    assert (
        client_for(viewer)
        .post(f"/api/v1/campaigns/{campaign_id}/recipients/", {"rows": []}, format="json")
        .status_code
        == 403
    )
    assert client_for(viewer).get(f"/api/v1/campaigns/{campaign_id}/").status_code == 200
    wrong = api.post(
        f"/api/v1/incidents/{ca_breach.pk}/campaigns/",
        {"name": "X", "channels": ["fax"]},
        format="json",
    )
    assert wrong.status_code == 400
    assert wrong.json()["field"] == "channels"


@pytest.mark.django_db
def test_a_small_list_never_shrinks_the_population_the_team_stated(ca_breach, assignee):
    """A pilot of two people in a 100-resident breach: the stated 100 stay."""
    campaign = _campaign(ca_breach, assignee)
    rows = [
        {"email": "one@example.com", "region": "US-CA"},
        {"email": "two@example.com", "region": "US-NY"},
    ]
    with time_machine.travel(CA_AWARE + timedelta(hours=1), tick=False):
        services.campaign_import_rows(campaign_id=campaign.pk, rows=rows, actor=assignee)
    ca_breach.refresh_from_db()
    assert ca_breach.residents == {"US-CA": 100, "US-NY": 1}
    assert ca_breach.subjects_count == 101  # the New Yorker is one more person
    campaign.refresh_from_db()
    assert campaign.region_counts == {"US-CA": 1, "US-NY": 1}


@pytest.mark.django_db
def test_people_in_new_regions_raise_the_stated_total_instead_of_failing_the_import(
    ca_breach, assignee
):
    """100 Californians stated (subjects_count 100) and 5 Germans on the list: 105 people."""
    campaign = _campaign(ca_breach, assignee)
    rows = [{"email": f"d{n}@example.com", "region": "DE"} for n in range(5)]
    with time_machine.travel(CA_AWARE + timedelta(hours=1), tick=False):
        services.campaign_import_rows(campaign_id=campaign.pk, rows=rows, actor=assignee)
    ca_breach.refresh_from_db()
    campaign.refresh_from_db()
    assert ca_breach.residents == {"US-CA": 100, "DE": 5}
    assert ca_breach.subjects_count == 105
    assert (campaign.recipients_count, campaign.region_counts) == (5, {"DE": 5})


@pytest.mark.django_db
def test_a_population_the_incident_refuses_leaves_the_import_and_its_counts_standing(
    ca_breach, assignee
):
    """The team capped the population at 100 (subjects_max): 150 people on the list are
    kept and counted on the campaign; the incident is not changed and the audit says why."""
    incident_update(
        incident_id=ca_breach.pk, actor=assignee, changes={"subjects_max": 100}, now=CA_AWARE
    )
    campaign = _campaign(ca_breach, assignee)
    rows = [{"email": f"p{n}@example.com", "region": "US-CA"} for n in range(150)]
    with time_machine.travel(CA_AWARE + timedelta(hours=1), tick=False):
        services.campaign_import_rows(campaign_id=campaign.pk, rows=rows, actor=assignee)
    ca_breach.refresh_from_db()
    campaign.refresh_from_db()
    assert (ca_breach.residents, ca_breach.subjects_count) == ({"US-CA": 100}, 100)
    assert (campaign.recipients_count, campaign.region_counts) == (150, {"US-CA": 150})
    entry = AuditEntry.objects.filter(action="campaign.recipients_imported").latest("seq")
    assert "subjects_max" in entry.data["population_not_updated"]
