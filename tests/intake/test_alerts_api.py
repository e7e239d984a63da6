"""People's side: list, read, attach and detach alerts; every link lands on the timeline."""

import pytest

from incidents.intake.models import Alert
from incidents.models.incident import EventKind
from incidents.services.incidents import incident_create, incident_set_archived
from tests.conftest import sign_in_verified
from tests.intake.conftest import fixture_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerts(make_integration, post, frozen):
    """Two Alertmanager alerts on one incident, one Grafana alert on another."""
    am = make_integration("alertmanager", name="prod-alertmanager")
    gf = make_integration("grafana", name="prod-grafana")
    body = post("alertmanager", fixture_bytes("alertmanager_firing"), token=am.token).json()
    post("alertmanager", fixture_bytes("alertmanager_resolved"), token=am.token)
    grafana = post("grafana", fixture_bytes("grafana_firing"), token=gf.token).json()
    return {
        "am": [a["alert"] for a in body["alerts"]],
        "am_incident": body["alerts"][0]["incident"],
        "grafana": grafana["alerts"][0]["alert"],
        "grafana_incident": grafana["alerts"][0]["incident"],
    }


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_list_and_filters(api, alerts):
    viewer = api["viewer"]
    assert sorted(ids(viewer.get("/api/v1/alerts/"))) == sorted([*alerts["am"], alerts["grafana"]])
    assert ids(viewer.get("/api/v1/alerts/?source=grafana")) == [alerts["grafana"]]
    assert ids(viewer.get("/api/v1/alerts/?status=resolved")) == [alerts["am"][0]]
    assert sorted(ids(viewer.get(f"/api/v1/alerts/?incident={alerts['am_incident']}"))) == sorted(
        alerts["am"]
    )
    assert ids(viewer.get("/api/v1/alerts/?severity=warning")) == [alerts["grafana"]]
    assert ids(viewer.get("/api/v1/alerts/?q=records exported")) == [alerts["grafana"]]
    assert ids(viewer.get("/api/v1/alerts/?attached=false")) == []
    assert ids(viewer.get("/api/v1/alerts/?seen_after=2026-11-20T11:31:00Z")) == []
    response = viewer.get("/api/v1/alerts/?seen_after=2026-11-20T11:00:00")
    assert response.status_code == 400  # naive timestamps are refused everywhere


def test_list_row_shape(api, alerts):
    row = api["viewer"].get("/api/v1/alerts/?source=grafana").json()["results"][0]
    assert row["integration"] == {
        "id": row["integration"]["id"],
        "name": "prod-grafana",
        "source": "grafana",
    }
    assert row["incident"]["id"] == alerts["grafana_incident"]
    assert row["incident"]["reference"].startswith("BD-")
    assert row["occurred_at"] == "2026-11-20T09:20:00Z"
    assert "payloads" not in row


def test_detail_shows_raw_payloads(api, alerts):
    response = api["viewer"].get(f"/api/v1/alerts/{alerts['am'][0]}/")
    assert response.status_code == 200
    body = response.json()
    assert body["occurrences"] == 2
    assert body["status"] == "resolved"
    assert body["resolved_at"] == "2026-11-20T09:41:05.123000Z"
    assert [p["payload"]["alerts"][0]["status"] for p in body["payloads"]] == ["firing", "resolved"]
    assert api["viewer"].get("/api/v1/alerts/999999/").status_code == 404


@pytest.mark.parametrize(("role", "code"), [("anonymous", 401), ("viewer", 200), ("dpo", 200)])
def test_reading_needs_view_incident(role, code, api, alerts):
    assert api[role].get("/api/v1/alerts/").status_code == code
    assert api[role].get(f"/api/v1/alerts/{alerts['grafana']}/").status_code == code


