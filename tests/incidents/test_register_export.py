"""Art. 33(5) register export: every incident, dismissed and not notified included."""

import csv
import io
import json

import pytest

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
