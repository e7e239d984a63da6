"""The public notice page: no login, unguessable URL, noindex until a DPO publishes it."""

import re

from incidents.models import AuditEntry


def approve(api, notice_id, version=1):
    response = api["dpo"].post(
        f"/api/v1/notices/{notice_id}/approve/", {"version": version}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def page_path(notice):
    return "/notices/" + notice["public_url"].rstrip("/").rsplit("/", 1)[-1] + "/"


def test_page_needs_an_approved_version_and_hides_unknown_tokens(api, drafted):
    notice = drafted[0]
    anonymous = api["anonymous"]
    assert anonymous.get(page_path(notice)).status_code == 404
    assert anonymous.get("/notices/not-a-real-token/").status_code == 404
    token = page_path(notice).split("/")[2]
    assert len(token) >= 40  # 32 random bytes, URL-safe


def test_page_is_public_noindex_until_published_then_indexable(api, drafted):
    notice = approve(api, drafted[0]["id"])
    path = page_path(notice)
    before = api["anonymous"].get(path)
    assert before.status_code == 200
    assert before["X-Robots-Tag"] == "noindex, nofollow"
    assert b'<meta name="robots" content="noindex, nofollow">' in before.content
    assert before["Referrer-Policy"] == "no-referrer"
    html = before.content.decode()
    assert "Example Shop GmbH" in html
    assert "dpo@example.test" in html
    assert "Notice of Data Breach" in html
    refused = api["analyst"].post(f"/api/v1/notices/{notice['id']}/publish/")
    assert refused.status_code == 403
    published = api["dpo"].post(f"/api/v1/notices/{notice['id']}/publish/")
    assert published.status_code == 200
    assert published.json()["published_at"] is not None
    after = api["anonymous"].get(path)
    assert "X-Robots-Tag" not in after
    assert b'name="robots"' not in after.content
    assert AuditEntry.objects.filter(action="incident.notice_published").count() == 1


def test_page_is_readable_on_a_phone_and_works_under_a_strict_csp(api, drafted):
    notice = approve(api, drafted[0]["id"])
    html = api["anonymous"].get(page_path(notice) + "?lang=nb").content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<html lang="nb" dir="ltr">' in html
    assert "Hva har skjedd?" in html
    # No inline script or style: a default-src 'self' policy needs nothing special.
    assert "<script" not in html
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert '<link rel="stylesheet" href="/static/notices/page.css">' in html
    with open("notifications/notices/static/notices/page.css") as handle:
        css = handle.read()
    widths = [int(w) for w in re.findall(r"(?<![-\w])width:\s*(\d+)px", css)]
    assert all(w <= 375 for w in widths)  # nothing wider than a small phone


def test_unapproved_edits_do_not_reach_the_page(api, drafted):
    notice = approve(api, drafted[0]["id"])
    path = page_path(notice)
    api["analyst"].patch(
        f"/api/v1/notices/{notice['id']}/",
        {"blocks": {"what_happened": {"en": "A draft nobody approved."}}},
        format="json",
    )
    assert api["anonymous"].get(path).status_code == 404


def test_arabic_page_is_right_to_left(api, incident):
    drafted = (
        api["analyst"]
        .post(f"/api/v1/incidents/{incident}/notices/", {"languages": ["en", "ar"]}, format="json")
        .json()
    )
    notice = approve(api, drafted[0]["id"])
    html = api["anonymous"].get(page_path(notice) + "?lang=ar").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert "إشعار باختراق البيانات" in html
    assert "ماذا حدث" in html


def test_sample_copy_for_attorneys_general_has_no_personal_data(api, drafted):
    import io

    from pypdf import PdfReader

    notice_id = drafted[0]["id"]
    assert api["viewer"].get(f"/api/v1/notices/{notice_id}/sample/").status_code == 409
    approve(api, notice_id)
    sample = api["viewer"].get(f"/api/v1/notices/{notice_id}/sample/")
    assert sample["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(sample.content)).pages)
    assert "Sample copy of the notice sent to residents" in text
    assert "[[name]]" not in text
    assert "Dear resident," in text
    assert "What You Can Do" in text
