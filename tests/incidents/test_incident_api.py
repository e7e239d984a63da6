"""Creating, editing, filtering and validating incidents through the API."""

import pytest

from incidents.models import Incident

URL = "/api/v1/incidents/"


@pytest.mark.django_db
def test_create_assigns_reference_and_records_creation(api, org):
    response = api["analyst"].post(
        URL,
        {
            "title": "Lost USB key",
            "detected_at": "2026-02-01T08:00:00+01:00",
            "countries": ["DE", "US-CA"],
            "subjects_count": 120,
            "subjects_min": 100,
            "subjects_max": 150,
            "data_categories": ["contact"],
            "tags": ["usb"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"].startswith("BD-")
    assert body["status"] == "triage"
    assert body["detected_at"] == "2026-02-01T07:00:00Z"
    assert body["reporter"] == "analyst"
    assert body["allowed_transitions"] == ["assessing", "dismissed"]
    timeline = api["viewer"].get(f"{URL}{body['id']}/timeline/").json()["results"]
    assert timeline[0]["kind"] == "created"
    assert timeline[0]["actor"] == "user:analyst"


@pytest.mark.django_db
def test_references_are_sequential_per_year(api, org):
    refs = [
        api["dpo"].post(URL, {"title": f"n{i}"}, format="json").json()["reference"]
        for i in range(3)
    ]
    numbers = [int(ref.rsplit("-", 1)[1]) for ref in refs]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]
    assert len(set(refs)) == 3


BAD_INPUT = [
    ({"title": "x", "detected_at": "2026-02-01T08:00:00"}, "detected_at", "offset"),
    ({"title": "x", "aware_at": "2999-01-01T00:00:00Z"}, "aware_at", "future"),
    (
        {
            "title": "x",
            "occurred_from": "2026-02-02T00:00:00Z",
            "occurred_to": "2026-02-01T00:00:00Z",
        },
        "occurred_to",
        "before",
    ),
    ({"title": "x", "subjects_count": -1}, "subjects_count", ""),
    ({"title": "x", "records_count": "many"}, "records_count", ""),
    ({"title": "x", "countries": ["XX"]}, "countries", "ISO 3166"),
    ({"title": "x", "countries": ["US-ZZ"]}, "countries", "ISO 3166"),
    ({"title": "x", "cause": "aliens"}, "cause", ""),
    ({"title": "x", "data_categories": ["health", "gossip"]}, "data_categories", ""),
    ({"title": "x", "subjects_min": 10, "subjects_max": 5}, "subjects_max", ""),
    ({"title": "x", "subjects_count": 50, "subjects_max": 10}, "subjects_count", ""),
    ({"title": "x", "residents": {"US-CA": -3}}, "residents", ""),
    ({"title": "x", "status": "closed"}, "status", "transitions"),
    ({"title": "x", "colour": "red"}, "colour", "Unknown"),
    ({"summary": "no title"}, "title", "required"),
    ({"title": "x", "assignee": "nobody"}, "assignee", ""),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field", "words"),
    BAD_INPUT,
    ids=[case[1] + "-" + str(i) for i, case in enumerate(BAD_INPUT)],
)
def test_bad_input_is_a_400_naming_the_field(payload, field, words, api, org):
    response = api["dpo"].post(URL, payload, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body.get("errors", {}) or body.get("field") == field, body
    assert words in body["detail"] or words in str(body["errors"]), body
    assert Incident.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["not json", "[1,2]", "null", '{"title": ', "\x00\x01"])
def test_malformed_bodies_never_500(raw, api, org):
    response = api["dpo"].generic("POST", URL, raw, content_type="application/json")
    assert response.status_code == 400


@pytest.mark.django_db
def test_patch_records_old_and_new_values(api, org):
    created = (
        api["analyst"].post(URL, {"title": "Before", "subjects_count": 10}, format="json").json()
    )
    response = api["analyst"].patch(
        f"{URL}{created['id']}/", {"title": "After", "subjects_count": 12}, format="json"
    )
    assert response.status_code == 200
    events = api["viewer"].get(f"{URL}{created['id']}/timeline/").json()["results"]
    changes = events[-1]["payload"]["changes"]
    assert changes["title"] == {"old": "Before", "new": "After"}
    assert changes["subjects_count"] == {"old": 10, "new": 12}


@pytest.mark.django_db
def test_moving_aware_at_requires_a_reason_and_is_audited(api, org):
    created = (
        api["dpo"]
        .post(
            URL,
            {"title": "Clock", "aware_at": "2026-03-01T10:00:00Z", "countries": ["FR"]},
            format="json",
        )
        .json()
    )
    url = f"{URL}{created['id']}/"
    response = api["dpo"].patch(url, {"aware_at": "2026-03-01T08:00:00Z"}, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "aware_at_reason"
    response = api["dpo"].patch(
        url,
        {
            "aware_at": "2026-03-01T08:00:00Z",
            "aware_at_reason": "Log review shows earlier certainty",
        },
        format="json",
    )
    assert response.status_code == 200
    kinds = [e["kind"] for e in api["dpo"].get(f"{url}timeline/").json()["results"]]
    assert "awareness_corrected" in kinds
    audit = api["dpo"].get("/api/v1/audit/").json()["results"]
    corrected = [a for a in audit if a["action"] == "incident.awareness_corrected"]
    assert corrected[0]["data"]["reason"] == "Log review shows earlier certainty"


@pytest.mark.django_db
def test_filters_search_and_ordering(api, org):
    for title, countries in (("Alpha leak", ["DE"]), ("Beta outage", ["US-CA"]), ("Gamma", ["FR"])):
        api["dpo"].post(URL, {"title": title, "countries": countries}, format="json")
    by_country = api["viewer"].get(URL, {"country": "US"}).json()["results"]
    assert [row["title"] for row in by_country] == ["Beta outage"]
    assert [r["title"] for r in api["viewer"].get(URL, {"q": "leak"}).json()["results"]] == [
        "Alpha leak"
    ]
    ordered = api["viewer"].get(URL, {"ordering": "reference"}).json()["results"]
    assert [row["title"] for row in ordered] == ["Alpha leak", "Beta outage", "Gamma"]
    response = api["viewer"].get(URL, {"created_after": "2026-01-01T00:00:00"})
    assert response.status_code == 400
    assert "created_after" in response.json()["errors"]


@pytest.mark.django_db
def test_archive_hides_but_never_deletes(api, org):
    created = api["dpo"].post(URL, {"title": "Old"}, format="json").json()
    response = api["dpo"].post(f"{URL}{created['id']}/archive/", {"archived": True}, format="json")
    assert response.status_code == 200
    assert api["dpo"].get(URL).json()["count"] == 0
    assert api["dpo"].get(URL, {"archived": "true"}).json()["count"] == 1
    assert api["dpo"].delete(f"{URL}{created['id']}/").status_code == 405
    assert Incident.objects.filter(pk=created["id"]).exists()


@pytest.mark.django_db
def test_openapi_schema_documents_enums(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    for value in ("malicious_insider", "known_trusted_recipient", "notifying"):
        assert value in text
    assert client.get("/api/docs/").status_code == 200


@pytest.mark.django_db
def test_keyset_pages_walk_the_register_without_a_count(api, org):
    for n in range(7):
        api["dpo"].post(URL, {"title": f"Incident {n}"}, format="json")
    numbered = api["viewer"].get(URL, {"page_size": 500}).json()
    assert numbered["count"] == 7
    expected = [row["id"] for row in numbered["results"]]  # newest first

    walked, url, params = [], URL, {"cursor": "", "page_size": 3}
    while url:
        page = api["viewer"].get(url, params).json()
        assert set(page) == {"next", "previous", "results"}  # no COUNT over the register
        assert len(page["results"]) <= 3
        walked += [row["id"] for row in page["results"]]
        url, params = page["next"], None
    assert walked == expected

    filtered = api["viewer"].get(URL, {"cursor": "", "status": ["triage"], "q": "Incident 3"})
    assert [row["title"] for row in filtered.json()["results"]] == ["Incident 3"]
    assert api["viewer"].get(URL, {"cursor": "not-a-cursor"}).status_code == 404


@pytest.mark.django_db
def test_numbered_pages_hold_the_same_rows_in_the_same_order_at_any_depth(api, org):
    for n in range(7):
        api["dpo"].post(URL, {"title": f"Incident {n}", "subjects_count": n % 3}, format="json")
    for ordering in ("-created_at", "subjects_count", "-subjects_count", "title"):
        whole = api["viewer"].get(URL, {"page_size": 500, "ordering": ordering}).json()
        expected = [(row["id"], row["title"]) for row in whole["results"]]
        paged = []
        for number in (1, 2, 3):
            page = api["viewer"].get(URL, {"page_size": 3, "page": number, "ordering": ordering})
            body = page.json()
            assert body["count"] == 7
            paged += [(row["id"], row["title"]) for row in body["results"]]
        assert paged == expected
        assert len(paged) == 7
    assert api["viewer"].get(URL, {"page_size": 3, "page": 4}).status_code == 404
