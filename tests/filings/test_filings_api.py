"""A DPO goes from an assessed incident to a submitted initial and then final filing (API)."""

from datetime import timedelta

import pytest
import time_machine

from incidents.models import AuditEntry, Obligation
from notifications.filings.models import Filing, FilingVersion
from tests.conftest import utc
from tests.filings.conftest import AWARE, draft, obligation

DAY_TWO = AWARE + timedelta(hours=26)


@pytest.mark.django_db
def test_initial_then_final_filing_through_the_api(api, assessed):
    incident_id = assessed["id"]
    with time_machine.travel(DAY_TWO, tick=False):
        initial = draft(api, incident_id, "eu-gdpr-33-1-sa", "initial")
        assert initial["regime"] == "gdpr"
        assert initial["status"] == "draft"
        assert initial["language"] == "de"  # the org's lead authority is in Berlin
        content = initial["content"]
        assert content["approx_subjects"] == {"count": 5800}
        assert content["approx_records"] == {"count": 6100}
        assert content["data_involved"] == ["identity", "contact", "financial"]
        assert content["dpo_contact"] == "Dana DPO, dpo@example.test, +4930123456"
        assert content["date_discovered"]["aware_at"] == "2026-05-04T09:30:00Z"
        assert content["cross_border"] == {"countries": ["AT", "DE"], "cross_border": True}
        assert "high risk" in content["individuals_notified"]
        assert initial["completeness"]["submittable"] is True

        # An analyst drafts, but only a DPO submits.
        url = f"/api/v1/filings/{initial['id']}/submit/"
        stamp = {
            "submitted_at": "2026-05-05T11:00:00Z",
            "channel": "portal",
            "authority_reference": "BlnBDI-2026-0815",
        }
        assert api["analyst"].post(url, stamp, format="json").status_code == 403
        submitted = api["dpo"].post(url, stamp, format="json")
        assert submitted.status_code == 200, submitted.json()
    body = submitted.json()
    assert body["status"] == "submitted"
    assert body["late"] is False
    assert body["met_obligations"] == ["eu-gdpr-33-1-sa"]
    assert len(body["snapshot_hash"]) == 64
    met = obligation(api, incident_id, "eu-gdpr-33-1-sa")
    assert met["status"] == "met"
    assert met["met_at"] == "2026-05-05T11:00:00Z"
    stored = Obligation.objects.get(pk=met["id"])
    assert stored.evidence["filing_id"] == initial["id"]
    assert stored.evidence["snapshot_hash"] == body["snapshot_hash"]
    entry = AuditEntry.objects.get(seq=body["audit_seq"])
    assert entry.action == "filing.submitted"
    assert entry.data["snapshot_hash"] == body["snapshot_hash"]
    assert entry.data["snapshot"]["content"]["approx_subjects"] == {"count": 5800}

    # New facts arrive; the final filing starts from them and shows what changed.
    with time_machine.travel(DAY_TWO + timedelta(days=3), tick=False):
        api["dpo"].patch(
            f"/api/v1/incidents/{incident_id}/",
            {"subjects_count": 6400, "measures_taken": "Credential revoked; MFA enforced."},
            format="json",
        )
        final = draft(api, incident_id, "eu-gdpr-33-1-sa", "final")
        assert final["previous"] == initial["id"]
        assert final["content"]["incident_reference"] == {
            "ours": assessed["reference"],
            "authority": "BlnBDI-2026-0815",
        }
        changed = {c["element"]: c for c in final["changes"]}
        assert changed["approx_subjects"]["before"] == {"count": 5800}
        assert changed["approx_subjects"]["after"] == {"count": 6400}
        assert changed["measures_taken"]["change"] == "changed"
        assert "approx_records" not in changed
        done = api["dpo"].post(
            f"/api/v1/filings/{final['id']}/submit/",
            {"submitted_at": "2026-05-08T11:00:00Z", "channel": "email"},
            format="json",
        )
        assert done.status_code == 200, done.json()
    assert done.json()["met_obligations"] == ["eu-gdpr-33-4-phased"]
    assert obligation(api, incident_id, "eu-gdpr-33-4-phased")["status"] == "met"
    listed = api["viewer"].get(f"/api/v1/incidents/{incident_id}/filings/").json()
    assert [(f["phase"], f["status"]) for f in listed] == [
        ("initial", "submitted"),
        ("final", "submitted"),
    ]


