"""The endpoint x role matrix: every endpoint refuses every role that should not reach it."""

import pytest
from rest_framework.test import APIClient

from incidents.services.assessments import assessment_compute
from incidents.services.incidents import incident_create
from incidents.services.lifecycle import incident_transition
from tests.conftest import sign_in_verified, utc

EVERYONE = {"admin", "dpo", "analyst", "viewer"}
WRITERS = {"admin", "dpo", "analyst"}
DPOS = {"admin", "dpo"}


def _incident(dpo, status="triage"):
    incident = incident_create(
        actor=dpo,
        data={
            "title": "Matrix",
            "aware_at": utc(2026, 3, 1, 9),
            "countries": ["DE"],
            "data_categories": ["contact"],
            "breach_types": ["confidentiality"],
        },
    )
    if status == "assessing":
        incident_transition(incident_id=incident.pk, actor=dpo, to="assessing")
        assessment_compute(incident_id=incident.pk, actor=dpo)  # unknown facts: at least risk
    return incident


def _pending_obligation(incident):
    return incident.obligations.filter(status="pending").first()


# (name, method, url template, body, roles allowed, set-up)
MATRIX = [
    ("list", "get", "/api/v1/incidents/", None, EVERYONE, None),
    ("create", "post", "/api/v1/incidents/", {"title": "New"}, WRITERS, None),
    ("retrieve", "get", "/api/v1/incidents/{id}/", None, EVERYONE, None),
    ("update", "patch", "/api/v1/incidents/{id}/", {"summary": "x"}, WRITERS, None),
    ("triage", "post", "/api/v1/incidents/{id}/transitions/", {"to": "assessing"}, WRITERS, None),
    (
        "decide",
        "post",
        "/api/v1/incidents/{id}/transitions/",
        {"to": "notifiable"},
        DPOS,
        "assessing",
    ),
    ("timeline", "get", "/api/v1/incidents/{id}/timeline/", None, EVERYONE, None),
    ("comment", "post", "/api/v1/incidents/{id}/comments/", {"text": "hi"}, WRITERS, None),
    ("archive", "post", "/api/v1/incidents/{id}/archive/", {"archived": True}, DPOS, None),
    ("assessments", "get", "/api/v1/incidents/{id}/assessments/", None, EVERYONE, None),
    ("assess", "post", "/api/v1/incidents/{id}/assessments/", None, WRITERS, None),
    (
        "override",
        "post",
        "/api/v1/incidents/{id}/assessments/override/",
        {"risk_level": "high", "justification": "DPO view"},
        DPOS,
        "assessed",
    ),
    ("obligations", "get", "/api/v1/incidents/{id}/obligations/", None, EVERYONE, None),
    (
        "meet",
        "post",
        "/api/v1/obligations/{obligation}/meet/",
        {
            "met_at": "2026-03-01T12:00:00Z",
            "evidence": {"channel": "email", "recipient": "DPA", "reference": "ticket 7"},
        },
        DPOS,
        None,
    ),
    (
        "waive",
        "post",
        "/api/v1/obligations/{obligation}/waive/",
        {"justification": "no"},
        DPOS,
        None,
    ),
    ("upcoming", "get", "/api/v1/obligations/upcoming/?hours=48", None, EVERYONE, None),
    ("audit", "get", "/api/v1/audit/", None, DPOS, None),
    ("audit-export", "get", "/api/v1/audit/export/", None, DPOS, None),
    ("audit-checkpoint", "get", "/api/v1/audit/checkpoint/", None, DPOS, None),
    ("register-export", "get", "/api/v1/register/export/?as=json", None, DPOS, None),
    ("authorities", "get", "/api/v1/authorities/?region=eu", None, EVERYONE, None),
    ("authority", "get", "/api/v1/authorities/IE-DPC/", None, EVERYONE, None),
    ("organization", "get", "/api/v1/organization/", None, EVERYONE, None),
    ("organization-change", "patch", "/api/v1/organization/", {"dpo_name": "D"}, DPOS, None),
]
ROLES = ["admin", "dpo", "analyst", "viewer", "anonymous", "integration"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "method", "url", "body", "allowed", "setup"), MATRIX, ids=[row[0] for row in MATRIX]
)
def test_role_matrix(name, method, url, body, allowed, setup, role, api, dpo, org):
    incident = _incident(dpo, "assessing" if setup == "assessing" else "triage")
    if setup == "assessed":
        assessment_compute(incident_id=incident.pk, actor=dpo)
    obligation = _pending_obligation(incident)
    target = url.format(id=incident.pk, obligation=obligation.pk if obligation else 0)
    if role == "integration":
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Bearer bd_int_not_a_user_token")
    else:
        client = api[role]
    response = getattr(client, method)(target, body, format="json")
    if role in allowed:
        assert response.status_code < 300, (role, name, response.status_code, response.content)
    elif role in ("anonymous", "integration"):
        assert response.status_code == 401, (role, name, response.status_code)
    else:
        assert response.status_code == 403, (role, name, response.status_code)
        assert "detail" in response.json()


@pytest.mark.django_db
def test_login_lockout_after_repeated_failures(users, client):
    statuses = [
        client.post("/login/?next=/admin/", {"username": "dpo", "password": "wrong"}).status_code
        for _ in range(5)
    ]
    assert statuses == [401, 401, 401, 401, 429]  # AXES_FAILURE_LIMIT = 5
    response = client.post("/login/?next=/admin/", {"username": "dpo", "password": "pw-dpo"})
    assert response.status_code == 429


@pytest.mark.django_db
def test_token_endpoint_issues_tokens_and_locks_out(users):
    client = APIClient()
    good = client.post(
        "/api/v1/auth/token/", {"username": "viewer", "password": "pw-viewer"}, format="json"
    )
    assert good.status_code == 200
    token = good.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/incidents/").status_code == 200
    anonymous = APIClient()
    codes = [
        anonymous.post(
            "/api/v1/auth/token/", {"username": "dpo", "password": "bad"}, format="json"
        ).status_code
        for _ in range(5)
    ]
    assert codes == [400] * 5
    locked = anonymous.post(
        "/api/v1/auth/token/", {"username": "dpo", "password": "pw-dpo"}, format="json"
    )
    assert locked.status_code == 400  # locked out: even the right password is refused
    assert "token" not in locked.json()


@pytest.mark.django_db
def test_admin_actions_use_the_same_transition_permissions(users, dpo, org, client):
    incident = _incident(dpo, "assessing")
    assessment = assessment_compute(incident_id=incident.pk, actor=dpo)
    assert assessment.notify_authority  # contact data, confidentiality: a risk
    analyst = users["analyst"]
    analyst.is_staff = True
    analyst.save()
    sign_in_verified(client, analyst)
    url = "/admin/incidents/incident/"
    client.post(url, {"action": "decide_notifiable", "_selected_action": [incident.pk]})
    incident.refresh_from_db()
    assert incident.status == "assessing"
    sign_in_verified(client, users["dpo"])
    users["dpo"].is_staff = True
    users["dpo"].save()
    client.post(url, {"action": "decide_notifiable", "_selected_action": [incident.pk]})
    incident.refresh_from_db()
    assert incident.status == "notifiable"
