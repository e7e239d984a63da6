"""Notices to affected people through the API: the issue's done-when scenario and the rules
around it (drafting, completeness, languages, approval gate, versions, previews)."""

import io

import pytest
from pypdf import PdfReader

from incidents.models import AuditEntry
from incidents.services.audit import audit_verify
from tests.notices.conftest import INCIDENT

CA_HEADINGS = [
    "What Happened",
    "What Information Was Involved",
    "What We Are Doing",
    "What You Can Do",
    "For More Information",
]


def only(drafted):
    assert len(drafted) == 1, [n["variant"] for n in drafted]
    return drafted[0]


def completeness_by_rule(notice):
    return {c["rule"]: c for c in notice["current_version"]["checks"]["completeness"]}


def test_one_call_drafts_one_notice_for_gdpr_and_california(drafted):
    notice = only(drafted)
    rules = {o["rule"] for o in notice["obligations"]}
    assert {"eu-gdpr-34-individuals", "us-ca-1798-82-individuals"} <= rules
    assert notice["current_version"]["number"] == 1
    assert notice["current_version"]["languages"] == ["en", "de", "nb"]


def test_completeness_shows_every_gdpr_and_california_element_present(drafted):
    checks = completeness_by_rule(only(drafted))
    gdpr = {e["code"]: e for e in checks["eu-gdpr-34-individuals"]["elements"]}
    assert set(gdpr) == {
        "what_happened",
        "dpo_contact",
        "likely_consequences",
        "measures_taken",
        "measures_proposed",
        "what_you_can_do",
    }
    assert all(e["state"] == "present" for e in gdpr.values()), gdpr
    assert gdpr["dpo_contact"]["citation"] == "GDPR Art. 34(2) with Art. 33(3)(b)"
    california = {e["code"]: e for e in checks["us-ca-1798-82-individuals"]["elements"]}
    assert {
        "controller_identity",
        "contact_point",
        "data_involved",
        "date_of_notice",
        "date_of_breach",
        "what_happened",
        "password_reset",
    } <= set(california)
    assert california["law_enforcement_delay"]["state"] == "not_determined"
    assert california["law_enforcement_delay"]["ok"]
    assert all(e["ok"] for e in california.values()), california
    assert checks["us-ca-1798-82-individuals"]["complete"]
    formats = {f["code"]: f["state"] for f in checks["us-ca-1798-82-individuals"]["formats"]}
    assert formats["fmt_title_notice_of_data_breach"] == "applied"
    assert formats["fmt_ca_headings"] == "applied"
    assert formats["fmt_min_10pt"] == "applied"


def test_text_gives_concrete_steps_for_passwords_and_cards(api, drafted):
    notice = only(drafted)
    advice = [s["id"] for s in notice["current_version"]["content"]["advice"]]
    assert "credentials.change_now" in advice
    assert "credentials.reused" in advice
    assert "payment_card.replace" in advice
    email = api["viewer"].get(f"/api/v1/notices/{notice['id']}/preview/?channel=email&lang=en")
    text = email.json()["text"]
    assert "Log in and change the password now." in text
    assert "If you used the same or a similar password anywhere else, change it there too." in text
    assert "Contact your bank or card company to cancel the card and get a new one." in text
    assert "Payment card numbers" in text


def test_german_and_norwegian_renditions_exist(api, drafted):
    notice_id = only(drafted)["id"]
    de = api["viewer"].get(f"/api/v1/notices/{notice_id}/preview/?channel=email&lang=de").json()
    nb = api["viewer"].get(f"/api/v1/notices/{notice_id}/preview/?channel=email&lang=nb").json()
    assert de["subject"].startswith("Mitteilung über eine Datenpanne")
    assert "Was ist passiert" in de["text"]
    assert "Ändern Sie das Passwort" in de["text"] or "Melden Sie sich an" in de["text"]
    assert nb["subject"].startswith("Varsel om brudd på personopplysningssikkerheten")
    assert "Hva har skjedd" in nb["text"]


def test_missing_author_text_in_a_language_warns_and_falls_back(api, drafted):
    notice = only(drafted)
    warnings = notice["current_version"]["checks"]["language_warnings"]
    de = [w for w in warnings if w["language"] == "de" and w["block"] == "measures_taken"]
    assert de
    assert "the en text is shown instead" in de[0]["message"]
    html = (
        api["viewer"]
        .get(f"/api/v1/notices/{notice['id']}/preview/?channel=email&lang=de")
        .json()["html"]
    )
    assert 'lang="en"' in html  # the English fallback paragraph is marked
    assert "reset every customer password" in html


