"""Yes/no list filters accept true/false and refuse anything else with a 400 naming the
parameter, instead of silently returning the unfiltered list (a DPO asking for
``?people_notified=1`` must not get every incident back)."""

import pytest

from incidents.services.incidents import incident_create


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return sorted(row["id"] for row in response.json()["results"])


@pytest.fixture
def two_incidents(api, dpo, org) -> tuple[int, int]:
    kept = incident_create(actor=dpo, data={"title": "Kept", "countries": ["DE"]}).pk
    archived = incident_create(actor=dpo, data={"title": "Archived", "countries": ["DE"]}).pk
    response = api["dpo"].post(
        f"/api/v1/incidents/{archived}/archive/",
        {"archived": True, "reason": "Duplicate of another case."},
        format="json",
    )
    assert response.status_code == 200, response.json()
    return kept, archived


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "expect_archived"),
    [("true", True), ("1", True), ("Yes", True), ("false", False), ("0", False), ("no", False)],
)
def test_boolean_filter_spellings(api, two_incidents, value, expect_archived):
    kept, archived = two_incidents
    found = ids(api["viewer"].get("/api/v1/incidents/", {"archived": value}))
    assert found == ([archived] if expect_archived else [kept])


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["authority_notified", "people_notified", "archived"])
@pytest.mark.parametrize("value", ["maybe", "2", "3", "unknown"])
def test_an_unreadable_yes_no_filter_is_a_400_naming_it(api, two_incidents, name, value):
    response = api["viewer"].get("/api/v1/incidents/", {name: value})
    assert response.status_code == 400
    body = response.json()
    assert name in body["errors"]
    assert value in body["errors"][name][0]


@pytest.mark.django_db
def test_nobody_told_yet_is_every_listed_case(api, two_incidents):
    kept, _archived = two_incidents  # archived cases are hidden unless asked for
    assert ids(api["viewer"].get("/api/v1/incidents/", {"people_notified": "false"})) == [kept]
    assert ids(api["viewer"].get("/api/v1/incidents/", {"people_notified": "true"})) == []


@pytest.mark.django_db
def test_party_and_alert_yes_no_filters_are_strict(api, org):
    active = api["dpo"].post(
        "/api/v1/parties/", {"kind": "processor", "name": "Active host"}, format="json"
    )
    inactive = api["dpo"].post(
        "/api/v1/parties/",
        {"kind": "processor", "name": "Former host", "active": False},
        format="json",
    )
    assert active.status_code == inactive.status_code == 201
    assert ids(api["viewer"].get("/api/v1/parties/", {"active": "false"})) == [
        inactive.json()["id"]
    ]
    assert ids(api["viewer"].get("/api/v1/parties/", {"active": "true"})) == [active.json()["id"]]
    refused = api["viewer"].get("/api/v1/parties/", {"active": "x"})
    assert refused.status_code == 400
    assert "active" in refused.json()["errors"]
    alerts = api["viewer"].get("/api/v1/alerts/", {"attached": "perhaps"})
    assert alerts.status_code == 400
    assert "attached" in alerts.json()["errors"]
