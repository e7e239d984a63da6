"""Populations add up: residents imply their regions, counts are consistent or derived, absurd
numbers are refused (issue 10, item 12)."""

import pytest
from django.core.exceptions import ValidationError

from incidents.services.incidents import incident_create

URL = "/api/v1/incidents/"
pytestmark = pytest.mark.django_db


def test_residents_alone_make_their_regions_apply(api, org):
    response = api["dpo"].post(
        URL,
        {"title": "CRM export", "aware_at": "2026-01-10T09:00:00Z", "residents": {"US-CA": 2000}},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["countries"] == ["US-CA"]
    assert body["subjects_count"] == 2000  # derived when unknown
    rules = {row["rule_code"] for row in api["dpo"].get(f"{URL}{body['id']}/obligations/").json()}
    assert "us-ca-1798-82-individuals" in rules


def test_a_country_and_its_subdivision_are_not_counted_twice(api, org):
    response = api["dpo"].post(URL, {"title": "x", "residents": {"US": 5000, "US-CA": 2000}})
    assert response.status_code == 201, response.json()
    assert response.json()["subjects_count"] == 5000
    assert response.json()["countries"] == ["US", "US-CA"]


def test_subjects_count_below_the_residents_counted_is_refused(api, org):
    response = api["dpo"].post(
        URL, {"title": "x", "residents": {"US-CA": 2000}, "subjects_count": 10}
    )
    assert response.status_code == 400
    body = response.json()
    assert "subjects_count" in body["errors"]
    assert "2000 people counted in residents" in str(body)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"residents": {"NO": 10**23}}, "residents"),
        ({"residents": {"NO": 1e23}}, "residents"),
        ({"subjects_count": 10**11}, "subjects_count"),
        ({"subjects_max": 10**11}, "subjects_max"),
        ({"records_count": 10**16}, "records_count"),
        ({"availability_hours": 1e308}, "availability_hours"),
        ({"availability_hours": 87_600.5}, "availability_hours"),
    ],
)
def test_absurd_numbers_are_refused(api, org, data, field):
    response = api["dpo"].post(URL, {"title": "x", **data})
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]


def test_availability_hours_are_bounded_at_ten_years_through_api_and_services(api, org, dpo):
    created = api["dpo"].post(URL, {"title": "x", "availability_hours": 87_600})
    assert created.status_code == 201, created.json()
    patched = api["dpo"].patch(f"{URL}{created.json()['id']}/", {"availability_hours": 1e308})
    assert patched.status_code == 400, patched.json()
    assert "availability_hours" in patched.json()["errors"]
    assert api["dpo"].get(f"{URL}{created.json()['id']}/").json()["availability_hours"] == 87_600
    with pytest.raises(ValidationError) as refused:
        incident_create(actor=dpo, data={"title": "y", "availability_hours": 1e308})
    assert "availability_hours" in refused.value.message_dict


def test_updating_residents_keeps_countries_in_step(api, org):
    created = api["dpo"].post(URL, {"title": "x", "countries": ["DE"]}).json()
    response = api["dpo"].patch(f"{URL}{created['id']}/", {"residents": {"FR": 30}})
    assert response.status_code == 200, response.json()
    assert response.json()["countries"] == ["DE", "FR"]
