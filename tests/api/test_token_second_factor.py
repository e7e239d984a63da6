"""The token endpoint asks DPO and admin accounts for the TOTP code the web sign-in asks for:
a password alone must not buy a token that acts as a DPO."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
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
