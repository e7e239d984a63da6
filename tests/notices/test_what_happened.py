"""The notice's "what happened" sentence says how the breach happened (the incident's vector,
with what its cause adds), in plain language, in every language of the notice."""

import pytest

from tests.notices.conftest import INCIDENT

BASE = {k: v for k, v in INCIDENT.items() if k not in ("measures_taken", "measures_proposed")}
PLAIN_KINDS = {"jargon", "passive_voice", "long_sentence", "very_long_sentence"}


def drafted_notice(api, facts: dict) -> dict:
    created = api["analyst"].post("/api/v1/incidents/", {**BASE, **facts}, format="json")
    assert created.status_code == 201, created.content
    incident_id = created.json()["id"]
    assessed = api["analyst"].post(f"/api/v1/incidents/{incident_id}/assessments/")
    assert assessed.json()["risk_level"] == "high", assessed.json()
    response = api["analyst"].post(f"/api/v1/incidents/{incident_id}/notices/", {}, "json")
    assert response.status_code == 201, response.content
    return response.json()[0]["current_version"]


def what_happened(version: dict) -> dict[str, str]:
    return version["content"]["blocks"]["what_happened"]


def plain_findings(version: dict) -> list[dict]:
    return [
        w
        for checks in version["checks"]["plain_language"].values()
        for w in checks["warnings"]
        if w["block"] == "what_happened" and w["kind"] in PLAIN_KINDS
    ]


@pytest.mark.django_db
def test_a_stolen_unencrypted_laptop_says_someone_stole_it_and_the_data_was_not_locked(
    api, notice_org, clock
):
    version = drafted_notice(
        api,
        {
            "title": "Laptop with patient list stolen from a car",
            "vector": "stolen_device",
            "data_categories": ["identity", "contact", "health"],
            "subject_categories": ["patients"],
            "exposure": "unknown_recipients",
            "credentials_protection": None,
        },
    )
    text = what_happened(version)
    assert "Someone stole a device of ours that held personal data" in text["en"]
    assert "We had not protected the data with encryption." in text["en"]
    assert "criminals got into one of our systems" not in text["en"].lower()
    assert "Jemand hat uns ein Gerät" in text["de"]
    assert "Noen stjal en av våre enheter" in text["nb"]
    assert plain_findings(version) == []


@pytest.mark.django_db
def test_a_misdirected_email_says_we_sent_it_to_the_wrong_people_by_mistake(api, notice_org, clock):
    version = drafted_notice(
        api,
        {
            "title": "Pupils' grades and support needs sent to the parents' list",
            "vector": "misdirected_email",
            "cause": "accidental_internal",
            "data_categories": ["identity", "education", "health"],
            "subject_categories": ["children", "students"],
            "exposure": "known_untrusted_recipient",
            "credentials_protection": None,
        },
    )
    text = what_happened(version)["en"]
    assert "We sent an e-mail with personal data to the wrong people by mistake." in text
    assert "criminals" not in text.lower()
    assert "We made a mistake that exposed personal data." not in text  # no second telling
    assert "versehentlich eine E-Mail" in what_happened(version)["de"]
    assert plain_findings(version) == []


@pytest.mark.django_db
def test_ransomware_says_criminals_locked_our_files_without_the_jargon_and_brings_its_advice(
    api, notice_org, clock
):
    version = drafted_notice(
        api,
        {
            "title": "File server encrypted, data copied",
            "vector": "ransomware",
            "breach_types": ["availability", "confidentiality"],
            "availability_impact": "prolonged",
        },
    )
    text = what_happened(version)["en"]
    assert "Criminals put harmful software on our systems." in text
    assert "locked our files" in text
    assert "They copied personal data and took it." in text
    assert "ransomware" not in text.lower()
    assert plain_findings(version) == []
    advice = [a["text"]["en"] for a in version["content"]["advice"]]
    assert any("Do not reply to or pay anyone" in a for a in advice), advice


@pytest.mark.django_db
def test_a_supplier_breach_names_the_supplier_and_says_what_went_wrong_there(
    api, notice_org, clock
):
    host = api["dpo"].post(
        "/api/v1/parties/", {"kind": "processor", "name": "Mailer Ltd"}, format="json"
    )
    assert host.status_code == 201, host.content
    version = drafted_notice(
        api,
        {"vector": "supplier_breach", "source_party": host.json()["id"]},
    )
    text = what_happened(version)
    assert "The breach happened at Mailer Ltd, a company that handles personal data" in text["en"]
    assert "Criminals got into that company's systems." in text["en"]
    assert "Mailer Ltd" in text["de"]
    assert "%(" not in text["de"]
    assert plain_findings(version) == []


@pytest.mark.django_db
def test_without_a_vector_the_cause_still_says_how_it_happened(api, notice_org, clock):
    version = drafted_notice(api, {})
    assert (
        "Criminals got into one of our systems without permission."
        in (what_happened(version)["en"])
    )


@pytest.mark.django_db
def test_ransomware_at_a_processor_says_it_locked_that_companys_systems_not_ours(
    api, notice_org, clock
):
    host = api["dpo"].post(
        "/api/v1/parties/", {"kind": "processor", "name": "CoreHost Ltd"}, format="json"
    )
    version = drafted_notice(
        api,
        {
            "vector": "ransomware",
            "source_party": host.json()["id"],
            "breach_types": ["availability", "confidentiality"],
        },
    )
    text = what_happened(version)
    assert "The breach happened at CoreHost Ltd, a company that handles personal data" in text["en"]
    assert "Criminals put harmful software on that company's systems." in text["en"]
    assert "our systems" not in text["en"]
    assert "die Systeme dieses Unternehmens" in text["de"]
    assert plain_findings(version) == []