@pytest.mark.django_db
def test_follow_up_needs_a_submitted_first_filing(api, assessed):
    target = obligation(api, assessed["id"], "eu-gdpr-33-1-sa")
    with time_machine.travel(DAY_TWO, tick=False):
        response = api["analyst"].post(
            f"/api/v1/incidents/{assessed['id']}/filings/",
            {"obligation": target["id"], "phase": "final"},
            format="json",
        )
        assert response.status_code == 409
        assert response.json()["field"] == "phase"
        wrong = api["analyst"].post(
            f"/api/v1/incidents/{assessed['id']}/filings/",
            {"obligation": target["id"], "phase": "early_warning"},
            format="json",
        )
    assert wrong.status_code == 400
    assert wrong.json()["allowed"] == ["initial", "follow_up", "final"]


@pytest.mark.django_db
def test_incomplete_initial_is_refused_until_it_says_what_follows_and_when(api, assessed):
    with time_machine.travel(DAY_TWO, tick=False):
        initial = draft(api, assessed["id"], "eu-gdpr-33-1-sa", "initial")
        url = f"/api/v1/filings/{initial['id']}"
        edited = api["analyst"].patch(
            f"{url}/", {"content": {"approx_records": None}}, format="json"
        )
        assert edited.json()["version"] == 2
        assert edited.json()["completeness"]["missing"] == ["approx_records"]
        stamp = {"submitted_at": "2026-05-05T11:00:00Z", "channel": "portal"}
        refused = api["dpo"].post(f"{url}/submit/", stamp, format="json")
        assert refused.status_code == 422
        assert refused.json()["completeness"]["missing"] == ["approx_records"]
        api["analyst"].patch(
            f"{url}/",
            {
                "content": {"information_to_follow": "Number of records after forensics."},
                "follow_up_by": "2026-05-09T12:00:00Z",
            },
            format="json",
        )
        accepted = api["dpo"].post(f"{url}/submit/", stamp, format="json")
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["version"] == 3
    assert accepted.json()["follow_up_by"] == "2026-05-09T12:00:00Z"


@pytest.mark.django_db
def test_late_filing_without_reasons_is_refused(api, assessed):
    late_time = AWARE + timedelta(hours=80)
    with time_machine.travel(late_time, tick=False):
        initial = draft(api, assessed["id"], "eu-gdpr-33-1-sa", "initial")
        assert initial["completeness"]["delay_reasons_required"] is True
        url = f"/api/v1/filings/{initial['id']}/submit/"
        stamp = {"submitted_at": "2026-05-07T17:00:00Z", "channel": "letter"}
        refused = api["dpo"].post(url, stamp, format="json")
        assert refused.status_code == 422
        assert refused.json()["field"] == "content.reasons_for_delay"
        assert "GDPR Art. 33(1)" in refused.json()["detail"]
        assert obligation(api, assessed["id"], "eu-gdpr-33-1-sa")["status"] == "pending"
        accepted = api["dpo"].post(
            url, {**stamp, "reasons_for_delay": "Forensic confirmation took 3 days."}, "json"
        )
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["late"] is True
    assert accepted.json()["late_by_seconds"] == 7 * 3600 + 30 * 60
    met = obligation(api, assessed["id"], "eu-gdpr-33-1-sa")
    assert met["status"] == "late"
    assert met["delay_reason"] == "Forensic confirmation took 3 days."


@pytest.mark.django_db
def test_submitted_filing_is_frozen(api, assessed):
    with time_machine.travel(DAY_TWO, tick=False):
        initial = draft(api, assessed["id"], "eu-gdpr-33-1-sa", "initial")
        url = f"/api/v1/filings/{initial['id']}"
        api["dpo"].post(
            f"{url}/submit/",
            {"submitted_at": "2026-05-05T11:00:00Z", "channel": "api"},
            format="json",
        )
        edit = api["dpo"].patch(f"{url}/", {"content": {"cause": "unknown"}}, format="json")
        again = api["dpo"].post(
            f"{url}/submit/",
            {"submitted_at": "2026-05-05T11:15:00Z", "channel": "api"},
            format="json",
        )
    assert edit.status_code == 409
    assert again.status_code == 409
    assert FilingVersion.objects.filter(filing_id=initial["id"]).count() == 1


