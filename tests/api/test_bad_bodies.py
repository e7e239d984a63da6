"""Every JSON body goes through one parser with size and depth limits (issue 10, items 2, 9)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

DEEP = b"[" * 50_000 + b"]" * 50_000


def _post(path: str, body: bytes, token: str | None = None):
    headers = {"Authorization": f"Token {token}"} if token else {}
    return Client().generic(
        "POST", path, data=body, content_type="application/json", headers=headers
    )


@pytest.fixture
def analyst_token(users):
    from rest_framework.authtoken.models import Token

    return Token.objects.create(user=users["analyst"]).key


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/incidents/"])
def test_deeply_nested_json_is_a_400_naming_the_problem(path, analyst_token):
    response = _post(path, DEEP, token=None if "auth" in path else analyst_token)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "nested more than 64 levels" in response.json()["detail"]


def test_moderately_deep_json_is_refused_too(analyst_token):
    body = b'{"title": ' + b"[" * 100 + b"]" * 100 + b"}"
    response = _post("/api/v1/incidents/", body, token=analyst_token)
    assert response.status_code == 400
    assert "nested more than 64 levels" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"title": ', "not valid JSON"),
        (b'{"title": NaN}', "NaN is not allowed"),
        (b'{"title": "a\\u0000b"}', "NUL character"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_malformed_json_is_a_json_400(body, words, analyst_token):
    response = _post("/api/v1/incidents/", body, token=analyst_token)
    assert response.status_code == 400
    assert words in response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/v1/incidents/", "/api/v1/auth/token/"])
def test_over_size_body_is_a_json_413(path, analyst_token, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = b'{"title": "' + b"x" * 2000 + b'"}'
    response = _post(path, body, token=None if "auth" in path else analyst_token)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_form_bodies_are_refused_with_a_json_415(analyst_token):
    response = Client().post(
        "/api/v1/auth/token/", {"username": "analyst", "password": "pw-analyst"}
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
