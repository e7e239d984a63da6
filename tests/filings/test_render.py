"""Renditions: the PDF read back carries every Art. 33(3) element; languages; DORA export."""

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from pypdf import PdfReader

from incidents.rules.phases import regime_for_rule
from notifications.filings import labels
from tests.filings.conftest import AWARE, draft

DAY_TWO = AWARE + timedelta(hours=26)


def pdf_text(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), len(reader.pages)


def submitted_initial(api, incident_id: int, language: str | None = None) -> dict:
    with time_machine.travel(DAY_TWO, tick=False):
        filing = draft(api, incident_id, "eu-gdpr-33-1-sa", "initial")
        if language:
            api["analyst"].patch(
                f"/api/v1/filings/{filing['id']}/", {"language": language}, format="json"
            )
        response = api["dpo"].post(
            f"/api/v1/filings/{filing['id']}/submit/",
            {
                "submitted_at": "2026-05-05T11:00:00Z",
                "channel": "portal",
                "authority_reference": "CASE-77",
            },
            format="json",
        )
    assert response.status_code == 200, response.json()
    return response.json()


@pytest.mark.django_db
def test_pdf_read_back_has_every_article_33_3_element(api, assessed):
    filing = submitted_initial(api, assessed["id"], language="en")
    response = api["viewer"].get(f"/api/v1/filings/{filing['id']}/render/?output=pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text, pages = pdf_text(response.content)
    initial = regime_for_rule("eu-gdpr-33-1-sa").phase("initial")
    for code in initial.elements:  # Art. 33(3)(a)-(d), each with its label and citation
        assert labels.element(code, "en") in text, code
        assert initial.elements[code] in text
    for value in (
        "An attacker used a stolen VPN credential to copy the customer table.",
        "5,800",
        "6,100",
        "identity, contact, financial",
        "customers",
        "confidentiality",
        "Dana DPO, dpo@example.test, +4930123456",
        "Phishing and identity fraud against the customers.",
        "VPN credential revoked; all sessions reset; forensic review.",
        "Hardware keys for VPN access",
    ):
        assert value in text, value
    # Header, stamp and page numbers on every page.
    assert text.count(assessed["reference"]) >= pages
    assert "Initial notification" in text
    assert "Version 1" in text
    assert "Submitted 2026-05-05 11:00 UTC (portal)" in text
    assert "CASE-77" in text
    assert f"Page 1 of {pages}" in text
    assert f"Page {pages} of {pages}" in text


@pytest.mark.django_db
def test_filing_renders_in_the_authoritys_language(api, assessed):
    filing = submitted_initial(api, assessed["id"])
    assert filing["language"] == "de"
    html = api["viewer"].get(f"/api/v1/filings/{filing['id']}/render/?output=html")
    assert html.status_code == 200
    page = html.content.decode()
    assert 'lang="de"' in page
    assert "Meldung einer Verletzung des Schutzes personenbezogener Daten" in page
    assert "Wahrscheinliche Folgen der Verletzung" in page
    assert "Erstmeldung" in page
    for language, words in {
        "fr": "Conséquences probables de la violation",
        "nb": "Sannsynlige konsekvenser av avviket",
        "el": "Πιθανές συνέπειες της παραβίασης",
    }.items():
        other = api["viewer"].get(
            f"/api/v1/filings/{filing['id']}/render/?output=html&lang={language}"
        )
        assert words in other.content.decode(), language
    text, _pages = pdf_text(
        api["viewer"].get(f"/api/v1/filings/{filing['id']}/render/?output=pdf&lang=el").content
    )
    assert "Σελίδα 1 από" in text
    bad = api["viewer"].get(f"/api/v1/filings/{filing['id']}/render/?output=html&lang=xx")
    assert bad.status_code == 400
    assert bad.json()["field"] == "lang"


@pytest.mark.django_db
def test_json_rendition_is_the_frozen_snapshot(api, assessed):
    filing = submitted_initial(api, assessed["id"])
    doc = api["viewer"].get(f"/api/v1/filings/{filing['id']}/render/?output=json").json()
    assert doc["format"] == "breachdesk.filing/1"
    assert doc["incident_reference"] == assessed["reference"]
    assert doc["submitted_at"] == "2026-05-05T11:00:00Z"
    assert doc["authority_reference"] == "CASE-77"
    codes = {e["code"]: e for e in doc["elements"]}
    assert codes["likely_consequences"]["requirement"] == "required"
    assert codes["likely_consequences"]["citation"] == "GDPR Art. 33(3)(c)"
    assert doc["content"]["approx_subjects"] == {"count": 5800}


@pytest.fixture
def dora_org(org):
    org.sectors = ["dora_financial_entity"]
    org.save()
    return org


@pytest.mark.django_db
def test_dora_report_exports_the_its_template_fields(api, dora_org, assessed):
    rows = api["viewer"].get(f"/api/v1/incidents/{assessed['id']}/obligations/").json()
    dora = [r for r in rows if r["rule_code"].startswith("eu-dora-initial")]
    assert dora, [r["rule_code"] for r in rows]
    with time_machine.travel(AWARE + timedelta(hours=3), tick=False):
        response = api["analyst"].post(
            f"/api/v1/incidents/{assessed['id']}/filings/",
            {"obligation": dora[0]["id"], "phase": "initial"},
            format="json",
        )
    assert response.status_code == 201, response.json()
    filing = response.json()
    assert filing["regime"] == "dora"
    export = api["viewer"].get(f"/api/v1/filings/{filing['id']}/render/?output=dora-json").json()
    fields = {row["field"]: row for row in export["fields"]}
    assert export["type_of_submission"] == "initial"
    assert fields["2.1"]["value"] == assessed["reference"]
    assert fields["2.2"]["value"] == "2026-05-04T08:00:00Z"
    assert fields["2.4"]["text"].startswith("An attacker used a stolen VPN credential")
    assert "3.1" not in fields  # intermediate-stage fields are not part of an initial report
    data = api["viewer"].get(f"/api/v1/filings/{filing['id']}/render/?output=dora-csv")
    table = list(csv.reader(io.StringIO(data.content.decode())))
    assert table[0] == ["field", "name", "element", "value"]
    detection = next(row for row in table if row[0] == "2.2")
    assert detection[:3] == [
        "2.2",
        "Date and time of detection of the incident",
        "detection_datetime",
    ]
    gdpr = draft(api, assessed["id"], "eu-gdpr-33-1-sa", "initial")
    refused = api["viewer"].get(f"/api/v1/filings/{gdpr['id']}/render/?output=dora-json")
    assert refused.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lead", "language"),
    [("NO-DATATILSYNET", "nb"), ("CY-CPDP", "el"), ("FR-CNIL", "fr"), ("IE-DPC", "en")],
)
def test_language_follows_the_lead_authority_in_the_registry(api, org, assessed, lead, language):
    with time_machine.travel(DAY_TWO, tick=False):
        changed = api["dpo"].patch("/api/v1/organization/", {"lead_authority": lead}, "json")
        assert changed.status_code == 200, changed.json()  # re-plans: the duty names `lead`
        filing = draft(api, assessed["id"], "eu-gdpr-33-1-sa", "initial")
    assert filing["language"] == language
