"""The endpoint x role matrix: every endpoint refuses every role that should not reach it.

Every operation of the OpenAPI schema must have a row in MATRIX (or, when users' roles do not
apply to it, an entry in OTHER_AUTH naming what authenticates it and where that is tested):
a new endpoint without one fails `test_matrix_covers_every_operation_of_the_schema`.
"""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from incidents.intake.services import integration_create
from incidents.services.assessments import assessment_compute
from incidents.services.incidents import incident_create
from incidents.services.lifecycle import incident_transition
from notifications.campaigns.services import campaign_create, campaign_import_rows
from notifications.services import calendar_token_rotate
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
CSV_UPLOAD = "multipart: a CSV of recipients"
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
    ("alerts", "get", "/api/v1/alerts/", None, EVERYONE, None),
    ("alert", "get", "/api/v1/alerts/{alert}/", None, EVERYONE, None),
    ("alert-payload", "get", "/api/v1/alerts/{alert}/payloads/1/", None, EVERYONE, None),
    ("alert-attach", "post", "/api/v1/alerts/{alert}/attach/", {"incident": "{id}"}, WRITERS, None),
    ("alert-detach", "post", "/api/v1/alerts/{alert}/detach/", {"reason": "noise"}, WRITERS, None),
    ("calendar-token", "post", "/api/v1/calendar/token/", None, EVERYONE, None),
    ("calendar-revoke", "delete", "/api/v1/calendar/token/", None, EVERYONE, "calendar"),
    ("authorities", "get", "/api/v1/authorities/?region=eu", None, EVERYONE, None),
    ("authority", "get", "/api/v1/authorities/IE-DPC/", None, EVERYONE, None),
    ("organization", "get", "/api/v1/organization/", None, EVERYONE, None),
    ("organization-change", "patch", "/api/v1/organization/", {"dpo_name": "D"}, DPOS, None),
    ("campaigns", "get", "/api/v1/incidents/{id}/campaigns/", None, EVERYONE, None),
    (
        "campaign-create",
        "post",
        "/api/v1/incidents/{id}/campaigns/",
        {
            "name": "Notice",
            "channels": ["email"],
            "content": {"en": {"subject": "Notice", "text": "Dear {{name}}"}},
        },
        DPOS,
        None,
    ),
    ("campaign", "get", "/api/v1/campaigns/{campaign}/", None, EVERYONE, "campaign"),
    (
        "campaign-rows",
        "post",
        "/api/v1/campaigns/{campaign}/recipients/",
        {"rows": [{"email": "p@example.com", "name": "P"}]},
        DPOS,
        "campaign",
    ),
    ("campaign-csv", "post", "/api/v1/campaigns/{campaign}/imports/", CSV_UPLOAD, DPOS, "campaign"),
    (
        "campaign-import",
        "get",
        "/api/v1/campaigns/{campaign}/imports/{import_id}/",
        None,
        EVERYONE,
        "campaign",
    ),
    ("campaign-start", "post", "/api/v1/campaigns/{campaign}/start/", None, DPOS, "campaign"),
    ("campaign-retry", "post", "/api/v1/campaigns/{campaign}/retry/", None, DPOS, "campaign"),
    ("campaign-letters", "get", "/api/v1/campaigns/{campaign}/letters.csv", None, DPOS, "campaign"),
    # authz: the row checks authorisation only; allowed roles get past it and the domain
    # answers (a missing notice or filing is 404, an empty body 400), never 401/403.
    ("filings", "get", "/api/v1/incidents/{id}/filings/", None, EVERYONE, None),
    ("filing-create", "post", "/api/v1/incidents/{id}/filings/", {}, WRITERS, "authz"),
    ("correspondence", "get", "/api/v1/incidents/{id}/correspondence/", None, EVERYONE, None),
    ("correspondence-add", "post", "/api/v1/incidents/{id}/correspondence/", {}, WRITERS, "authz"),
    ("evidence-pack", "get", "/api/v1/incidents/{id}/evidence-pack/", None, DPOS, "authz"),
    ("filing", "get", "/api/v1/filings/{missing}/", None, EVERYONE, "authz"),
    ("filing-edit", "patch", "/api/v1/filings/{missing}/", {}, WRITERS, "authz"),
    ("filing-submit", "post", "/api/v1/filings/{missing}/submit/", {}, DPOS, "authz"),
    ("filing-render", "get", "/api/v1/filings/{missing}/render/", None, EVERYONE, "authz"),
    ("filing-send", "post", "/api/v1/filings/{missing}/send/", {}, DPOS, "authz"),
    ("notices", "get", "/api/v1/incidents/{id}/notices/", None, EVERYONE, None),
    ("notice-draft", "post", "/api/v1/incidents/{id}/notices/", {}, WRITERS, "authz"),
    ("notice", "get", "/api/v1/notices/{missing}/", None, EVERYONE, "authz"),
    ("notice-edit", "patch", "/api/v1/notices/{missing}/", {}, WRITERS, "authz"),
    ("notice-versions", "get", "/api/v1/notices/{missing}/versions/", None, EVERYONE, "authz"),
    ("notice-approve", "post", "/api/v1/notices/{missing}/approve/", {}, DPOS, "authz"),
    ("notice-publish", "post", "/api/v1/notices/{missing}/publish/", {}, DPOS, "authz"),
    ("notice-preview", "get", "/api/v1/notices/{missing}/preview/", None, EVERYONE, "authz"),
    ("notice-sample", "get", "/api/v1/notices/{missing}/sample/", None, EVERYONE, "authz"),
    ("messages-unknown", "get", "/api/v1/messages/unknown/", None, DPOS, None),
    (
        "message-settle",
        "post",
        "/api/v1/messages/{missing}/settle/",
        {"action": "fail", "reason": "bounced"},
        DPOS,
        "authz",
    ),
    ("parties", "get", "/api/v1/parties/", None, EVERYONE, None),
    ("party-create", "post", "/api/v1/parties/", {}, DPOS, "authz"),
    ("party", "get", "/api/v1/parties/{missing}/", None, EVERYONE, "authz"),
    ("party-edit", "patch", "/api/v1/parties/{missing}/", {}, DPOS, "authz"),
    ("party-delete", "delete", "/api/v1/parties/{missing}/", None, DPOS, "authz"),
]
# Operations that users' roles do not govern: what authenticates them, and their tests.
OTHER_AUTH = {
    "POST /api/v1/auth/token/": "password, + otp_code for dpo/admin (test_token_second_factor)",
    "POST /api/v1/alerts/{source}/": "the integration's token (tests/intake/test_intake_api.py)",
    "GET /api/v1/calendar/{token}.ics": "the feed secret (tests/notifications/test_calendar_api)",
    "POST /api/v1/receipts/sendgrid/": "SendGrid's signature (tests/notifications/test_receipts)",
    "POST /api/v1/receipts/twilio/": "Twilio's signature (tests/notifications/test_receipts.py)",
}
ROLES = ["admin", "dpo", "analyst", "viewer", "anonymous", "integration"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "method", "url", "body", "allowed", "setup"), MATRIX, ids=[row[0] for row in MATRIX]
)
def test_role_matrix(name, method, url, body, allowed, setup, role, api, users, dpo, org):
    incident = _incident(dpo, "assessing" if setup == "assessing" else "triage")
    if setup == "calendar" and role in users:
        calendar_token_rotate(user=users[role])
    if setup == "assessed":
        assessment_compute(incident_id=incident.pk, actor=dpo)
    obligation = _pending_obligation(incident)
    ids = {
        "id": incident.pk,
        "obligation": obligation.pk if obligation else 0,
        "alert": _alert() if "{alert}" in url else 0,
        "missing": 999999,
        **(_campaign(incident, dpo) if setup == "campaign" else {}),
    }
    target = url.format(**ids)
    if isinstance(body, dict):
        body = {
            key: int(value.format(**ids)) if isinstance(value, str) and "{" in value else value
            for key, value in body.items()
        }
    if role == "integration":
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Bearer bd_int_not_a_user_token")
    else:
        client = api[role]
    if body == CSV_UPLOAD:
        upload = SimpleUploadedFile("people.csv", b"email,name\nq@example.com,Q\n", "text/csv")
        response = client.post(target, {"file": upload}, format="multipart")
    else:
        response = getattr(client, method)(target, body, format="json")
    if role in allowed and setup == "authz":
        assert response.status_code not in (401, 403), (role, name, response.status_code)
        assert response.status_code < 500, (role, name, response.status_code)
    elif role in allowed:
        assert response.status_code < 300, (role, name, response.status_code, response.content)
    elif role in ("anonymous", "integration"):
        assert response.status_code == 401, (role, name, response.status_code)
    else:
        assert response.status_code == 403, (role, name, response.status_code)
        assert "detail" in response.json()


