"""The workspace records how a breach happened: on the new-incident form and the facts form,
with the service's refusal of a vector that contradicts the cause shown on the field."""

import pytest

from incidents.models import Incident
from incidents.services.incidents import incident_create
from tests.web.conftest import NOW

pytestmark = pytest.mark.django_db


def test_log_an_incident_with_how_it_happened(web, clock):
    page = web["analyst"].get("/incidents/new/").content.decode()
    assert "How it happened" in page
    assert "Stolen device (laptop, phone, storage media)" in page
    response = web["analyst"].post(
        "/incidents/new/", {"title": "Laptop stolen from a car", "vector": "stolen_device"}
    )
    assert response.status_code == 302
    assert Incident.objects.get(title="Laptop stolen from a car").vector == "stolen_device"


def test_facts_form_refuses_a_vector_that_contradicts_the_cause_on_the_field(
    web, users, org, clock
):
    incident = incident_create(
        actor=users["analyst"],
        data={"title": "Grades to parents", "cause": "accidental_internal"},
        now=NOW,
    )
    form = web["analyst"].get(f"/incidents/{incident.pk}/").context["facts_form"]
    data = {f.name: f.value() if f.value() is not None else "" for f in form}
    data["assignee"] = ""
    data["vector"] = "ransomware"
    response = web["analyst"].post(f"/incidents/{incident.pk}/facts/", data)
    assert response.status_code == 400
    assert "accidental_internal" in str(response.context["facts_form"].errors["vector"])
    data["vector"] = "misdirected_email"
    assert web["analyst"].post(f"/incidents/{incident.pk}/facts/", data).status_code == 302
    incident.refresh_from_db()
    assert incident.vector == "misdirected_email"
