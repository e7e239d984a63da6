"""Parties, the incident's role, and the duties a processor owes its customers (issue 9)."""

from datetime import timedelta

import pytest
import time_machine

from incidents.models import AuditEntry, InternalTarget, Organization, Party
from incidents.services.incidents import incident_create
from tests.conftest import sign_in_verified, utc

AWARE = utc(2026, 4, 14, 8)


def customer(api, name="Acme Retail SE", hours=36, **extra):
    response = api["dpo"].post(
        "/api/v1/parties/",
        {
            "kind": "customer",
            "name": name,
            "contact_name": "Claire Controller",
            "email": "privacy@acme.example",
            "phone": "+33 1 23 45 67 89",
            "language": "fr",
            "notice_hours": hours,
            "contract_reference": "DPA 2025-014 cl. 9.2",
            **extra,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.mark.django_db
def test_parties_crud_permissions_and_audit(api, org):
    created = customer(api)
    assert created["phone"] == "+33123456789"  # stored in E.164
    assert AuditEntry.objects.filter(action="party.created", object_id=str(created["id"])).exists()
    url = f"/api/v1/parties/{created['id']}/"
    assert api["viewer"].get(url).status_code == 200
    assert api["viewer"].get("/api/v1/parties/?kind=customer").json()["count"] == 1
    assert api["analyst"].post("/api/v1/parties/", {}, format="json").status_code == 403
    assert api["analyst"].patch(url, {"name": "x"}, format="json").status_code == 403
    assert api["anonymous"].get(url).status_code == 401
    patched = api["dpo"].patch(url, {"notice_hours": 48}, format="json")
    assert patched.status_code == 200
    assert patched.json()["notice_hours"] == 48
    assert api["dpo"].delete(url).status_code == 204
    assert not Party.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "processor", "name": "Hosting AS", "notice_hours": 24}, "notice_hours"),
        ({"kind": "customer", "name": "Bad phone", "phone": "12345"}, "phone"),
        ({"kind": "customer", "name": "Bad language", "language": "French"}, "language"),
        ({"kind": "customer", "name": "   "}, "name"),
        ({"kind": "landlord", "name": "X"}, "kind"),
        ({"kind": "customer", "name": "Zero", "notice_hours": 0}, "notice_hours"),
    ],
)
def test_party_validation_names_the_field(api, org, body, field):
    response = api["dpo"].post("/api/v1/parties/", body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not Party.objects.exists()


@pytest.mark.django_db
def test_a_duplicate_party_is_a_conflict(api, org):
    customer(api)
    response = api["dpo"].post(
        "/api/v1/parties/", {"kind": "customer", "name": "acme retail se"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["field"] == "name"


@pytest.mark.django_db
def test_a_party_that_incidents_use_is_deactivated_not_deleted(api, org):
    acme = customer(api)
    created = api["dpo"].post(
        "/api/v1/incidents/",
        {"title": "x", "role": "processor", "controllers": [acme["id"]]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    response = api["dpo"].delete(f"/api/v1/parties/{acme['id']}/")
    assert response.status_code == 409
    assert "active" in response.json()["detail"]


def obligations(api, pk) -> list[dict]:
    return api["dpo"].get(f"/api/v1/incidents/{pk}/obligations/").json()


@pytest.mark.django_db
def test_a_processor_incident_owes_each_customer_the_art_33_2_duty_and_its_contract_clock(api, org):
    acme = customer(api, hours=36)
    other = customer(api, name="Beta Bank AG", hours=None, email="dpo@beta.example")
    with time_machine.travel(AWARE + timedelta(minutes=10), tick=False):
        response = api["dpo"].post(
            "/api/v1/incidents/",
            {
                "title": "Backup bucket of two customers exposed",
                "role": "processor",
                "controllers": [acme["id"], other["id"]],
                "aware_at": "2026-04-14T08:00:00Z",
                "countries": ["FR", "DE"],
            },
            format="json",
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["role"] == "processor"
    assert sorted(body["controllers"]) == sorted([acme["id"], other["id"]])
    rows = obligations(api, body["id"])
    # Never a controller's duty (authority, people) on a processor incident.
    assert {row["audience"] for row in rows} == {"controller"}
    assert not [r for r in rows if r["rule_code"].startswith(("eu-gdpr-33-1", "eu-gdpr-34"))]
    by_key = {(r["rule_code"], r["recipient_key"]): r for r in rows}
    assert set(by_key) == {
        ("eu-gdpr-33-2-processor", f"party:{acme['id']}"),
        ("eu-gdpr-33-2-processor", f"party:{other['id']}"),
        ("contract-notice", f"party:{acme['id']}"),
    }
    art33_2 = by_key[("eu-gdpr-33-2-processor", f"party:{acme['id']}")]
    assert art33_2["party"]["name"] == "Acme Retail SE"
    assert "Acme Retail SE" in art33_2["recipient"]
    assert art33_2["due_at"] is None  # "without undue delay": no legal period …
    assert art33_2["due_basis"] == "internal_target"  # … so the 24 h target to a controller
    assert art33_2["soft_due_at"] == "2026-04-15T08:00:00Z"
    contract = by_key[("contract-notice", f"party:{acme['id']}")]
    assert contract["due_basis"] == "contract"
    assert contract["due_at"] == "2026-04-15T20:00:00Z"  # 36 h after awareness
    assert "DPA 2025-014 cl. 9.2" in contract["citation"]
    assert contract["party"]["contract_reference"] == "DPA 2025-014 cl. 9.2"
    assert contract["rule_version"] is None
    with time_machine.travel(AWARE + timedelta(hours=1), tick=False):
        upcoming = api["viewer"].get("/api/v1/obligations/upcoming/?hours=48").json()
    assert {r["id"] for r in upcoming} >= {art33_2["id"], contract["id"]}


@pytest.mark.django_db
def test_the_internal_target_is_data_the_organisation_can_change(api, org):
    acme = customer(api, hours=None)
    InternalTarget.objects.filter(audience="controller").update(hours=12)
    with time_machine.travel(AWARE, tick=False):
        pk = (
            api["dpo"]
            .post(
                "/api/v1/incidents/",
                {
                    "title": "x",
                    "role": "processor",
                    "controllers": [acme["id"]],
                    "aware_at": "2026-04-14T08:00:00Z",
                    "countries": ["DE"],
                },
                format="json",
            )
            .json()["id"]
        )
    (row,) = obligations(api, pk)
    assert row["soft_due_at"] == "2026-04-14T20:00:00Z"


@pytest.mark.django_db
def test_an_organisation_that_is_both_must_choose_the_role(api, org):
    Organization.objects.update(role="both")
    response = api["dpo"].post("/api/v1/incidents/", {"title": "Which role?"}, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "role"
    response = api["dpo"].post(
        "/api/v1/incidents/", {"title": "Ours", "role": "controller"}, format="json"
    )
    assert response.status_code == 201


@pytest.mark.django_db
def test_a_processor_org_defaults_to_processor_and_customers_need_that_role(api, org):
    Organization.objects.update(role="processor")
    acme = customer(api)
    created = api["dpo"].post("/api/v1/incidents/", {"title": "Default"}, format="json").json()
    assert created["role"] == "processor"
    response = api["dpo"].post(
        "/api/v1/incidents/",
        {"title": "Wrong", "role": "controller", "controllers": [acme["id"]]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "controllers"


@pytest.mark.django_db
def test_a_sub_processors_notice_can_be_the_moment_of_awareness(api, org):
    host = (
        api["dpo"]
        .post(
            "/api/v1/parties/",
            {"kind": "sub_processor", "name": "Fjord Hosting AS", "contact_name": "Ola"},
            format="json",
        )
        .json()
    )
    acme = customer(api)
    with time_machine.travel(AWARE + timedelta(hours=2), tick=False):
        response = api["dpo"].post(
            "/api/v1/incidents/",
            {
                "title": "Sub-processor breach",
                "role": "processor",
                "controllers": [acme["id"]],
                "source_party": host["id"],
                "source_notified_at": "2026-04-14T08:00:00Z",
                "countries": ["FR"],
            },
            format="json",
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["source_party"] == host["id"]
    assert body["aware_at"] == "2026-04-14T08:00:00Z"
    assert body["aware_basis"] == "Notified by Fjord Hosting AS."
    assert obligations(api, body["id"])  # the clocks run from the sub-processor's notice
    wrong = api["dpo"].post(
        "/api/v1/incidents/", {"title": "x", "source_party": acme["id"]}, format="json"
    )
    assert wrong.status_code == 400
    assert "source_party" in wrong.json()["errors"]


@pytest.mark.django_db
def test_parties_and_internal_targets_in_the_admin_go_through_the_services(users, org, client):
    admin_user = users["admin"]
    admin_user.is_staff = True
    admin_user.save()
    sign_in_verified(client, admin_user)
    for url in (
        "/admin/incidents/party/",
        "/admin/incidents/party/add/",
        "/admin/incidents/internaltarget/",
    ):
        assert client.get(url).status_code == 200, url
    response = client.post(
        "/admin/incidents/party/add/",
        {
            "kind": "customer",
            "name": "Admin Customer",
            "contact_name": "",
            "email": "",
            "phone": "+4930 1234567",
            "language": "de",
            "notice_hours": "24",
            "contract_reference": "DPA-9",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    party = Party.objects.get(name="Admin Customer")
    assert party.phone == "+49301234567"
    assert AuditEntry.objects.filter(action="party.created", object_id=str(party.pk)).exists()
    target = InternalTarget.objects.get(audience="controller")
    response = client.post(
        f"/admin/incidents/internaltarget/{target.pk}/change/", {"hours": "12", "note": "DPA"}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.hours == 12
    assert AuditEntry.objects.filter(action="internal_target.changed").exists()


@pytest.mark.django_db
def test_an_alert_for_an_org_that_is_both_starts_as_controller(org):
    Organization.objects.update(role="both")
    incident = incident_create(
        actor="integration:monitoring", source="alert", data={"title": "Alert: bucket public"}
    )
    assert incident.role == "controller"  # the wider set of duties until a person decides
