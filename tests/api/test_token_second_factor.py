"""The token endpoint asks DPO and admin accounts for the TOTP code the web sign-in asks for:
a password alone must not buy a token that acts as a DPO."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.web.conftest import current_code

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/token/"


def _post(body: dict):
    return APIClient().post(URL, body, format="json")


@pytest.fixture
def device(users) -> TOTPDevice:
    return TOTPDevice.objects.create(user=users["dpo"], name="phone", confirmed=True)


def test_a_dpo_password_alone_gets_no_token_and_the_answer_names_otp_code(device):
    response = _post({"username": "dpo", "password": "pw-dpo"})
    assert response.status_code == 400
    body = response.json()
    assert "token" not in body
    assert "otp_code" in body["errors"]
    assert body["detail"].startswith("otp_code: ")


def test_a_dpo_with_the_current_code_gets_a_token_that_works(device):
    response = _post({"username": "dpo", "password": "pw-dpo", "otp_code": current_code(device)})
    assert response.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/v1/incidents/").status_code == 200


def test_an_admin_and_a_superuser_need_the_code_too(users, django_user_model):
    TOTPDevice.objects.create(user=users["admin"], name="phone", confirmed=True)
    root = django_user_model.objects.create_superuser("root", "root@example.test", "pw-root")
    TOTPDevice.objects.create(user=root, name="phone", confirmed=True)
    for username in ("admin", "root"):
        response = _post({"username": username, "password": f"pw-{username}"})
        assert response.status_code == 400, username
        assert "otp_code" in response.json()["errors"]


def test_a_wrong_code_gets_the_wrong_password_answer(device):
    wrong_password = _post({"username": "dpo", "password": "bad", "otp_code": "000000"})
    right_password = _post(
        {"username": "dpo", "password": "pw-dpo", "otp_code": current_code(device, offset_steps=9)}
    )
    assert right_password.status_code == wrong_password.status_code == 400
    assert right_password.json() == wrong_password.json()
    assert "otp_code" not in right_password.json()["errors"]


def test_a_wrong_password_with_no_code_does_not_mention_the_code(device):
    body = _post({"username": "dpo", "password": "bad"}).json()
    assert "otp_code" not in body["errors"]
    assert "Unable to log in" in body["detail"]


def test_wrong_codes_lock_the_account_like_wrong_passwords(device):
    codes = [
        _post({"username": "dpo", "password": "pw-dpo", "otp_code": "000000"}).status_code
        for _ in range(5)
    ]
    assert codes == [400] * 5
    locked = _post({"username": "dpo", "password": "pw-dpo", "otp_code": current_code(device)})
    assert locked.status_code == 400  # AXES_FAILURE_LIMIT = 5: even the right code is refused
    assert "token" not in locked.json()


def test_a_code_is_accepted_once(device):
    code = current_code(device)
    assert _post({"username": "dpo", "password": "pw-dpo", "otp_code": code}).status_code == 200
    replay = _post({"username": "dpo", "password": "pw-dpo", "otp_code": code})
    assert replay.status_code == 400
    assert "token" not in replay.json()


def test_a_dpo_without_an_enrolled_device_gets_no_token(users):
    response = _post({"username": "dpo", "password": "pw-dpo", "otp_code": "123456"})
    assert response.status_code == 400
    assert "token" not in response.json()


@pytest.mark.parametrize("extra", [{}, {"otp_code": ""}, {"otp_code": "123456"}])
def test_roles_without_a_second_factor_are_unchanged(users, extra):
    response = _post({"username": "analyst", "password": "pw-analyst", **extra})
    assert response.status_code == 200
    assert response.json()["token"]


# Tokens issued before the endpoint asked for the code, or while the account needed none,
# must not keep acting as a DPO or admin: the token is checked on every request.


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _refused_as_unverified(response) -> None:
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"] == "Token"
    body = response.json()
    assert body["code"] == "token_not_verified"
    assert "otp_code" in body["detail"]
    assert "POST /api/v1/auth/token/" in body["detail"]


def test_an_old_dpo_token_issued_without_a_code_is_refused_with_the_way_out(users, device):
    old = Token.objects.create(user=users["dpo"])  # as DRF issued it before otp_code existed
    _refused_as_unverified(_client(old.key).get("/api/v1/incidents/"))
    _refused_as_unverified(_client(old.key).post("/api/v1/organization/", {}, format="json"))
    response = _post({"username": "dpo", "password": "pw-dpo", "otp_code": current_code(device)})
    assert response.status_code == 200
    fresh = response.json()["token"]
    assert fresh != old.key  # a key handed out on a password alone is not upgraded
    assert _client(fresh).get("/api/v1/incidents/").status_code == 200
    assert _client(old.key).get("/api/v1/incidents/").status_code == 401
    assert not Token.objects.filter(key=old.key).exists()


def test_an_analyst_token_without_a_code_keeps_working(users):
    plain = Token.objects.create(user=users["analyst"])
    assert _client(plain.key).get("/api/v1/incidents/").status_code == 200
    obtained = _post({"username": "analyst", "password": "pw-analyst"}).json()["token"]
    assert obtained == plain.key  # unchanged for accounts without a second factor


def test_an_analyst_promoted_to_dpo_needs_a_token_issued_with_a_code(users):
    analyst = users["analyst"]
    key = _post({"username": "analyst", "password": "pw-analyst"}).json()["token"]
    assert _client(key).get("/api/v1/incidents/").status_code == 200
    analyst.groups.set([Group.objects.get(name="dpo")])  # as the admin's user page does
    _refused_as_unverified(_client(key).get("/api/v1/incidents/"))
    # the old key is not returned again on a password alone, nor with a code
    refused = _post({"username": "analyst", "password": "pw-analyst"})
    assert refused.status_code == 400
    assert "otp_code" in refused.json()["errors"]
    phone = TOTPDevice.objects.create(user=analyst, name="phone", confirmed=True)
    reissued = _post(
        {"username": "analyst", "password": "pw-analyst", "otp_code": current_code(phone)}
    )
    assert reissued.status_code == 200
    new_key = reissued.json()["token"]
    assert new_key != key
    assert _client(new_key).get("/api/v1/incidents/").status_code == 200
    again = _post(
        {
            "username": "analyst",
            "password": "pw-analyst",
            "otp_code": current_code(phone, offset_steps=1),
        }
    )
    assert again.json()["token"] == new_key  # a verified token is kept, as DRF keeps one


def test_the_superuser_flag_set_by_any_path_also_needs_the_code(users):
    viewer = users["viewer"]
    key = _post({"username": "viewer", "password": "pw-viewer"}).json()["token"]
    viewer.is_superuser = True  # e.g. `manage.py shell` or a script, no BreachDesk service
    viewer.save(update_fields=["is_superuser"])
    _refused_as_unverified(_client(key).get("/api/v1/incidents/"))
    viewer.is_superuser = False
    viewer.save(update_fields=["is_superuser"])
    assert _client(key).get("/api/v1/incidents/").status_code == 200


def test_a_dpo_token_issued_with_a_code_keeps_working_across_requests(device, org):
    code = current_code(device)
    key = _post({"username": "dpo", "password": "pw-dpo", "otp_code": code}).json()["token"]
    client = _client(key)
    assert [client.get("/api/v1/incidents/").status_code for _ in range(3)] == [200] * 3
    assert client.get("/api/v1/organization/").status_code == 200


def test_the_demo_prints_a_dpo_token_that_works_and_replaces_an_unverified_one():
    def seed() -> str:
        out = StringIO()
        call_command("seed_demo", "--force", stdout=out)
        [line] = [ln for ln in out.getvalue().splitlines() if "API token (dpo)" in ln]
        return line.rsplit(" ", 1)[-1]

    first = seed()
    assert _client(first).get("/api/v1/incidents/").status_code == 200
    assert seed() == first  # stable across runs once verified
    dpo = get_user_model().objects.get(username="dpo")
    Token.objects.filter(user=dpo).delete()
    unverified = Token.objects.create(user=dpo)  # a demo database from before the change
    printed = seed()
    assert printed != unverified.key
    assert _client(printed).get("/api/v1/incidents/").status_code == 200