def _campaign(incident, dpo) -> dict[str, int]:
    """A draft notice campaign with one imported recipient."""
    campaign = campaign_create(
        incident_id=incident.pk,
        actor=dpo,
        name="Notice",
        channels=["email"],
        content={"en": {"subject": "Notice", "text": "Dear {{ name }}, ..."}},
    )
    run = campaign_import_rows(
        campaign_id=campaign.pk, rows=[{"email": "r@example.com", "name": "R"}], actor=dpo
    )
    return {"campaign": campaign.pk, "import_id": run.pk}


def _alert() -> int:
    """An alert posted by a monitoring integration (it opens its own incident)."""
    issued = integration_create(name="matrix", source="generic")
    response = Client().post(
        "/api/v1/alerts/generic/",
        data=json.dumps({"title": "Disk full", "dedup_key": "disk/1", "status": "firing"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {issued.token}"},
    )
    assert response.status_code == 202, response.content
    return response.json()["alert"]


def _schema_operation(method: str, url: str) -> str:
    """The schema's name of the operation a matrix URL reaches ("GET /api/v1/x/{id}/")."""
    route = resolve(url.split("?")[0]).route
    path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route).replace("{pk}", "{id}")
    return f"{method.upper()} /{path}"


def test_matrix_covers_every_operation_of_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {
        f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops
    }
    ids = {"id": 1, "obligation": 1, "alert": 1, "campaign": 1, "import_id": 1, "missing": 1}
    in_matrix = {_schema_operation(row[1], row[2].format(**ids)) for row in MATRIX}
    missing = sorted(operations - in_matrix - set(OTHER_AUTH))
    assert not missing, (
        "Endpoints without a row in the role matrix (add one to MATRIX in "
        f"tests/incidents/test_roles.py, or to OTHER_AUTH if roles do not apply): {missing}"
    )
    assert not (in_matrix | set(OTHER_AUTH)) - operations, "rows for endpoints that do not exist"


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
