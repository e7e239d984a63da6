"""Every error under /api/ is JSON in the error shape, whoever answers it (issue 10, item 9):
unknown URLs, methods, Accept and Content-Type the endpoint cannot serve, bodies over Django's
DATA_UPLOAD_* limits on endpoints that read forms or raw bodies, and server errors."""

import pytest
from django.test import Client

from incidents.intake.services import integration_create
from tests.conftest import token_for

pytestmark = pytest.mark.django_db

MULTIPART = "multipart/form-data; boundary=b"


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == code
    assert body["detail"]
    return body


@pytest.fixture
def dpo_headers(users) -> dict[str, str]:
    return {"Authorization": f"Token {token_for(users['dpo'])}"}


@pytest.fixture
def callers(dpo_headers) -> dict[str, dict[str, str]]:
    issued = integration_create(name="monitoring", source="generic")
    return {
        "anonymous": {},
        "dpo": dpo_headers,
        "integration": {"Authorization": f"Bearer {issued.token}"},
    }


@pytest.mark.parametrize("path", ["/api/", "/api/nope", "/api/v1/nope/", "/api/v2/incidents/"])
@pytest.mark.parametrize("accept", ["*/*", "text/html"])
def test_an_unknown_api_url_is_a_json_404(path, accept):
    response = Client().get(path, headers={"Accept": accept})
    body = _error(response, 404, "not_found")
    assert body["detail"] == f"No API endpoint at {path}."


def test_a_missing_trailing_slash_redirects_a_get_and_names_the_endpoint_otherwise(dpo_headers):
    get = Client().get("/api/v1/incidents?status=open", headers=dpo_headers)
    assert get.status_code == 301
    assert get["Location"] == "/api/v1/incidents/?status=open"
    post = Client().post(
        "/api/v1/incidents", {"title": "x"}, content_type="application/json", headers=dpo_headers
    )
    body = _error(post, 404, "not_found")
    assert "The endpoint is /api/v1/incidents/ (with the trailing slash)" in body["detail"]


def test_an_unknown_url_outside_the_api_keeps_the_html_page():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/api/v1/incidents/"),
        ("DELETE", "/api/schema/"),  # its renderer is YAML; the error is JSON all the same
        ("POST", "/api/docs/"),  # an HTML page; its 405 is JSON
        ("PATCH", "/api/v1/auth/token/"),
    ],
)
def test_a_method_the_endpoint_does_not_serve_is_a_json_405(method, path, dpo_headers):
    response = Client().generic(method, path, headers=dpo_headers)
    body = _error(response, 405, "method_not_allowed")
    assert method in body["detail"]
    assert response["Allow"]


@pytest.mark.parametrize("accept", ["application/xml", "image/png"])
def test_an_accept_header_the_endpoint_cannot_serve_is_a_json_406(accept, dpo_headers):
    response = Client().get("/api/v1/incidents/", headers={**dpo_headers, "Accept": accept})
    _error(response, 406, "not_acceptable")


def test_an_error_asked_for_as_html_is_json_all_the_same(dpo_headers):
    response = Client().get(
        "/api/v1/incidents/999999/", headers={**dpo_headers, "Accept": "text/html"}
    )
    _error(response, 404, "not_found")


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/v1/incidents/", "application/xml"),
        ("/api/v1/incidents/", "application/x-www-form-urlencoded"),
        ("/api/v1/auth/token/", "text/plain"),
        ("/api/v1/campaigns/1/imports/", "application/json"),
    ],
)
def test_a_body_type_the_endpoint_does_not_read_is_a_json_415(path, content_type, dpo_headers):
    response = Client().generic(
        "POST", path, data=b"x=1", content_type=content_type, headers=dpo_headers
    )
    body = _error(response, 415, "unsupported_media_type")
    assert content_type in body["detail"]


