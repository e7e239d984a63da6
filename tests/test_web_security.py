"""API docs served offline, a Content-Security-Policy everywhere, production refuses to run
without collected static files (issue 10, item 10)."""

import re

import pytest
from csp.middleware import CSPMiddleware
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.template import engines
from django.test import Client

from breachdesk.staticcheck import require_collected_static, static_problem

pytestmark = pytest.mark.django_db


def _csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


@pytest.fixture
def staff(users):
    client = Client()
    client.force_login(users["dpo"])
    return client


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_api_docs_load_nothing_from_a_cdn(staff, path):
    response = staff.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn.jsdelivr" not in html
    assert "googleapis" not in html
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert scripts
    for src in scripts:
        if src.startswith("/static/"):
            assert finders.find(src.removeprefix("/static/")), src
        else:
            assert src.startswith("/api/docs/"), src  # the split view's own script
    assert "<script>" not in html  # no inline script: the CSP would block it


def test_swagger_start_up_script_is_served(staff):
    html = staff.get("/api/docs/").content.decode()
    (own,) = [s for s in re.findall(r'<script[^>]*src="([^"]+)"', html) if "/api/docs/" in s]
    response = staff.get(own.replace("&amp;", "&"))
    assert response.status_code == 200
    assert b"SwaggerUIBundle" in response.content


@pytest.mark.parametrize("path", ["/", "/admin/login/", "/api/docs/", "/api/v1/incidents/"])
def test_every_page_has_a_content_security_policy(client, path):
    response = client.get(path)
    policy = _csp(response)
    assert policy["default-src"] == "'self'"
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"


def test_inline_scripts_get_a_per_request_nonce(rf):
    template = engines["django"].from_string('<script nonce="{{ CSP_NONCE }}">go()</script>')

    def view(request):
        return HttpResponse(template.render({}, request))

    request = rf.get("/")
    response = CSPMiddleware(view)(request)
    nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in _csp(response)["script-src"]


def test_production_refuses_to_start_without_collected_static(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with pytest.raises(ImproperlyConfigured, match="collectstatic"):
        require_collected_static()
    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')
    assert static_problem() is None


def test_development_storage_needs_no_collectstatic():
    assert static_problem() is None
