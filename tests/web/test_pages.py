"""Workspace pages through the test client: what each role sees and what each form does."""

from datetime import timedelta

import pytest
import time_machine

from incidents.models import Incident
from incidents.services.assessments import assessment_compute
from incidents.services.incidents import incident_create
from incidents.services.lifecycle import incident_transition
from tests.conftest import utc
from tests.web.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def breach(users, org, clock):
    return incident_create(
        actor=users["analyst"],
        data={
            "title": "CRM export on a public share",
            "aware_at": NOW - timedelta(hours=70),
            "aware_basis": "Confirmed by the SOC.",
            "countries": ["DE"],
            "subjects_count": 5000,
            "data_categories": ["identity", "contact"],
        },
        now=NOW - timedelta(hours=69),
    )


def test_dashboard_orders_by_deadline_with_counters_and_charts(web, users, org, breach):
    quiet = incident_create(actor=users["analyst"], data={"title": "Phishing mail, no clock"})
    response = web["viewer"].get("/")
    assert response.status_code == 200
    rows = response.context["incidents"]
    assert [row.pk for row in rows] == [breach.pk, quiet.pk]
    assert rows[0].next_obligation.audience == "supervisory_authority"
    assert response.context["counters"].triage == 2
    page = response.content.decode()
    assert "2 h 0 min 00 s left" in page  # 72 h from awareness, 70 h gone
    assert 'class="countdown state-urgent"' in page
    assert "No running clock" in page
    assert page.count("<svg") == 2
    assert "Incidents per month" in page


def test_overdue_reads_as_words_not_only_colour(web, breach):
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        page = web["viewer"].get("/").content.decode()
    assert "Overdue by 1 h 0 min 00 s" in page
    assert "state-overdue" in page
    assert "⚠" in page


def test_incident_page_shows_everything_a_dpo_needs(web, breach):
    page = web["dpo"].get(f"/incidents/{breach.pk}/").content.decode()
    for text in ("Obligations", "Art. 33(1) GDPR", "Timeline", "Linked monitoring alerts"):
        assert text in page
    assert "Whose data, how much, where" in page
    assert "Assess the risk step by step" in page


def test_status_buttons_show_only_allowed_moves(web, breach):
    analyst = web["analyst"].get(f"/incidents/{breach.pk}/").context["moves"]
    assert {move["to"] for move in analyst} == {"assessing", "dismissed"}
    viewer = web["viewer"].get(f"/incidents/{breach.pk}/").context["moves"]
    assert viewer == []


def test_status_move_goes_through_the_service(web, breach):
    response = web["analyst"].post(
        f"/incidents/{breach.pk}/transition/", {"to": "assessing", "comment": "Looking"}
    )
    assert response.status_code == 302
    breach.refresh_from_db()
    assert breach.status == "assessing"
    refused = web["analyst"].post(
        f"/incidents/{breach.pk}/transition/", {"to": "notifiable"}, follow=True
    )
    assert "Your role cannot decide: notifiable" in refused.content.decode()
    breach.refresh_from_db()
    assert breach.status == "assessing"


def test_dismissing_without_a_reason_shows_the_services_message(web, breach):
    response = web["analyst"].post(
        f"/incidents/{breach.pk}/transition/", {"to": "dismissed"}, follow=True
    )
    assert "requires a reason" in response.content.decode()
    breach.refresh_from_db()
    assert breach.status == "triage"


def test_log_an_incident(web, clock):
    response = web["analyst"].post(
        "/incidents/new/",
        {"title": "Stolen laptop", "aware_at": "2026-03-10T08:30", "countries": "de, at"},
    )
    incident = Incident.objects.get(title="Stolen laptop")
    assert response["Location"] == f"/incidents/{incident.pk}/"
    assert incident.aware_at == utc(2026, 3, 10, 8, 30)
    assert incident.countries == ["DE", "AT"]
    assert incident.obligations.exists()


def test_bad_country_is_an_error_on_the_field(web, clock):
    response = web["analyst"].post("/incidents/new/", {"title": "X", "countries": "Narnia"})
    assert response.status_code == 200
    assert "countries" in response.context["form"].errors
    assert not Incident.objects.filter(title="X").exists()


def test_viewer_cannot_log_incidents(web):
    assert web["viewer"].get("/incidents/new/").status_code == 403


def test_facts_form_saves_only_changes_and_needs_a_reason_to_move_awareness(web, breach):
    url = f"/incidents/{breach.pk}/facts/"
    form = web["analyst"].get(f"/incidents/{breach.pk}/").context["facts_form"]
    data = {
        name: value if value is not None else ""
        for name, value in ((f.name, f.value()) for f in form)
    }
    data["assignee"] = ""
    data["aware_at"] = "2026-03-07T10:00"
    response = web["analyst"].post(url, data)
    assert response.status_code == 400
    assert "aware_at_reason" in response.context["facts_form"].errors
    data["aware_at_reason"] = "Earlier log entry found"
    data["measures_taken"] = "Share closed"
    assert web["analyst"].post(url, data).status_code == 302
    breach.refresh_from_db()
    assert breach.aware_at == utc(2026, 3, 7, 10, 0)
    assert breach.measures_taken == "Share closed"
    assert breach.events.filter(kind="awareness_corrected").count() == 1