@pytest.fixture
def small_limits(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5


@pytest.mark.parametrize(
    ("path", "content_type", "body", "caller"),
    [
        # raw-body webhook (reads request.body)
        (
            "/api/v1/receipts/sendgrid/",
            "application/json",
            b'["' + b"x" * 3000 + b'"]',
            "anonymous",
        ),
        # form webhook (reads request.POST)
        (
            "/api/v1/receipts/twilio/",
            "application/x-www-form-urlencoded",
            b"a=" + b"x" * 3000,
            "anonymous",
        ),
        # multipart upload: a non-file field over the limit
        (
            "/api/v1/campaigns/1/imports/",
            MULTIPART,
            b'--b\r\nContent-Disposition: form-data; name="note"\r\n\r\n'
            + b"y" * 3000
            + b"\r\n--b--\r\n",
            "dpo",
        ),
        # the JSON endpoints and alert intake read through the API's own limited parser
        ("/api/v1/incidents/", "application/json", b'{"title": "' + b"x" * 3000 + b'"}', "dpo"),
        (
            "/api/v1/alerts/generic/",
            "application/json",
            b'{"title": "' + b"x" * 3000 + b'"}',
            "integration",
        ),
    ],
)
def test_a_body_over_the_size_limit_is_a_json_413(
    path, content_type, body, caller, small_limits, callers
):
    response = Client().generic(
        "POST", path, data=body, content_type=content_type, headers=callers[caller]
    )
    body = _error(response, 413, "payload_too_large")
    assert "1000" in body["detail"]


@pytest.mark.parametrize(
    ("path", "content_type", "body", "caller"),
    [
        (
            "/api/v1/receipts/twilio/",
            "application/x-www-form-urlencoded",
            b"&".join(b"f%d=1" % i for i in range(20)),
            "anonymous",
        ),
        (
            "/api/v1/campaigns/1/imports/",
            MULTIPART,
            b"".join(
                b'--b\r\nContent-Disposition: form-data; name="f%d"\r\n\r\n1\r\n' % i
                for i in range(20)
            )
            + b"--b--\r\n",
            "dpo",
        ),
    ],
)
def test_too_many_form_fields_is_a_json_400_naming_the_limit(
    path, content_type, body, caller, small_limits, callers
):
    response = Client().generic(
        "POST", path, data=body, content_type=content_type, headers=callers[caller]
    )
    body = _error(response, 400, "too_many_fields")
    assert "DATA_UPLOAD_MAX_NUMBER_FIELDS" in body["detail"]


def test_an_unknown_calendar_feed_is_a_json_404_that_keeps_its_message():
    response = Client().get("/api/v1/calendar/no-such-token.ics")
    body = _error(response, 404, "not_found")
    assert "calendar feed token" in body["detail"]


@pytest.mark.urls("tests.api.error_urls")
def test_a_server_error_under_the_api_is_a_json_500():
    response = Client(raise_request_exception=False).get("/api/v1/boom/")
    body = _error(response, 500, "server_error")
    assert "unexpected fault" not in body["detail"]  # no internals leak


@pytest.mark.urls("tests.api.error_urls")
def test_a_server_error_outside_the_api_keeps_the_html_page():
    response = Client(raise_request_exception=False).get("/no-such-page/")
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/alerts/5920532446447042297856/payloads/1/",
        "/api/v1/alerts/1/payloads/5920532446447042297856/",
        "/api/v1/campaigns/9223372036854775808/imports/1/",
        "/api/v1/incidents/99999999999999999999999/timeline/",
    ],
)
def test_an_id_beyond_64_bits_is_a_json_404_not_an_overflow(path, dpo_headers):
    response = Client().get(path, headers=dpo_headers)
    body = _error(response, 404, "not_found")
    assert "out of range" in body["detail"]


def test_an_id_beyond_64_bits_on_a_page_is_the_html_404(users):
    client = Client()
    client.force_login(users["viewer"])
    response = client.get("/incidents/99999999999999999999999/")
    assert response.status_code == 404
