"""Organisation profile, parties and the authority registry in the workspace: DPOs and
administrators change them through the services; analysts and viewers read."""

import pytest

from incidents.models import AuditEntry, Organization, Party

pytestmark = pytest.mark.django_db

PROFILE = {
    "legal_name": "Example GmbH",
    "role": "controller",
    "country": "DE",
    "lead_authority": "DE-BE",
    "has_eu_establishment": "",
    "dpo_name": "Dana DPO",
    "dpo_email": "dpo@example.test",
    "dpo_phone": "+4930123456",
    "languages": "de, en",
}
CUSTOMER = {
    "kind": "customer",
    "name": "Clinic Nord",
    "contact_name": "Kim",
    "email": "privacy@clinic.test",
    "phone": "+49 30 1234567",
    "language": "de",
    "notice_hours": "24",
    "contract_reference": "DPA 2025-014",
    "active": "on",
}


def test_a_dpo_changes_the_profile_through_the_service(web, org):
    response = web["dpo"].post("/organisation/", {**PROFILE, "dpo_name": "Dora New"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.dpo_name == "Dora New"
    assert org.languages == ["de", "en"]
    entry = AuditEntry.objects.filter(action="organization.changed").latest("seq")
    assert entry.data["changes"] == {"dpo_name": {"old": "Dana DPO", "new": "Dora New"}}
    assert "Profile saved" in web["dpo"].get("/organisation/").content.decode()


def test_a_refused_profile_names_the_field(web, org):
    response = web["dpo"].post("/organisation/", {**PROFILE, "country": "XX"})
    assert response.status_code == 400
    assert response.context["form"].errors["country"] == [
        "country must be an ISO 3166-1 alpha-2 code such as DE or NO, got 'XX'."
    ]
    org.refresh_from_db()
    assert org.country == "DE"


def test_a_dpo_creates_the_first_profile(web):
    assert web["dpo"].post("/organisation/", PROFILE).status_code == 302
    assert Organization.objects.get().lead_authority == "DE-BE"


def test_viewers_and_analysts_read_the_profile_only(web, org):
    for role in ("viewer", "analyst"):
        page = web[role].get("/organisation/")
        assert page.context["form"] is None
        assert "Save the profile" not in page.content.decode()
        assert "Example GmbH" in page.content.decode()
        assert web[role].post("/organisation/", {**PROFILE, "dpo_name": "X"}).status_code == 403
    org.refresh_from_db()
    assert org.dpo_name == "Dana DPO"


def test_a_dpo_adds_edits_and_deletes_a_customer(web):
    dpo = web["dpo"]
    assert dpo.post("/parties/", CUSTOMER).status_code == 302
    party = Party.objects.get(name="Clinic Nord")
    assert (party.kind, party.notice_hours, party.phone) == ("customer", 24, "+49301234567")
    listing = dpo.get("/parties/").content.decode()
    assert "Clinic Nord" in listing
    assert "24 h" in listing
    url = f"/parties/{party.pk}/"
    assert dpo.post(url, {**CUSTOMER, "notice_hours": "48"}).status_code == 302
    party.refresh_from_db()
    assert party.notice_hours == 48
    change = AuditEntry.objects.filter(action="party.updated").latest("seq")
    assert change.data["changes"]["notice_hours"] == {"old": 24, "new": 48}
    assert dpo.post(f"{url}delete/").status_code == 302
    assert not Party.objects.filter(pk=party.pk).exists()


def test_refused_parties_show_the_services_message(web):
    web["dpo"].post("/parties/", CUSTOMER)
    twin = web["dpo"].post("/parties/", {**CUSTOMER, "name": "clinic nord"})
    assert twin.status_code == 400
    assert "already exists" in twin.context["form"].errors["name"][0]
    processor = web["dpo"].post("/parties/", {**CUSTOMER, "kind": "processor", "name": "Mailer"})
    assert processor.status_code == 400
    assert "customers only" in processor.context["form"].errors["notice_hours"][0]
    assert Party.objects.count() == 1


def test_analysts_read_parties_only(web):
    web["dpo"].post("/parties/", CUSTOMER)
    party = Party.objects.get()
    analyst = web["analyst"]
    assert analyst.get("/parties/").context["form"] is None
    assert analyst.get(f"/parties/{party.pk}/").context["form"] is None
    assert analyst.post("/parties/", {**CUSTOMER, "name": "Other"}).status_code == 403
    assert analyst.post(f"/parties/{party.pk}/", {**CUSTOMER, "name": "X"}).status_code == 403
    assert analyst.post(f"/parties/{party.pk}/delete/").status_code == 403
    assert list(Party.objects.values_list("name", flat=True)) == ["Clinic Nord"]
    assert web["viewer"].get("/parties/999999/").status_code == 404


def test_the_authority_registry_filters_like_the_api(web):
    page = web["viewer"].get("/authorities/?jurisdiction=DE&kind=dpa")
    codes = [a.code for a in page.context["page"].object_list]
    assert "DE-BE" in codes
    assert all(code.startswith("DE") for code in codes)
    assert "in the admin" not in page.content.decode()
    assert "Edit DE-BE in the admin" in web["dpo"].get("/authorities/?q=DE-BE").content.decode()
    everything = web["viewer"].get("/authorities/").context["page"]
    assert len(everything.object_list) == 50
    assert everything.paginator.count > 50