def test_wizard_saves_each_step_and_previews_the_outcome(web, breach):
    client = web["analyst"]
    page = client.get(f"/incidents/{breach.pk}/assess/4/")
    assert page.status_code == 200
    assert "Who could see or use the data?" in page.content.decode()
    preview = client.post(
        f"/incidents/{breach.pk}/assess/4/preview/",
        {"q-exposure": "published", "q-data_protection": "none"},
    )
    assert preview.status_code == 200
    assert preview.context["outcome"]["draft"].risk_level == "risk"
    breach.refresh_from_db()
    assert breach.exposure == ""  # a preview writes nothing
    response = client.post(
        f"/incidents/{breach.pk}/assess/4/",
        {"q-exposure": "published", "q-data_protection": "none"},
    )
    assert response["Location"] == f"/incidents/{breach.pk}/assess/5/"
    breach.refresh_from_db()
    assert (breach.exposure, breach.data_protection) == ("published", "none")
    last = client.post(f"/incidents/{breach.pk}/assess/6/", {"q-sensitive_context": "true"})
    assert last["Location"] == f"/incidents/{breach.pk}/assess/review/"
    breach.refresh_from_db()
    assert breach.sensitive_context is True
    assert client.post(f"/incidents/{breach.pk}/assess/record/").status_code == 302
    assert breach.assessments.count() == 1


def test_preview_shows_when_an_answer_moves_the_outcome(web, users, breach):
    client = web["analyst"]
    safe = client.post(
        f"/incidents/{breach.pk}/assess/4/preview/",
        {"q-exposure": "none", "q-data_protection": "encrypted_key_safe"},
    )
    worst = client.post(
        f"/incidents/{breach.pk}/assess/4/preview/",
        {"q-exposure": "published", "q-data_protection": "none"},
    )
    assert safe.context["outcome"]["draft"].risk_level == "unlikely"
    assert worst.context["outcome"]["draft"].risk_level != "unlikely"
    assert "changed from" in safe.content.decode() or "changed from" in worst.content.decode()


def test_override_needs_a_justification_and_a_dpo(web, users, breach):
    incident_transition(incident_id=breach.pk, actor=users["analyst"], to="assessing")
    assessment_compute(incident_id=breach.pk, actor=users["analyst"])
    url = f"/incidents/{breach.pk}/assess/override/"
    assert web["analyst"].post(url, {"risk_level": "high", "justification": "x"}).status_code == (
        403
    )
    response = web["dpo"].post(url, {"risk_level": "high", "justification": ""})
    assert response.status_code == 400
    assert "justification" in response.context["override_form"].errors
    response = web["dpo"].post(url, {"risk_level": "high", "justification": "Children's data"})
    assert response.status_code == 302
    newest = breach.assessments.order_by("-version").first()
    assert (newest.kind, newest.risk_level) == ("override", "high")


def test_comment(web, breach):
    response = web["analyst"].post(f"/incidents/{breach.pk}/comment/", {"text": "Called the SOC"})
    assert response.status_code == 302
    page = web["viewer"].get(f"/incidents/{breach.pk}/").content.decode()
    assert "Called the SOC" in page
    assert web["viewer"].post(f"/incidents/{breach.pk}/comment/", {"text": "x"}).status_code == (
        403
    )


def test_register_filters_and_export_links(web, users, breach):
    incident_create(actor=users["analyst"], data={"title": "Misdirected letter"})
    response = web["dpo"].get("/register/?q=letter")
    assert [i.title for i in response.context["page"].object_list] == ["Misdirected letter"]
    assert "/api/v1/register/export/?as=csv" in response.content.decode()
    assert "export/?as=csv" not in web["viewer"].get("/register/").content.decode()
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        overdue = web["dpo"].get("/register/?overdue=1").context["page"].object_list
    assert [i.pk for i in overdue] == [breach.pk]


def test_organisation_page(web, org):
    page = web["viewer"].get("/organisation/").content.decode()
    assert "Example GmbH" in page
    assert "DE-BE" in page


def test_unknown_incident_is_404(web):
    assert web["viewer"].get("/incidents/999999/").status_code == 404


def test_a_move_whose_precondition_fails_is_explained_not_offered(web, users):
    incident = incident_create(actor=users["analyst"], data={"title": "No awareness yet"})
    moves = web["analyst"].get(f"/incidents/{incident.pk}/").context["moves"]
    blocked = {move["to"]: move["blocked"] for move in moves}
    assert "aware_at" in blocked["assessing"]
    assert blocked["dismissed"] == ""
    page = web["analyst"].get(f"/incidents/{incident.pk}/").content.decode()
    assert 'value="assessing"' not in page
    assert "is not possible yet" in page
