"""Notices to affected people in the workspace: draft, edit, check, preview, approve."""

import pytest

from incidents.services.incidents import incident_create
from notifications.notices.models import Notice

pytestmark = pytest.mark.django_db


def test_draft_edit_preview_and_approve_a_notice(web, high_risk):
    dpo = web["dpo"]
    assert (
        "Draft notices to affected people"
        in dpo.get(f"/incidents/{high_risk.pk}/").content.decode()
    )
    response = dpo.post(f"/incidents/{high_risk.pk}/notices/new/")
    notice = Notice.objects.get(incident=high_risk)
    url = f"/incidents/{high_risk.pk}/notices/{notice.pk}/"
    assert response["Location"] == url
    page = dpo.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Plain language" in text
    assert "segment" in text
    assert page.context["email"].subject
    block = page.context["blocks"][0]
    language = block["texts"][0][0]
    saved = dpo.post(
        f"{url}edit/",
        {
            "based_on": "1",
            f"block-{block['code']}-{language}": "We are sorry. Your data was copied.",
        },
    )
    assert saved.status_code == 302
    notice.refresh_from_db()
    assert notice.versions.count() == 2
    stale = dpo.post(f"{url}approve/", {"version": "1"}, follow=True)
    assert "not the current version" in stale.content.decode()
    dpo.post(f"{url}approve/", {"version": "2"})
    notice.refresh_from_db()
    assert notice.approved_version.number == 2
    assert "Publish the public page" in dpo.get(url).content.decode()


def test_only_a_dpo_approves(web, high_risk):
    web["dpo"].post(f"/incidents/{high_risk.pk}/notices/new/")
    notice = Notice.objects.get(incident=high_risk)
    url = f"/incidents/{high_risk.pk}/notices/{notice.pk}/"
    assert web["analyst"].post(f"{url}approve/", {"version": "1"}).status_code == 403
    assert "Approve version" not in web["analyst"].get(url).content.decode()


def test_a_notice_of_another_incident_is_404(web, users, high_risk):
    other = incident_create(actor=users["analyst"], data={"title": "Other"})
    web["dpo"].post(f"/incidents/{high_risk.pk}/notices/new/")
    notice = Notice.objects.get(incident=high_risk)
    assert web["dpo"].get(f"/incidents/{other.pk}/notices/{notice.pk}/").status_code == 404