def test_attach_moves_an_alert_and_records_both_timelines(api, alerts, analyst):
    alert_id = alerts["grafana"]
    response = api["analyst"].post(
        f"/api/v1/alerts/{alert_id}/attach/", {"incident": alerts["am_incident"]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["incident"]["id"] == alerts["am_incident"]
    assert Alert.objects.get(pk=alert_id).incident_id == alerts["am_incident"]

    old = api["analyst"].get(f"/api/v1/incidents/{alerts['grafana_incident']}/timeline/")
    assert old.status_code == 200
    from incidents.models import IncidentEvent

    detached = IncidentEvent.objects.get(
        incident_id=alerts["grafana_incident"], kind=EventKind.ALERT_DETACHED
    )
    assert detached.actor == analyst
    assert detached.payload["alert"] == alert_id
    attached = IncidentEvent.objects.filter(
        incident_id=alerts["am_incident"], kind=EventKind.ALERT_ATTACHED
    ).last()
    assert attached.payload["reason"] == "manual"
    assert attached.payload["moved_from"] is not None
    assert attached.actor_label == "user:analyst"


def test_attach_errors(api, alerts, dpo):
    client = api["analyst"]
    url = f"/api/v1/alerts/{alerts['grafana']}/attach/"
    missing = client.post(url, {}, format="json")
    assert missing.status_code == 400
    assert missing.json()["detail"].startswith("incident:")
    unknown = client.post(url, {"incident": 999999}, format="json")
    assert unknown.status_code == 400
    assert unknown.json()["field"] == "incident"
    same = client.post(url, {"incident": alerts["grafana_incident"]}, format="json")
    assert same.status_code == 409
    archived = incident_create(actor=dpo, data={"title": "Old"})
    incident_set_archived(incident_id=archived.pk, actor=dpo, archived=True)
    assert client.post(url, {"incident": archived.pk}, format="json").status_code == 409
    assert (
        client.post(
            "/api/v1/alerts/999999/attach/", {"incident": archived.pk}, format="json"
        ).status_code
        == 404
    )


def test_detach(api, alerts):
    url = f"/api/v1/alerts/{alerts['grafana']}/detach/"
    response = api["analyst"].post(url, {"reason": "Planned export by finance"}, format="json")
    assert response.status_code == 200
    assert response.json()["incident"] is None
    from incidents.models import IncidentEvent

    event = IncidentEvent.objects.get(
        incident_id=alerts["grafana_incident"], kind=EventKind.ALERT_DETACHED
    )
    assert event.payload["reason"] == "Planned export by finance"
    again = api["analyst"].post(url, {}, format="json")
    assert again.status_code == 409
    assert ids(api["viewer"].get("/api/v1/alerts/?attached=false")) == [alerts["grafana"]]


def test_detached_alert_stays_detached_when_it_repeats(api, alerts, make_integration, post):
    api["analyst"].post(f"/api/v1/alerts/{alerts['grafana']}/detach/", {}, format="json")
    from incidents.intake.models import Integration
    from incidents.intake.services import integration_rotate_token

    integration = Integration.objects.get(name="prod-grafana")
    token = integration_rotate_token(integration_id=integration.pk).token
    body = post("grafana", fixture_bytes("grafana_firing"), token=token).json()["alerts"][0]
    assert body["deduplicated"] is True
    assert body["incident"] is None


@pytest.mark.parametrize(
    ("role", "code"), [("viewer", 403), ("anonymous", 401), ("analyst", 200), ("dpo", 200)]
)
def test_attach_and_detach_need_triage_incident(role, code, api, alerts):
    response = api[role].post(f"/api/v1/alerts/{alerts['grafana']}/detach/", {}, format="json")
    assert response.status_code == code
    if code == 200:
        response = api[role].post(
            f"/api/v1/alerts/{alerts['grafana']}/attach/",
            {"incident": alerts["grafana_incident"]},
            format="json",
        )
        assert response.status_code == 200


def test_incidents_show_their_linked_alerts(api, alerts, users, client):
    viewer = api["viewer"]
    incident = viewer.get(f"/api/v1/incidents/{alerts['am_incident']}/").json()
    linked = Alert.objects.filter(incident=alerts["am_incident"])
    assert incident["alerts"] == {
        "count": 2,
        "firing": 1,  # the resolved fixture resolved one of the two
        "last_seen_at": "2026-11-20T11:30:00Z",
        "href": f"/api/v1/alerts/?incident={alerts['am_incident']}",
    }
    assert sorted(ids(viewer.get(incident["alerts"]["href"]))) == sorted(
        linked.values_list("pk", flat=True)
    )
    rows = viewer.get("/api/v1/incidents/").json()["results"]
    assert {row["id"]: row["alerts"]["count"] for row in rows} == {
        alerts["am_incident"]: 2,
        alerts["grafana_incident"]: 1,
    }
    # A person's incident has none; detaching moves the count.
    api["dpo"].post(f"/api/v1/alerts/{alerts['grafana']}/detach/", {}, format="json")
    grafana = viewer.get(f"/api/v1/incidents/{alerts['grafana_incident']}/").json()
    assert grafana["alerts"]["count"] == 0
    assert grafana["alerts"]["last_seen_at"] is None

    users["admin"].is_staff = True
    users["admin"].save(update_fields=["is_staff"])
    sign_in_verified(client, users["admin"])
    page = client.get(f"/admin/incidents/incident/{alerts['am_incident']}/change/")
    assert page.status_code == 200
    assert "2 alert(s), 1 firing" in page.content.decode()
    listed = client.get(f"/admin/intake/alert/?incident={alerts['am_incident']}")
    assert listed.status_code == 200
    assert listed.context["cl"].result_count == 2
