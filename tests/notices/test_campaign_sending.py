"""A campaign sends an APPROVED notice version (issue 12 on top of issue 11)."""

import pytest
from django.test import override_settings

from incidents.models import IncidentEvent
from notifications.models import Delivery, Rendition
from notifications.notices.models import NoticeVersion
from notifications.notices.render import render
from tests.notices.conftest import INCIDENT
from tests.notifications.fakes import FakeSendGrid


def version_of(notice: dict) -> NoticeVersion:
    return NoticeVersion.objects.get(notice_id=notice["id"], number=1)


def create(api, incident, version_id):
    return api["dpo"].post(
        f"/api/v1/incidents/{incident}/campaigns/",
        {"name": "Notice to customers", "channels": ["email"], "notice_version": version_id},
        format="json",
    )


@pytest.mark.django_db
def test_only_an_approved_notice_version_can_be_sent(
    api, incident, drafted, django_capture_on_commit_callbacks
):
    [notice] = drafted
    version = version_of(notice)
    refused = create(api, incident, version.pk)
    assert refused.status_code == 409
    assert refused.json()["field"] == "notice_version"
    assert "not approved" in refused.json()["detail"]
    assert create(api, incident, 999_999).status_code == 404
    by_notice = api["dpo"].post(
        f"/api/v1/incidents/{incident}/campaigns/",
        {"name": "N", "channels": ["sms"], "notice": notice["id"]},
        format="json",
    )
    assert by_notice.status_code == 409
    assert by_notice.json()["field"] == "notice"

    approved = api["dpo"].post(
        f"/api/v1/notices/{notice['id']}/approve/", {"version": 1}, format="json"
    )
    assert approved.status_code == 200, approved.content
    created = api["dpo"].post(
        f"/api/v1/incidents/{incident}/campaigns/",
        {"name": "Notice to customers", "channels": ["email"], "notice": notice["id"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    campaign_id = created.json()["id"]
    assert created.json()["notice_version"] == version.pk
    rows = [
        {"email": "ann@example.com", "name": "Ann <b>&</b>", "language": "en"},
        {"email": "bernd@example.de", "name": "Bernd", "language": "de"},
        {"email": "chloe@example.fr", "name": "Chloé", "language": "fr"},  # no fr version
    ]
    imported = api["dpo"].post(
        f"/api/v1/campaigns/{campaign_id}/recipients/", {"rows": rows}, format="json"
    )
    assert imported.json()["accepted"] == 3

    with (
        FakeSendGrid() as fake,
        override_settings(SENDGRID_API_KEY="SG.k", SENDGRID_API_HOST=fake.url),
        django_capture_on_commit_callbacks(execute=True),
    ):
        started = api["dpo"].post(f"/api/v1/campaigns/{campaign_id}/start/")
    assert started.status_code == 202, started.content
    assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}
    english = render(version, "email", "en")
    bodies = [r.json() for r in fake.received]
    in_english = [b for b in bodies if b["subject"] == english.subject]
    for body in in_english:
        assert body["content"][0]["value"] == english.text.replace("[[name]]", "{{name}}")
        assert "{{name__html}}" in body["content"][1]["value"]
    by_email = {p["to"][0]["email"]: p for b in in_english for p in b["personalizations"]}
    assert set(by_email) == {"ann@example.com", "chloe@example.fr"}  # fr falls back to en
    assert by_email["ann@example.com"]["substitutions"] == {
        "{{name}}": "Ann <b>&</b>",
        "{{name__html}}": "Ann &lt;b&gt;&amp;&lt;/b&gt;",
    }
    german = render(version, "email", "de")
    assert [b["subject"] for b in bodies].count(german.subject) == 1
    sources = set(Rendition.objects.values_list("source", flat=True))
    assert sources == {f"notice-version:{version.pk}:en", f"notice-version:{version.pk}:de"}


@pytest.mark.django_db
def test_a_withdrawn_approval_stops_the_start(api, incident, drafted):
    [notice] = drafted
    version = version_of(notice)
    api["dpo"].post(f"/api/v1/notices/{notice['id']}/approve/", {"version": 1}, format="json")
    campaign_id = create(api, incident, version.pk).json()["id"]
    api["dpo"].post(
        f"/api/v1/campaigns/{campaign_id}/recipients/",
        {"rows": [{"email": "ann@example.com"}]},
        format="json",
    )
    edit = api["analyst"].patch(
        f"/api/v1/notices/{notice['id']}/",
        {"based_on": 1, "blocks": {"measures_taken": {"en": "We closed the gap."}}},
        format="json",
    )
    assert edit.status_code == 200, edit.content
    refused = api["dpo"].post(f"/api/v1/campaigns/{campaign_id}/start/")
    assert refused.status_code == 409
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_a_notice_campaign_meets_only_the_duties_its_notice_serves(
    api, notice_org, clock, django_capture_on_commit_callbacks
):
    """California and Massachusetts need different texts (two notices): sending the
    California one meets California's duty to residents, not Massachusetts'."""
    facts = {
        **INCIDENT,
        "countries": ["US-CA", "US-MA"],
        "residents": {"US-CA": 1, "US-MA": 700},  # the one Californian the list reaches
        "subjects_count": 701,
    }
    incident_id = api["analyst"].post("/api/v1/incidents/", facts, format="json").json()["id"]
    api["analyst"].post(f"/api/v1/incidents/{incident_id}/assessments/")
    notices = api["analyst"].post(f"/api/v1/incidents/{incident_id}/notices/").json()
    assert len(notices) == 2, [n["variant"] for n in notices]
    [california] = [
        n for n in notices if "us-ca-1798-82-individuals" in {o["rule"] for o in n["obligations"]}
    ]
    assert "us-ma-93h-individuals" not in {o["rule"] for o in california["obligations"]}
    url = f"/api/v1/notices/{california['id']}/approve/"
    assert api["dpo"].post(url, {"version": 1}, format="json").status_code == 200
    created = api["dpo"].post(
        f"/api/v1/incidents/{incident_id}/campaigns/",
        {"name": "California", "channels": ["email"], "notice": california["id"]},
        format="json",
    )
    campaign_id = created.json()["id"]
    rows = [{"email": "ann@example.com", "region": "US-CA"}]
    api["dpo"].post(f"/api/v1/campaigns/{campaign_id}/recipients/", {"rows": rows}, "json")
    with django_capture_on_commit_callbacks(execute=True):
        started = api["dpo"].post(f"/api/v1/campaigns/{campaign_id}/start/")
    assert started.status_code == 202, started.content
    duties = api["viewer"].get(f"/api/v1/incidents/{incident_id}/obligations/").json()
    status = {o["rule_code"]: o["status"] for o in duties if o["audience"] == "individuals"}
    assert status["us-ca-1798-82-individuals"] == "met"
    assert status["us-ma-93h-individuals"] == "pending"


def _sent(api, facts, campaign, rows, capture) -> tuple[int, list[dict]]:
    """Create the incident, its campaign (`campaign` = the request body, or a callable taking
    the incident id) and send it; returns the incident and its individuals duties."""
    incident_id = api["analyst"].post("/api/v1/incidents/", facts, format="json").json()["id"]
    api["analyst"].post(f"/api/v1/incidents/{incident_id}/assessments/")
    body = campaign(incident_id) if callable(campaign) else campaign
    created = api["dpo"].post(f"/api/v1/incidents/{incident_id}/campaigns/", body, format="json")
    assert created.status_code == 201, created.content
    campaign_id = created.json()["id"]
    api["dpo"].post(f"/api/v1/campaigns/{campaign_id}/recipients/", {"rows": rows}, "json")
    with capture(execute=True):
        started = api["dpo"].post(f"/api/v1/campaigns/{campaign_id}/start/")
    assert started.status_code == 202, started.content
    assert api["viewer"].get(f"/api/v1/campaigns/{campaign_id}/").json()["status"] == "completed"
    duties = api["viewer"].get(f"/api/v1/incidents/{incident_id}/obligations/").json()
    return incident_id, [o for o in duties if o["audience"] == "individuals"]


def _completed(incident_id: int) -> dict:
    return IncidentEvent.objects.get(
        incident_id=incident_id, kind="notice_campaign_completed"
    ).payload


@pytest.mark.django_db
def test_a_campaign_with_its_own_content_meets_no_duty(
    api, notice_org, clock, django_capture_on_commit_callbacks
):
    """Regression: one e-mail of text no DPO approved met every duty to the people."""
    facts = {**INCIDENT, "countries": ["US-CA"], "residents": {"US-CA": 1}, "subjects_count": 1}
    content = {"en": {"subject": "Breach", "text": "Dear {{name}}, we lost your data."}}
    body = {"name": "Own text", "channels": ["email"], "content": content}
    rows = [{"email": "ann@example.com", "name": "Ann", "region": "US-CA"}]
    incident_id, duties = _sent(api, facts, body, rows, django_capture_on_commit_callbacks)
    assert Delivery.objects.get().state == "sent"  # it sent, and completed with its evidence
    assert duties
    assert {o["status"] for o in duties} == {"pending"}
    event = _completed(incident_id)
    assert event["recipients_reached"] == 1
    assert event["duties"] == []
    assert "not a notice a DPO approved: it meets no duty" in event["duties_note"]


@pytest.mark.django_db
@pytest.mark.parametrize("residents", [{"US-CA": 40_000}, {}])
def test_a_notice_campaign_short_of_the_stated_population_leaves_the_duty_to_a_dpo(
    api, notice_org, clock, django_capture_on_commit_callbacks, residents
):
    """Regression: 2 people reached met the duty for an incident stating 40,000 (with its
    Californians counted, or only the total: the list's own 2 must not become the count)."""
    facts = {
        **INCIDENT,
        "countries": ["US-CA"],
        "residents": residents,
        "subjects_count": 40_000,
    }

    def on_the_approved_notice(incident_id: int) -> dict:
        [notice] = api["analyst"].post(f"/api/v1/incidents/{incident_id}/notices/").json()
        approve = f"/api/v1/notices/{notice['id']}/approve/"
        assert api["dpo"].post(approve, {"version": 1}, format="json").status_code == 200
        return {"name": "Customers", "channels": ["email"], "notice": notice["id"]}

    rows = [{"email": f"p{i}@example.com", "region": "US-CA"} for i in range(2)]
    incident_id, duties = _sent(
        api, facts, on_the_approved_notice, rows, django_capture_on_commit_callbacks
    )
    [duty] = [o for o in duties if o["rule_code"] == "us-ca-1798-82-individuals"]
    assert duty["status"] == "pending"
    rows_by_duty = {r["obligation"]: r for r in _completed(incident_id)["duties"]}
    assert set(rows_by_duty) == {o["id"] for o in duties}
    row = rows_by_duty[duty["id"]]
    assert (row["met"], row["reached"], row["stated"]) == (False, 2, 40_000)
    assert {o["status"] for o in duties} == {"pending"}
    assert "reached 2 of 40000 stated" in row["reason"]
    assert "meet/" in row["reason"]
    # The rest were told by letter: a DPO meets the duty by hand, with evidence as ever.
    url = f"/api/v1/obligations/{duty['id']}/meet/"
    assert (
        api["dpo"].post(url, {"met_at": "2026-11-21T15:00:00Z"}, format="json").status_code == 400
    )
    met = api["dpo"].post(
        url,
        {
            "met_at": "2026-11-21T15:00:00Z",
            "evidence": {
                "channel": "letter",
                "recipient": "39,998 by letter, 2 by e-mail",
                "reference": "mail house batch 7 and the notice campaign",
            },
        },
        format="json",
    )
    assert met.status_code == 200, met.content
    assert met.json()["status"] == "met"