@pytest.mark.django_db
def test_bad_input_names_the_field(api, assessed):
    with time_machine.travel(DAY_TWO, tick=False):
        initial = draft(api, assessed["id"], "eu-gdpr-33-1-sa", "initial")
        url = f"/api/v1/filings/{initial['id']}"
        unknown = api["analyst"].patch(f"{url}/", {"content": {"shoe_size": 42}}, format="json")
        naive = api["dpo"].post(
            f"{url}/submit/", {"submitted_at": "2026-05-05T11:00:00", "channel": "portal"}, "json"
        )
        future = api["dpo"].post(
            f"{url}/submit/", {"submitted_at": "2026-06-05T11:00:00Z", "channel": "portal"}, "json"
        )
        channel = api["dpo"].post(
            f"{url}/submit/", {"submitted_at": "2026-05-05T11:00:00Z", "channel": "fax"}, "json"
        )
        people = api["analyst"].post(
            f"/api/v1/incidents/{assessed['id']}/filings/",
            {
                "obligation": obligation(api, assessed["id"], "eu-gdpr-34-individuals")["id"],
                "phase": "initial",
            },
            format="json",
        )
    assert unknown.status_code == 400
    assert unknown.json()["field"] == "content.shoe_size"
    assert naive.status_code == 400
    assert "submitted_at" in naive.json()["errors"]
    assert future.status_code == 400
    assert future.json()["field"] == "submitted_at"
    assert channel.status_code == 400
    assert "channel" in channel.json()["errors"]
    assert people.status_code == 400
    assert people.json()["field"] == "obligation"
    assert Filing.objects.get(pk=initial["id"]).status == "draft"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "field"),
    [
        ({"date_of_breach": {"from": "yesterday", "to": None}}, "content.date_of_breach.from"),
        ({"date_of_breach": {"from": "2026-05-03T10:00:00"}}, "content.date_of_breach.from"),
        ({"date_discovered": {"aware_at": 20260504}}, "content.date_discovered.aware_at"),
        ({"approx_subjects": {"count": "many"}}, "content.approx_subjects.count"),
        ({"approx_records": {"min": -5, "max": 10}}, "content.approx_records.min"),
        ({"approx_subjects": {"count": True}}, "content.approx_subjects.count"),
        # Text elements take a string (or null), never a number, list, object or boolean.
        ({"what_happened": 123}, "content.what_happened"),
        ({"measures_taken": ["Reset passwords"]}, "content.measures_taken"),
        ({"dpo_contact": {"name": "DPO"}}, "content.dpo_contact"),
        ({"risk_rationale": True}, "content.risk_rationale"),
        ({"likely_consequences": 1.5}, "content.likely_consequences"),
    ],
)
def test_element_objects_the_renditions_read_are_checked_when_written(
    api, assessed, content, field
):
    """A timestamp, count or text that is not one is a 400 naming it, not a 500 at render."""
    with time_machine.travel(DAY_TWO, tick=False):
        initial = draft(api, assessed["id"], "eu-gdpr-33-1-sa", "initial")
        url = f"/api/v1/filings/{initial['id']}/"
        edit = api["analyst"].patch(url, {"content": content}, format="json")
        assert edit.status_code == 400, edit.json()
        assert edit.json()["field"] == field
        assert api["analyst"].get(url).json()["version"] == initial["version"]
        assert api["analyst"].get(f"{url}render/?output=html").status_code == 200


@pytest.mark.django_db
def test_text_elements_still_take_strings_and_null(api, assessed):
    with time_machine.travel(DAY_TWO, tick=False):
        initial = draft(api, assessed["id"], "eu-gdpr-33-1-sa", "initial")
        url = f"/api/v1/filings/{initial['id']}/"
        cleared = api["analyst"].patch(url, {"content": {"what_happened": None}}, format="json")
        written = api["analyst"].patch(url, {"content": {"what_happened": "As written."}}, "json")
    assert cleared.status_code == 200, cleared.json()
    assert written.status_code == 200, written.json()
    assert written.json()["content"]["what_happened"] == "As written."


@pytest.mark.django_db
def test_hand_written_values_in_timestamp_elements_render_as_written(api, assessed):
    with time_machine.travel(DAY_TWO, tick=False):
        initial = draft(api, assessed["id"], "eu-gdpr-33-1-sa", "initial")
        url = f"/api/v1/filings/{initial['id']}/"
        edit = api["analyst"].patch(
            url, {"content": {"detection_datetime": "Tuesday morning, exact time unknown"}}, "json"
        )
        assert edit.status_code == 200, edit.json()
        rendered = api["analyst"].get(f"{url}render/?output=json")
    assert rendered.status_code == 200
    [row] = [e for e in rendered.json()["elements"] if e["code"] == "detection_datetime"]
    assert row["display"] == "Tuesday morning, exact time unknown"


@pytest.mark.django_db
def test_viewer_reads_but_cannot_draft(api, assessed):
    target = obligation(api, assessed["id"], "eu-gdpr-33-1-sa")
    response = api["viewer"].post(
        f"/api/v1/incidents/{assessed['id']}/filings/",
        {"obligation": target["id"], "phase": "initial"},
        format="json",
    )
    assert response.status_code == 403
    assert api["anonymous"].get(f"/api/v1/incidents/{assessed['id']}/filings/").status_code in (
        401,
        403,
    )
    assert utc(2026, 1, 1)  # the shared helper stays importable for the clock-based tests
