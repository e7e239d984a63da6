"""A client asking exactly for the file type a download writes gets the file, not 406.

DRF negotiates Accept against its JSON renderers only; the file views (breachdesk.api.files)
also accept the media types they write. Every operation of the schema is checked: the file
types its 200 response declares are the ones its view accepts, and asking for each of them
is never a 406. Errors on a file download stay JSON; an Accept a view cannot answer is the
JSON 406 there as on every JSON endpoint.
"""

import csv
import io
import re

import pytest
from django.test import Client
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from tests.conftest import token_for
from tests.world import World

pytestmark = pytest.mark.django_db

JSON = "application/json"
PARAM = re.compile(r"{(\w+)}")


def _file_operations() -> list[tuple[str, list[str]]]:
    """(path, file media types of its 200 response) for every GET operation of the schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        content = get["responses"].get("200", {}).get("content", {})
        found.append((path, sorted(media for media in content if media != JSON)))
    return found


FILE_OPERATIONS = _file_operations()


def test_the_schema_has_the_file_downloads():
    paths = {path for path, types in FILE_OPERATIONS if types}
    assert {
        "/api/v1/register/export/",
        "/api/v1/campaigns/{id}/letters.csv",
        "/api/v1/filings/{id}/render/",
        "/api/v1/notices/{id}/preview/",
    } <= paths


@pytest.mark.parametrize(("path", "declared"), FILE_OPERATIONS)
def test_a_view_accepts_exactly_the_file_types_its_schema_declares(path, declared):
    view = resolve(PARAM.sub("1", path)).func.cls
    assert sorted(getattr(view, "file_media_types", ())) == declared


@pytest.fixture
def dpo_world(users, org):
    token = token_for(users["dpo"])
    return {"Authorization": f"Token {token}"}, World(users["dpo"], integration_token="")


@pytest.mark.parametrize(
    ("path", "media_type"),
    [(path, media) for path, declared in FILE_OPERATIONS for media in declared],
)
def test_asking_for_a_declared_file_type_is_never_406(path, media_type, dpo_world):
    headers, world = dpo_world
    url = path.format(**world.path_parameters(path, dict.fromkeys(PARAM.findall(path), 0)))
    for accept in (media_type, f"{media_type}; charset=utf-8", f"{media_type};q=0.9"):
        response = Client().get(url, headers={**headers, "Accept": accept})
        assert response.status_code != 406, (url, accept, response.content)


def _get(path: str, accept: str, headers: dict) -> object:
    return Client().get(path, headers={**headers, "Accept": accept})


@pytest.mark.parametrize("accept", ["text/csv", "text/csv; charset=utf-8", "text/*"])
def test_the_letters_csv_answers_a_client_asking_for_csv(accept, dpo_world):
    headers, world = dpo_world
    campaign = world.path_parameters("/api/v1/campaigns/{id}/", {"id": 0})["id"]
    response = _get(f"/api/v1/campaigns/{campaign}/letters.csv", accept, headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "recipient",
        "reason",
        "name",
        "address",
        "email",
        "phone",
        "language",
        "region",
    ]


def test_the_register_export_answers_a_client_asking_for_csv(dpo_world):
    headers, world = dpo_world
    world.incident()
    response = _get("/api/v1/register/export/?as=csv", "text/csv", headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode()
    assert "Fuzz target: shop customer database copied" in body


def test_a_pdf_rendition_answers_a_client_asking_for_pdf(dpo_world):
    headers, world = dpo_world
    notice = world.notice()
    response = _get(
        f"/api/v1/notices/{notice}/preview/?channel=letter&lang=de", "application/pdf", headers
    )
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_a_json_answer_of_a_file_view_stays_json_when_a_file_type_was_asked(dpo_world):
    headers, world = dpo_world
    notice = world.notice()
    response = _get(f"/api/v1/notices/{notice}/preview/?channel=email&lang=de", "text/csv", headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == JSON
    assert response.json()["channel"] == "email"


def _json_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == JSON
    assert response.json()["code"] == code


def test_an_error_on_a_file_download_asked_as_csv_is_json(dpo_world, users):
    headers, _ = dpo_world
    _json_error(_get("/api/v1/campaigns/999999/letters.csv", "text/csv", headers), 404, "not_found")
    viewer = {"Authorization": f"Token {token_for(users['viewer'])}"}
    _json_error(_get("/api/v1/register/export/", "text/csv", viewer), 403, "permission_denied")
    _json_error(_get("/api/v1/register/export/?as=xml", "text/csv", headers), 400, "invalid")


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/api/v1/register/export/", "image/png"),
        ("/api/v1/register/export/", "application/pdf"),  # a file type, not this view's
        ("/api/v1/incidents/", "text/csv"),  # a JSON endpoint writes no files
    ],
)
def test_an_accept_the_view_cannot_answer_is_still_a_json_406(path, accept, dpo_world):
    headers, _ = dpo_world
    _json_error(_get(path, accept, headers), 406, "not_acceptable")