def test_analyst_cannot_approve_and_dpo_freezes_the_version(api, drafted):
    notice_id = only(drafted)["id"]
    refused = api["analyst"].post(
        f"/api/v1/notices/{notice_id}/approve/", {"version": 1}, format="json"
    )
    assert refused.status_code == 403
    approved = api["dpo"].post(
        f"/api/v1/notices/{notice_id}/approve/", {"version": 1}, format="json"
    )
    assert approved.status_code == 200, approved.content
    body = approved.json()
    assert body["approved_version"] == 1
    assert body["current_version"]["approved"] is True
    entry = AuditEntry.objects.get(action="incident.notice_approved")
    assert entry.data["content_hash"] == body["current_version"]["content_hash"]
    assert entry.data["content"] == body["current_version"]["content"]
    assert audit_verify() is None
    again = api["dpo"].post(f"/api/v1/notices/{notice_id}/approve/", {"version": 1}, format="json")
    assert again.status_code == 409


def test_an_edit_after_approval_makes_a_new_version_and_withdraws_the_approval(api, drafted):
    notice_id = only(drafted)["id"]
    api["dpo"].post(f"/api/v1/notices/{notice_id}/approve/", {"version": 1}, format="json")
    edit = api["analyst"].patch(
        f"/api/v1/notices/{notice_id}/",
        {"based_on": 1, "blocks": {"measures_taken": {"de": "Wir haben die Lücke geschlossen."}}},
        format="json",
    )
    assert edit.status_code == 200, edit.content
    body = edit.json()
    assert body["approved_version"] is None
    assert body["current_version"]["number"] == 2
    assert body["current_version"]["approved"] is False
    versions = api["viewer"].get(f"/api/v1/notices/{notice_id}/versions/").json()
    v1 = next(v for v in versions if v["number"] == 1)
    assert v1["approved_at"] is not None
    assert v1["approval_withdrawn_at"] is not None
    assert v1["content"]["blocks"]["measures_taken"] == {
        "en": "We closed the gap in our web shop and reset every customer password."
    }
    stale = api["analyst"].patch(
        f"/api/v1/notices/{notice_id}/", {"based_on": 1, "channels": ["page"]}, format="json"
    )
    assert stale.status_code == 409
    assert AuditEntry.objects.filter(action="incident.notice_edited").count() == 1


@pytest.mark.parametrize("lang", ["en", "de", "nb"])
def test_every_channel_previews(api, drafted, lang):
    notice_id = only(drafted)["id"]
    base = f"/api/v1/notices/{notice_id}/preview/?lang={lang}&channel="
    email = api["viewer"].get(base + "email")
    assert email.status_code == 200
    assert email.json()["html"].startswith("<!DOCTYPE html>")
    sms = api["viewer"].get(base + "sms").json()
    assert "/notices/" in sms["sms_text"]
    assert sms["sms"]["segments"] >= 1
    assert sms["sms"]["encoding"] in ("GSM-7", "UCS-2")
    letter = api["viewer"].get(base + "letter")
    assert letter["Content-Type"] == "application/pdf"
    assert letter.content.startswith(b"%PDF")
    page = api["viewer"].get(base + "page")
    assert page["Content-Type"].startswith("text/html")
    assert b'name="robots" content="noindex' in page.content
    csv = api["viewer"].get(base + "csv")
    assert csv["Content-Type"].startswith("text/csv")


def test_letter_pdf_has_the_california_title_and_headings_in_order(api, drafted):
    notice_id = only(drafted)["id"]
    letter = api["viewer"].get(f"/api/v1/notices/{notice_id}/preview/?channel=letter&lang=en")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(letter.content)).pages)
    positions = [text.index("Notice of Data Breach")] + [text.index(h) for h in CA_HEADINGS]
    assert positions == sorted(positions), text
    assert "Example Shop GmbH" in text
    assert "dpo@example.test" in text


def test_preview_rejects_unknown_channel_and_language(api, drafted):
    notice_id = only(drafted)["id"]
    bad = api["viewer"].get(f"/api/v1/notices/{notice_id}/preview/?channel=fax&lang=en")
    assert bad.status_code == 400
    assert "channel" in bad.json()["errors"]
    absent = api["viewer"].get(f"/api/v1/notices/{notice_id}/preview/?channel=email&lang=ar")
    assert absent.status_code == 400
    assert "lang" in absent.json()["errors"]


def test_approved_version_renders_its_frozen_text_with_the_approval_date(api, drafted, clock):
    from datetime import timedelta

    notice_id = only(drafted)["id"]
    api["dpo"].post(f"/api/v1/notices/{notice_id}/approve/", {"version": 1}, format="json")
    clock.shift(timedelta(days=40))
    email = api["viewer"].get(f"/api/v1/notices/{notice_id}/preview/?channel=email&lang=de").json()
    assert email["approved"] is True
    assert "21. November 2026" in email["text"]  # the date of the notice is the approval date
    assert "31. Dezember 2026" not in email["text"]


