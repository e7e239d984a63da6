"""Every obligation towards an authority names it (issue 9, through the API)."""

from datetime import timedelta

import pytest
import time_machine

from incidents.models import Organization
from tests.conftest import utc

AWARE = utc(2026, 6, 1, 7)


def create(api, **data) -> int:
    with time_machine.travel(AWARE + timedelta(minutes=5), tick=False):
        response = api["dpo"].post(
            "/api/v1/incidents/",
            {"title": "Breach", "aware_at": "2026-06-01T07:00:00Z", **data},
            format="json",
        )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def authority_rows(api, pk, rule="eu-gdpr-33-1-sa") -> list[dict]:
    rows = api["dpo"].get(f"/api/v1/incidents/{pk}/obligations/").json()
    return [r for r in rows if r["rule_code"] == rule]


@pytest.mark.django_db
def test_a_controller_without_an_eu_establishment_tells_each_concerned_authority(api, org):
    Organization.objects.update(
        country="US", lead_authority="", has_eu_establishment=False, legal_name="Vendor Inc."
    )
    pk = create(api, countries=["FR", "IE"])
    rows = authority_rows(api, pk)
    assert [r["recipient_authority"]["code"] for r in rows] == ["FR-CNIL", "IE-DPC"]
    assert [r["recipient_key"] for r in rows] == ["authority:FR-CNIL", "authority:IE-DPC"]
    cnil = rows[0]
    assert cnil["recipient_authority"]["name"].endswith("(CNIL)")
    assert cnil["recipient_authority"]["url"].startswith("https://")
    assert cnil["recipient"] == cnil["recipient_authority"]["name"]
    assert all(r["due_at"] == "2026-06-04T07:00:00Z" for r in rows)  # one 72 h clock each


@pytest.mark.django_db
def test_a_norwegian_controllers_authority_duty_names_datatilsynet(api, org):
    Organization.objects.update(
        country="NO", lead_authority="NO-DATATILSYNET", has_eu_establishment=True
    )
    pk = create(api, countries=["NO"])
    (row,) = authority_rows(api, pk)
    assert row["recipient_authority"]["code"] == "NO-DATATILSYNET"
    assert row["recipient_key"] == ""


@pytest.mark.django_db
def test_an_eu_controller_tells_its_lead_authority_once(api, org):
    pk = create(api, countries=["FR", "IE", "DE"])
    (row,) = authority_rows(api, pk)
    assert row["recipient_authority"]["code"] == "DE-BE"  # the organisation's lead authority


@pytest.mark.django_db
def test_national_specifics_attach_to_the_duty_they_qualify(api, org):
    Organization.objects.update(
        country="US", lead_authority="", has_eu_establishment=False, legal_name="Vendor Inc."
    )
    pk = create(api, countries=["CY", "FR"])
    rows = {r["recipient_authority"]["code"]: r for r in authority_rows(api, pk)}
    cyprus = [code for code in rows if code.startswith("CY")]
    assert len(cyprus) == 1
    specifics = rows[cyprus[0]]["national_specifics"]
    assert [s["rule"] for s in specifics] == ["cy-gdpr-33-commissioner"]
    assert "commissioner@dataprotection.gov.cy" in specifics[0]["recipient"]
    assert rows["FR-CNIL"]["national_specifics"] == []


@pytest.mark.django_db
def test_people_in_germany_get_a_land_authority_to_choose_never_the_bfdi(api, org):
    """BDSG §40: private controllers answer to a Land DPA; the BfDI supervises federal bodies."""
    Organization.objects.update(
        country="US", lead_authority="", has_eu_establishment=False, legal_name="Vendor Inc."
    )
    pk = create(api, countries=["DE", "FR"])
    rows = {r["recipient_key"]: r for r in authority_rows(api, pk)}
    assert set(rows) == {"authority:FR-CNIL", "authority:choose"}
    choose = rows["authority:choose"]
    assert choose["recipient_authority"] is None
    assert "Land data-protection authority" in choose["recipient"]
    assert "BDSG §40" in choose["status_reason"]
    assert choose["due_at"] == "2026-06-04T07:00:00Z"
    alone = create(api, countries=["DE"])
    (row,) = authority_rows(api, alone)
    assert row["recipient_authority"] is None
    assert "choose" in row["recipient"]
    Organization.objects.update(lead_authority="DE-HH")  # the Land of its representative
    recorded = create(api, countries=["DE"])
    (row,) = authority_rows(api, recorded)
    assert row["recipient_authority"]["code"] == "DE-HH"
