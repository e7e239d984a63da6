"""Sending an approved notice from the workspace: prepare a send-out, import a CSV list
(rejected rows reported by line), start it, follow its progress; the same campaign services
as the API, with its permissions."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django_q.conf import Conf

from incidents.services.incidents import incident_create, incident_update
from notifications import tasks
from notifications.campaigns import services
from notifications.models import Campaign, Delivery
from notifications.notices.models import Notice
from tests.web.conftest import NOW

pytestmark = pytest.mark.django_db
LIST = (
    "email,phone,language,region,name\n"
    "ana@example.test,,de,DE,Ana\n"
    "not-an-address,,de,DE,Bo\n"
    "ANA@example.test,,de,DE,Ana again\n"
    "cy@example.test,+4930123456,en,DE,Cy\n"
    ",,,DE,Nobody\n"
)


def _approved(web, incident) -> Notice:
    web["dpo"].post(f"/incidents/{incident.pk}/notices/new/")
    notice = Notice.objects.filter(incident=incident).first()
    web["dpo"].post(f"/incidents/{incident.pk}/notices/{notice.pk}/approve/", {"version": "1"})
    notice.refresh_from_db()
    assert notice.approved_version is not None
    return notice


def _prepare(web, incident, notice) -> Campaign:
    response = web["dpo"].post(
        f"/incidents/{incident.pk}/notices/{notice.pk}/campaigns/new/",
        {"name": "Patients", "channels": ["email"], "default_language": "de"},
    )
    campaign = Campaign.objects.get(incident=incident)
    assert response["Location"] == f"/incidents/{incident.pk}/campaigns/{campaign.pk}/"
    return campaign


def _upload(web, url, text=LIST, role="dpo"):
    file = SimpleUploadedFile("patients.csv", text.encode(), content_type="text/csv")
    return web[role].post(f"{url}import/", {"file": file})


def test_prepare_import_send_and_see_the_counts(
    web, users, high_risk, django_capture_on_commit_callbacks
):
    # The figure is settled: the two patients on the list are everyone affected (a send-out
    # meets the duty only when it reached everyone the incident states).
    incident_update(incident_id=high_risk.pk, actor=users["analyst"], changes={"subjects_count": 2})
    approved = _approved(web, high_risk)
    editor = web["dpo"].get(f"/incidents/{high_risk.pk}/notices/{approved.pk}/")
    assert "Prepare a send-out" in editor.content.decode()
    campaign = _prepare(web, high_risk, approved)
    assert campaign.notice_version_id == approved.approved_version_id
    url = f"/incidents/{high_risk.pk}/campaigns/{campaign.pk}/"
    assert _upload(web, url).status_code == 302
    page = web["dpo"].get(url)
    text = page.content.decode()
    assert "2 accepted, 1 duplicate dropped, 2 rejected" in text
    rejected = page.context["imports"][0].rejected_shown
    assert [row["line"] for row in rejected] == [3, 6]
    assert "email: not a valid e-mail address" in text
    assert "not-an-address" not in text  # the report never quotes the values
    assert "Send to 2 recipients" in text

    with django_capture_on_commit_callbacks(execute=True):  # the fan-out, tasks run inline
        assert web["dpo"].post(f"{url}start/").status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == "completed"
    assert Delivery.objects.filter(campaign=campaign, state="sent").count() == 2
    progress = web["viewer"].get(f"{url}progress/")
    assert progress["Cache-Control"] == "no-store"
    body = progress.content.decode()
    assert "2 of 2 deliveries handed over (100 %)" in body
    assert '<progress max="2" value="2"' in body
    incident_page = web["viewer"].get(f"/incidents/{high_risk.pk}/").content.decode()
    assert "2 of 2 deliveries handed over" in incident_page
    assert "Patients" in incident_page
    assert "2 of 2 recipients reached; eu-gdpr-34-individuals met" in incident_page  # timeline
    editor = web["viewer"].get(f"/incidents/{high_risk.pk}/notices/{approved.pk}/").content.decode()
    assert "2 of 2 deliveries handed over" in editor
    register = web["viewer"].get("/register/")
    row = register.context["page"].object_list[0]
    assert row.people_notified_at == NOW  # the completed send-out met the duty to tell them
    assert "People <time" in register.content.decode()


def test_progress_moves_while_the_workers_send(
    web, high_risk, monkeypatch, django_capture_on_commit_callbacks
):
    """Without inline tasks the start only queues the work; the progress panel shows the
    queue, then the counts once a worker ran (what the page polls every 2 s)."""
    campaign = _prepare(web, high_risk, _approved(web, high_risk))
    url = f"/incidents/{high_risk.pk}/campaigns/{campaign.pk}/"
    _upload(web, url)
    monkeypatch.setattr(Conf, "SYNC", False)  # the fan-out queues work for the cluster
    with django_capture_on_commit_callbacks(execute=True):
        web["dpo"].post(f"{url}start/")
    before = web["dpo"].get(f"{url}progress/").content.decode()
    assert "0 of 2 deliveries handed over (0 %)" in before
    assert 'data-status="sending"' in before
    tasks.campaign_work(campaign.pk)
    after = web["dpo"].get(f"{url}progress/").content.decode()
    assert "2 of 2 deliveries handed over (100 %)" in after
    assert 'data-status="completed"' in after


def test_a_notice_must_be_approved_before_a_send_out(web, high_risk):
    web["dpo"].post(f"/incidents/{high_risk.pk}/notices/new/")
    draft = Notice.objects.filter(incident=high_risk).first()
    editor = web["dpo"].get(f"/incidents/{high_risk.pk}/notices/{draft.pk}/").content.decode()
    assert "A DPO approves the notice before it can be sent." in editor
    response = web["dpo"].post(
        f"/incidents/{high_risk.pk}/notices/{draft.pk}/campaigns/new/",
        {"name": "Early", "channels": ["email"], "default_language": "de"},
        follow=True,
    )
    assert "no approved version" in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_broken_file_is_named_and_nothing_starts_without_recipients(web, high_risk):
    campaign = _prepare(web, high_risk, _approved(web, high_risk))
    url = f"/incidents/{high_risk.pk}/campaigns/{campaign.pk}/"
    broken = _upload(web, url, text="")
    assert broken.status_code == 400
    assert broken.context["import_form"].errors["file"]
    started = web["dpo"].post(f"{url}start/", follow=True)
    assert "Import recipients before starting." in started.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == "draft"


def test_analysts_follow_but_do_not_send(web, high_risk):
    approved = _approved(web, high_risk)
    campaign = _prepare(web, high_risk, approved)
    url = f"/incidents/{high_risk.pk}/campaigns/{campaign.pk}/"
    analyst = web["analyst"]
    page = analyst.get(url)
    assert page.status_code == 200
    assert page.context["import_form"] is None
    assert not page.context["can_start"]
    assert _upload(web, url, role="analyst").status_code == 403
    assert analyst.post(f"{url}start/").status_code == 403
    assert analyst.post(f"{url}retry/").status_code == 403
    assert (
        analyst.post(
            f"/incidents/{high_risk.pk}/notices/{approved.pk}/campaigns/new/",
            {"name": "X", "channels": ["email"], "default_language": "de"},
        ).status_code
        == 403
    )
    other = incident_create(actor=analyst_user(web), data={"title": "Other"})
    assert web["dpo"].get(f"/incidents/{other.pk}/campaigns/{campaign.pk}/").status_code == 404


def analyst_user(web):
    return web["analyst"].get("/account/").wsgi_request.user


def test_send_out_pages_run_a_bounded_number_of_queries(
    web, high_risk, users, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    """1,000 recipients sent, a dozen send-outs: the incident page shows the newest ten
    (one progress count each), the send-out page and its progress panel a fixed number."""
    approved = _approved(web, high_risk)
    campaign = _prepare(web, high_risk, approved)
    rows = [{"email": f"p{i}@example.test", "language": "de"} for i in range(1000)]
    services.campaign_import_rows(campaign_id=campaign.pk, rows=rows, actor=users["dpo"])
    with django_capture_on_commit_callbacks(execute=True):
        services.campaign_start(campaign_id=campaign.pk, actor=users["dpo"])
    for n in range(11):
        services.campaign_create(
            incident_id=high_risk.pk,
            actor=users["dpo"],
            name=f"Wave {n}",
            channels=["email"],
            notice_id=approved.pk,
        )
    url = f"/incidents/{high_risk.pk}/campaigns/{campaign.pk}/"
    for page in (url, f"{url}progress/"):
        with django_assert_max_num_queries(15):
            assert "1000 of 1000" in web["dpo"].get(page).content.decode()
    with django_assert_max_num_queries(40):
        response = web["dpo"].get(f"/incidents/{high_risk.pk}/")
    cards = response.context["notices"][0]["campaigns"]
    assert len(cards) == 10
    with django_assert_max_num_queries(35):
        response = web["dpo"].get(f"/incidents/{high_risk.pk}/notices/{approved.pk}/")
    assert len(response.context["campaigns"]) == 10


@pytest.fixture
def ca_send_out(web, users, org, clock):
    """A Californian breach (30-day duty to the people) whose approved notice is prepared
    for sending to the two residents it states, with the list imported."""
    incident = incident_create(
        actor=users["analyst"],
        data={
            "title": "Customer portal leak",
            "aware_at": NOW - timedelta(hours=10),
            "countries": ["US-CA"],
            "residents": {"US-CA": 2},
            "subjects_count": 2,
            "data_categories": ["contact", "credentials"],
            "occurred_from": NOW - timedelta(days=2),
            "occurred_to": NOW - timedelta(days=1),
        },
        now=NOW,
    )
    campaign = _prepare(web, incident, _approved(web, incident))
    url = f"/incidents/{incident.pk}/campaigns/{campaign.pk}/"
    rows = "email,region\nann@example.test,US-CA\nbo@example.test,US-CA\n"
    assert _upload(web, url, rows).status_code == 302
    return url, incident.obligations.get(rule_code="us-ca-1798-82-individuals")


def test_a_send_out_past_the_deadline_asks_for_the_reason_and_meets_the_duty_late(
    web, ca_send_out, django_capture_on_commit_callbacks
):
    url, duty = ca_send_out
    with time_machine.travel(duty.due_at + timedelta(hours=2), tick=False):
        page = web["dpo"].get(url)
        assert [o.pk for o in page.context["overdue"]] == [duty.pk]
        text = page.content.decode()
        assert "Past the deadline already" in text
        assert 'name="delay_reason"' in text
        with django_capture_on_commit_callbacks(execute=True):
            started = web["dpo"].post(
                f"{url}start/", {"delay_reason": "The police asked us to wait."}
            )
        assert started.status_code == 302
    duty.refresh_from_db()
    assert (duty.status, duty.delay_reason) == ("late", "The police asked us to wait.")
    assert duty.late_by_seconds == 2 * 3600
    timeline = web["viewer"].get(f"/incidents/{duty.incident_id}/").content.decode()
    assert "us-ca-1798-82-individuals met late" in timeline
    assert "The police asked us to wait." in timeline


def test_a_send_out_past_the_deadline_without_a_reason_warns_and_leaves_the_duty_open(
    web, ca_send_out, django_capture_on_commit_callbacks
):
    url, duty = ca_send_out
    with (
        time_machine.travel(duty.due_at + timedelta(hours=2), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        started = web["dpo"].post(f"{url}start/", follow=True)
    text = started.content.decode()
    assert "us-ca-1798-82-individuals" in text
    assert "no reason for the delay was given" in text
    duty.refresh_from_db()
    assert duty.status == "pending"
