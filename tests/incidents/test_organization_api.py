"""GET/PATCH /api/v1/organization/: validation, permissions, audit, re-planning."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model

from incidents.models import AuditEntry, Organization
from incidents.services.incidents import incident_create
from incidents.services.lifecycle import incident_transition
from tests.conftest import ROLES, sign_in_verified, utc

pytestmark = pytest.mark.django_db
URL = "/api/v1/organization/"
AWARE = utc(2026, 5, 4, 9, 30)


def _incident(dpo, title="Exfiltration", countries=("DE",)):
    with time_machine.travel(AWARE + timedelta(hours=1), tick=False):
        return incident_create(
            actor=dpo,
            data={"title": title, "aware_at": AWARE, "countries": list(countries)},
        )


def _live_codes(incident) -> set[str]:
    return set(
        incident.obligations.exclude(status="not_required").values_list("rule_code", flat=True)
    )


def test_every_role_reads_the_profile(api, org) -> None:
    for role in ROLES:
        response = api[role].get(URL)
        assert response.status_code == 200, role
    body = response.json()
    assert body["legal_name"] == "Example GmbH"
    assert body["lead_authority"] == "DE-BE"
    assert body["lead_authority_detail"]["code"] == "DE-BE"
    assert body["lead_authority_detail"]["url"].startswith("https://")
    assert body["has_eu_establishment"] is None
    assert body["eu_establishment"] is True  # derived from DE
    assert api["anonymous"].get(URL).status_code == 401


def test_no_profile_yet_is_a_404(api) -> None:
    response = api["viewer"].get(URL)
    assert response.status_code == 404
    assert "PATCH" in response.json()["detail"]


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_only_admin_and_dpo_may_change_it(api, org, role) -> None:
    response = api[role].patch(URL, {"dpo_name": "Mallory"}, format="json")
    assert response.status_code == 403
    org.refresh_from_db()
    assert org.dpo_name == "Dana DPO"


@pytest.mark.parametrize("role", ["admin", "dpo"])
def test_admin_and_dpo_change_it(api, org, role) -> None:
    response = api[role].patch(URL, {"dpo_name": "Erik DPO"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["changes"] == {"dpo_name": {"old": "Dana DPO", "new": "Erik DPO"}}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"country": "XX"}, "country"),
        ({"country": "DEU"}, "country"),
        ({"lead_authority": "DE-NOWHERE"}, "lead_authority"),
        ({"lead_authority": "US-CA-AG"}, "lead_authority"),  # not a data-protection authority
        ({"sectors": ["bank"]}, "sectors"),
        ({"sectors": "nis2_essential"}, "sectors"),
        ({"languages": ["xx"]}, "languages"),
        ({"languages": ["eng"]}, "languages"),
        ({"has_eu_establishment": "maybe"}, "has_eu_establishment"),
        ({"eu_representative_country": "US"}, "eu_representative_country"),  # not EU/EEA
        ({"eu_representative_country": "FRA"}, "eu_representative_country"),
        ({"role": "owner"}, "role"),
        ({"dpo_phone": "0301234"}, "dpo_phone"),
        ({"dpo_email": "not-an-address"}, "dpo_email"),
        ({"legal_name": ""}, "legal_name"),
        ({"lead_authorty": "IE-DPC"}, "lead_authorty"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(api, org, body, field) -> None:
    before = Organization.objects.values().get(pk=org.pk)
    response = api["dpo"].patch(URL, {**body, "dpo_name": "Changed"}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert Organization.objects.values().get(pk=org.pk) == before
    assert not AuditEntry.objects.filter(object_type="organization").exists()


def test_values_are_normalised(api, org) -> None:
    response = api["dpo"].patch(
        URL,
        {
            "country": "no",
            "lead_authority": "no-datatilsynet",
            "languages": ["NB", "en", "en"],
            "sectors": ["telecom_provider"],
            "has_eu_establishment": True,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    org.refresh_from_db()
    assert (org.country, org.lead_authority) == ("NO", "NO-DATATILSYNET")
    assert org.languages == ["nb", "en"]
    assert org.sectors == ["telecom_provider"]
    assert org.has_eu_establishment is True


def test_change_is_audited_old_to_new(api, org) -> None:
    api["dpo"].patch(URL, {"lead_authority": "DE-BY", "languages": ["de"]}, format="json")
    entry = AuditEntry.objects.get(action="organization.changed")
    assert entry.actor == "user:dpo"
    assert entry.data["changes"] == {
        "lead_authority": {"old": "DE-BE", "new": "DE-BY"},
        "languages": {"old": ["de", "en"], "new": ["de"]},
    }


def test_unchanged_values_are_not_a_change(api, org) -> None:
    response = api["dpo"].patch(URL, {"country": "de", "lead_authority": "DE-BE"}, format="json")
    assert response.status_code == 200
    assert response.json()["changes"] == {}
    assert response.json()["replanned"] == []
    assert not AuditEntry.objects.filter(object_type="organization").exists()


def test_lead_authority_change_readdresses_open_incidents_and_says_what_changed(
    api, org, dpo
) -> None:
    incident = _incident(dpo)
    sa = incident.obligations.get(rule_code="eu-gdpr-33-1-sa")
    assert sa.recipient_authority["code"] == "DE-BE"

    response = api["dpo"].patch(URL, {"lead_authority": "DE-BY"}, format="json")

    assert response.status_code == 200, response.content
    [plan] = response.json()["replanned"]
    assert plan["incident"] == incident.pk
    assert plan["reference"] == incident.reference
    readdressed = {row["rule"]: row for row in plan["readdressed"]}
    assert readdressed["eu-gdpr-33-1-sa"]["authority"] == {"old": "DE-BE", "new": "DE-BY"}
    sa.refresh_from_db()
    assert sa.recipient_authority["code"] == "DE-BY"
    planned = incident.events.filter(kind="obligations_planned").order_by("-id").first()
    assert planned.actor_label == "user:dpo"
    entry = AuditEntry.objects.get(action="organization.changed")
    assert entry.data["replanned"] == response.json()["replanned"]


def test_role_change_is_the_default_for_new_incidents_only(api, org, dpo) -> None:
    incident = _incident(dpo)
    before = _live_codes(incident)
    response = api["dpo"].patch(URL, {"role": "processor"}, format="json")
    assert response.status_code == 200, response.content
    [plan] = response.json()["replanned"]
    assert (plan["added"], plan["removed"]) == ([], [])
    incident.refresh_from_db()
    assert incident.role == "controller"  # each incident keeps the role it was recorded with
    assert _live_codes(incident) == before
    created = api["dpo"].post("/api/v1/incidents/", {"title": "New"}, format="json").json()
    assert created["role"] == "processor"


def test_sector_change_adds_the_sector_duties(api, org, dpo) -> None:
    incident = _incident(dpo)
    response = api["admin"].patch(URL, {"sectors": ["nis2_essential"]}, format="json")
    [plan] = response.json()["replanned"]
    added = {row["rule"] for row in plan["added"]}
    assert {"eu-nis2-23-4a-early-warning", "eu-nis2-23-4b-incident-notification"} <= added
    early = next(row for row in plan["added"] if row["rule"] == "eu-nis2-23-4a-early-warning")
    assert early["due_at"] == "2026-05-05T09:30:00Z"
    assert plan["removed"] == []
    assert "eu-nis2-23-4a-early-warning" in _live_codes(incident)


def test_the_eu_representative_names_the_nis2_authority_of_a_non_eu_organisation(
    api, org, dpo
) -> None:
    """NIS2 Art. 26(3): without an EU/EEA establishment, the member state of the EU
    representative decides; until it is recorded the duty says so."""
    org.sectors, org.country, org.lead_authority = ["nis2_essential"], "US", ""
    org.has_eu_establishment = False
    org.save()
    incident = _incident(dpo)  # people affected in Germany
    early = incident.obligations.get(rule_code="eu-nis2-23-4a-early-warning")
    # Art. 26(4): where the services are provided, and the reason says what is missing.
    assert early.recipient_authority["code"] == "DE-BSI"
    assert "EU representative is not recorded" in early.status_reason
    assert "eu_representative_country" in early.status_reason
    assert "NIS2 Art. 26(3)" in early.status_reason

    response = api["dpo"].patch(URL, {"eu_representative_country": "fr"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["changes"]["eu_representative_country"] == {"old": "", "new": "FR"}
    [plan] = response.json()["replanned"]
    readdressed = {row["rule"]: row for row in plan["readdressed"]}
    assert readdressed["eu-nis2-23-4a-early-warning"]["authority"] == {
        "old": "DE-BSI",
        "new": "FR-ANSSI",
    }
    early.refresh_from_db()
    assert early.recipient_authority["code"] == "FR-ANSSI"
    assert "the EU representative is in FR" in early.status_reason
    # A representative's state without a NIS2 authority in the registry: named in words.
    api["dpo"].patch(URL, {"eu_representative_country": "PL"}, format="json")
    early.refresh_from_db()
    assert early.recipient_authority is None
    assert early.recipient == (
        "National CSIRT or competent authority of PL (the member state of the EU representative)"
    )


def test_dismissed_and_archived_incidents_are_not_replanned(api, org, dpo) -> None:
    open_one = _incident(dpo, "Open")
    dismissed = _incident(dpo, "Dismissed")
    incident_transition(
        incident_id=dismissed.pk, actor=dpo, to="dismissed", comment="Not personal data"
    )
    response = api["dpo"].patch(URL, {"role": "processor"}, format="json")
    assert [row["incident"] for row in response.json()["replanned"]] == [open_one.pk]


def test_contact_change_is_audited_but_replans_nothing(api, org, dpo) -> None:
    _incident(dpo)
    response = api["dpo"].patch(URL, {"dpo_phone": "+47 22 33 44 55"}, format="json")
    assert response.json()["replanned"] == []
    assert response.json()["dpo_phone"] == "+4722334455"
    assert AuditEntry.objects.filter(action="organization.changed").count() == 1


def test_patch_creates_the_profile_when_there_is_none(api) -> None:
    response = api["admin"].patch(URL, {"legal_name": "Fjord Cloud AS"}, format="json")
    assert response.status_code == 400
    assert "country" in response.json()["errors"]
    response = api["admin"].patch(
        URL,
        {"legal_name": "Fjord Cloud AS", "country": "NO", "role": "both"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["eu_establishment"] is True
    assert Organization.objects.get().legal_name == "Fjord Cloud AS"
    assert AuditEntry.objects.get(action="organization.created").data["changes"]["country"] == {
        "old": None,
        "new": "NO",
    }


def test_admin_form_validates_and_replans_through_the_service(client, org, dpo) -> None:
    incident = _incident(dpo)
    root = get_user_model().objects.create_superuser("root", "root@example.test", "pw")
    sign_in_verified(client, root)
    url = f"/admin/incidents/organization/{org.pk}/change/"
    form = {
        "legal_name": org.legal_name,
        "role": "controller",
        "country": "DE",
        "lead_authority": "NOPE",
        "has_eu_establishment": "unknown",
        "dpo_name": org.dpo_name,
        "dpo_email": org.dpo_email,
        "dpo_phone": org.dpo_phone,
        "sectors": "[]",
        "languages": '["de", "en"]',
    }
    page = client.post(url, form)
    assert page.status_code == 200  # the form again, with the error
    assert b"not in the authority registry" in page.content
    response = client.post(url, {**form, "lead_authority": "DE-BY", "role": "processor"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.lead_authority, org.role) == ("DE-BY", "processor")
    entry = AuditEntry.objects.get(action="organization.changed")
    assert entry.actor == "user:root"
    assert entry.data["replanned"][0]["incident"] == incident.pk
    authority = incident.obligations.get(rule_code="eu-gdpr-33-1-sa").recipient_authority
    assert authority["code"] == "DE-BY"
