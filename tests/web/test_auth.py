"""Sign-in with lockout and a TOTP second factor, sign-out, and each person's time zone."""

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents.services.incidents import incident_create
from tests.conftest import utc
from tests.web.conftest import current_code, sign_in

pytestmark = pytest.mark.django_db


def test_analyst_signs_in_with_a_password_and_lands_on_the_dashboard(users):
    client = sign_in(Client(), users["analyst"])
    response = client.get("/")
    assert response.status_code == 200
    assert b"Dashboard" in response.content


def test_anonymous_visitors_are_sent_to_the_login_page(db):
    response = Client().get("/register/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Fregister%2F"


def test_wrong_password_is_refused_with_a_message(users):
    response = Client().post("/login/", {"username": "analyst", "password": "nope"})
    assert response.status_code == 401
    assert b"Wrong username or password" in response.content


def test_dpo_without_a_device_enrols_before_signing_in(users, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's back-off is tested below
    client = Client()
    response = client.post("/login/", {"username": "dpo", "password": "pw-dpo"})
    assert response["Location"] == "/login/enrol/"
    assert client.get("/").status_code == 302  # not signed in yet
    page = client.get("/login/enrol/")
    assert page.status_code == 200
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=users["dpo"], confirmed=False)
    assert page.context["secret"].encode() in page.content
    assert client.post("/login/enrol/", {"code": "000000"}).status_code == 401
    response = client.post("/login/enrol/", {"code": current_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200


def test_dpo_needs_the_current_code(users, devices, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    client = Client()
    response = client.post("/login/", {"username": "dpo", "password": "pw-dpo"})
    assert response["Location"] == "/login/verify/"
    stale = current_code(devices["dpo"], offset_steps=-10)
    assert client.post("/login/verify/", {"code": stale}).status_code == 401
    response = client.post("/login/verify/", {"code": current_code(devices["dpo"])})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_half_signed_in_session_reaches_neither_api_nor_admin(users, devices):
    client = Client()
    client.post("/login/", {"username": "dpo", "password": "pw-dpo"})
    assert client.get("/api/v1/incidents/").status_code in (401, 403)
    assert client.get("/admin/").status_code == 302
    assert client.get("/login/enrol/")["Location"] == "/login/verify/"


def test_admin_login_goes_through_the_workspace_login(users, devices):
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/admin/"
    admin = users["admin"]
    admin.is_staff = True
    admin.is_superuser = True
    admin.save()
    client = sign_in(Client(), admin)
    assert client.get("/admin/").status_code == 200


def test_repeated_wrong_passwords_lock_the_account(users):
    client = Client()
    for _ in range(5):
        client.post("/login/", {"username": "analyst", "password": "wrong"})
    response = client.post("/login/", {"username": "analyst", "password": "pw-analyst"})
    assert response.status_code == 429
    assert b"Account locked" in response.content


def test_wrong_codes_slow_down_guessing(users, devices):
    client = Client()
    client.post("/login/", {"username": "dpo", "password": "pw-dpo"})
    client.post("/login/verify/", {"code": "000000"})
    response = client.post("/login/verify/", {"code": current_code(devices["dpo"])})
    assert response.status_code == 401
    assert b"wait a few seconds" in response.content


def test_repeated_wrong_codes_lock_the_account(users, devices, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    client = Client()
    client.post("/login/", {"username": "dpo", "password": "pw-dpo"})
    for _ in range(5):
        client.post("/login/verify/", {"code": "000000"})
    response = client.post("/login/verify/", {"code": current_code(devices["dpo"])})
    assert response.status_code == 429
    assert client.get("/").status_code == 302


def test_next_must_stay_on_this_site(users):
    client = Client()
    response = client.post(
        "/login/?next=https://evil.example/",
        {"username": "analyst", "password": "pw-analyst"},
    )
    assert response["Location"] == "/"
    response = Client().post(
        "/login/", {"username": "analyst", "password": "pw-analyst", "next": "/register/"}
    )
    assert response["Location"] == "/register/"


def test_logout_needs_a_post_and_ends_the_session(users):
    client = sign_in(Client(), users["analyst"])
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/")["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_each_person_sees_times_in_their_own_zone(users):
    incident = incident_create(
        actor=users["analyst"],
        data={"title": "Lost USB stick", "aware_at": utc(2026, 1, 15, 12, 0)},
        now=utc(2026, 1, 15, 13, 0),
    )
    client = sign_in(Client(), users["analyst"])
    assert b"15 Jan 2026, 12:00 UTC" in client.get(f"/incidents/{incident.pk}/").content
    response = client.post("/account/", {"time_zone": "America/New_York"})
    assert response.status_code == 200
    page = client.get(f"/incidents/{incident.pk}/").content
    assert b"15 Jan 2026, 07:00 EST" in page
    incident.refresh_from_db()
    assert incident.aware_at == utc(2026, 1, 15, 12, 0)
    assert client.post("/account/", {"time_zone": "Mars/Olympus"}).status_code == 200
    assert (
        "time_zone"
        in client.post("/account/", {"time_zone": "Mars/Olympus"}).context["form"].errors
    )