def test_notice_steps_are_on_the_incident_timeline(api, incident, drafted):
    notice_id = only(drafted)["id"]
    api["dpo"].post(f"/api/v1/notices/{notice_id}/approve/", {"version": 1}, format="json")
    api["analyst"].patch(f"/api/v1/notices/{notice_id}/", {"channels": ["page"]}, format="json")
    timeline = api["viewer"].get(f"/api/v1/incidents/{incident}/timeline/").json()
    rows = timeline["results"] if isinstance(timeline, dict) else timeline
    kinds = [e["kind"] for e in rows if e["kind"].startswith("notice_")]
    assert kinds == ["notice_drafted", "notice_approved", "notice_edited"]
    edited = next(e for e in rows if e["kind"] == "notice_edited")
    assert edited["payload"]["approval_withdrawn_from_version"] == 1


def test_letter_has_no_text_below_ten_point(api, drafted):
    notice_id = only(drafted)["id"]
    letter = api["viewer"].get(f"/api/v1/notices/{notice_id}/preview/?channel=letter&lang=de")
    sizes = set()

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes.add(round(abs(size * (tm[3] or 1) * (cm[3] or 1)), 1))

    for page in PdfReader(io.BytesIO(letter.content)).pages:
        page.extract_text(visitor_text=visit)
    assert sizes
    assert min(sizes) >= 10, sorted(sizes)
    assert 11 in sizes  # body text


def _date_of_breach_states(notice: dict) -> set[str]:
    return {
        element["state"]
        for entry in notice["current_version"]["checks"]["completeness"]
        for element in entry["elements"]
        if element["code"] == "date_of_breach"
    }


def test_a_breach_window_learnt_after_drafting_reaches_the_notice_with_the_next_edit(
    api, notice_org, clock
):
    facts = {k: v for k, v in INCIDENT.items() if k not in ("occurred_from", "occurred_to")}
    incident_id = api["analyst"].post("/api/v1/incidents/", facts, format="json").json()["id"]
    api["analyst"].post(f"/api/v1/incidents/{incident_id}/assessments/")
    notice = only(api["analyst"].post(f"/api/v1/incidents/{incident_id}/notices/").json())
    assert _date_of_breach_states(notice) == {"empty"}
    window = {"occurred_from": "2026-11-18T22:00:00Z", "occurred_to": "2026-11-19T03:00:00Z"}
    moved = api["analyst"].patch(f"/api/v1/incidents/{incident_id}/", window, format="json")
    assert moved.status_code == 200, moved.content
    url = f"/api/v1/notices/{notice['id']}/"
    edit = api["analyst"].patch(url, {"based_on": 1}, format="json")
    assert edit.status_code == 200, edit.content
    body = edit.json()["current_version"]
    assert body["number"] == 2
    assert body["content"]["facts"]["occurred_from"] == "2026-11-18T22:00:00Z"
    assert _date_of_breach_states(edit.json()) == {"present"}
    assert (
        "Nov. 18, 2026" in api["analyst"].get(f"{url}preview/?channel=email&lang=en").json()["text"]
    )
    nothing = api["analyst"].patch(url, {"based_on": 2}, format="json")
    assert nothing.status_code == 400
    assert nothing.json()["field"] == "changes"


def test_people_whose_language_the_notice_lacks_are_named_not_marked_served(api, notice_org, clock):
    """A Polish hospital's patients in Poland and Czechia: no pl/cs text ships, so the English
    notice warns by country and the recipient-language rule is left for a person to check."""
    facts = {**INCIDENT, "countries": ["PL", "CZ", "IE"], "residents": {"PL": 9, "CZ": 2, "IE": 1}}
    facts["subjects_count"] = 12
    incident_id = api["analyst"].post("/api/v1/incidents/", facts, format="json").json()["id"]
    api["analyst"].post(f"/api/v1/incidents/{incident_id}/assessments/")
    notice = only(api["analyst"].post(f"/api/v1/incidents/{incident_id}/notices/").json())
    checks = notice["current_version"]["checks"]
    [warning] = [w for w in checks["language_warnings"] if w["block"] == "languages"]
    assert (warning["language"], sorted(warning["countries"])) == ("en", ["CZ", "PL"])
    assert "cs, pl" in warning["message"]
    gdpr = completeness_by_rule(notice)["eu-gdpr-34-individuals"]
    states = {f["code"]: f["state"] for f in gdpr["formats"]}
    assert states["fmt_recipient_language"] == "check"


def test_a_notice_in_every_affected_language_has_no_language_gap(drafted):
    """Germany, Norway and California read de, nb and en: the rule is applied, no warning."""
    checks = only(drafted)["current_version"]["checks"]
    assert not [w for w in checks["language_warnings"] if w["block"] == "languages"]
    gdpr = completeness_by_rule(only(drafted))["eu-gdpr-34-individuals"]
    assert {f["code"]: f["state"] for f in gdpr["formats"]}["fmt_recipient_language"] == "applied"
