"""The whole flow in a real browser: log an incident, assess it in the wizard, watch the
countdown tick, draft and submit the initial filing, draft, approve and send a notice to an
imported list through the outbox (progress followed live), find it in the register with the
delivered counts; axe-core checks every page on the way."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_q.conf import Conf
from playwright.sync_api import expect, sync_playwright

from breachdesk.web.models import UserPreference
from notifications import tasks
from notifications.models import Campaign
from tests.web.browser import ARGS, CHROMIUM, AccessibilityLog, require_chromium, shot
from tests.web.conftest import current_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PATIENTS = (
    "email,language,name\n"
    "ana@example.test,de,Ana\n"
    "not-an-address,de,Bo\n"
    "ANA@example.test,de,Ana again\n"
    "cy@example.test,en,Cy\n"
    "dan@example.test,de,Dan\n"
)
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@pytest.fixture(autouse=True)
def roles(transactional_db):
    """An earlier transactional test may have flushed permissions and role groups with
    everything else: recreate them as `migrate` does."""
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")


@pytest.fixture
def browser(monkeypatch):
    require_chromium()
    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls
    # are still synchronous, so Django's async guard would misfire.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def sign_in(page, base: str, user, device: TOTPDevice | None) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("pw-" + user.username)
    page.get_by_role("button", name="Sign in").click()
    if device is not None:
        page.get_by_label("Six-digit code").fill(current_code(device))
        page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()


def nav(page):
    return page.get_by_role("navigation", name="Main")


def assert_accessible(axe: AccessibilityLog, page, label: str) -> None:
    blocking = axe.check(page, label)
    assert not blocking, [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in blocking]


def test_log_assess_file_notify_send_and_find_it_in_the_register(
    browser, live_server, users, devices, org, tmp_path, monkeypatch
):
    axe = AccessibilityLog("flow")
    UserPreference.objects.create(user=users["dpo"], time_zone="Europe/Berlin")
    context = browser.new_context(viewport=DESKTOP, timezone_id="Europe/Berlin")
    page = context.new_page()
    base = live_server.url

    page.goto(f"{base}/")
    assert_accessible(axe, page, "login")
    sign_in(page, base, users["dpo"], devices["dpo"])
    shot(page, "flow-01-dashboard")
    assert_accessible(axe, page, "dashboard (empty)")

    # 1. Log an incident.
    nav(page).get_by_role("link", name="Log an incident").click()
    assert_accessible(axe, page, "log an incident")
    page.get_by_label("Title").fill("Patient portal database copied by an attacker")
    page.get_by_label("Became aware").fill("2026-01-01T00:00")
    page.get_by_label("Countries and regions").fill("DE")
    page.get_by_role("button", name="Record the incident").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Patient portal")
    # The awareness time was typed in January: far in the past, so the clock is overdue.
    page.goto(page.url)  # plain reload keeps the URL
    shot(page, "flow-02-incident")
    assert_accessible(axe, page, "incident")
    incident_url = page.url

    # Correct the awareness time to one hour ago so the 72-hour clock runs (and ticks).
    berlin = datetime.now(ZoneInfo("Europe/Berlin")) - timedelta(hours=1)
    aware = berlin.strftime("%Y-%m-%dT%H:%M")  # the form reads the person's own zone
    page.get_by_label("Became aware").fill(aware)
    page.get_by_label("Reason for changing the awareness time").fill("Typo in the year")
    page.get_by_label("People affected", exact=True).fill("2400")
    page.get_by_role("button", name="Save facts").click()
    expect(page.get_by_text("Facts saved.")).to_be_visible()

    # 2. Assess in the wizard; each answer updates the outcome panel.
    page.get_by_role("link", name="Assess the risk step by step").click()
    page.get_by_label("Confidentiality").check()
    page.get_by_label("Malicious external").check()
    assert_accessible(axe, page, "wizard step 1")
    shot(page, "flow-03-wizard-1")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Health").check()
    page.get_by_label("Identity").check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Patients").check()
    page.get_by_label("Direct").check()
    page.get_by_role("button", name="Save and continue").click()
    outcome = page.locator("#outcome")
    page.get_by_label("None", exact=True).first.check()  # exposure: none
    expect(outcome).to_contain_text("exposure")
    page.get_by_label("Exfiltrated").check()
    expect(outcome).to_contain_text("Circumstances: confidentiality: exfiltrated")
    shot(page, "flow-04-wizard-exposure")
    assert_accessible(axe, page, "wizard step 4")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("review")
    assert_accessible(axe, page, "wizard review")
    shot(page, "flow-05-wizard-review")
    page.get_by_role("button", name="Record this assessment").click()
    expect(page.get_by_text(re.compile(r"Assessment v1 recorded: high"))).to_be_visible()

    # 3. Watch the countdown tick on the dashboard.
    nav(page).get_by_role("link", name="Dashboard").click()
    countdown = page.locator(".countdown-text").first
    expect(countdown).to_contain_text("left")
    first = countdown.inner_text()
    page.wait_for_timeout(2100)
    assert countdown.inner_text() != first
    assert "state-soon" not in (page.locator(".countdown").first.get_attribute("class") or "")
    shot(page, "flow-08-countdown")
    assert_accessible(axe, page, "dashboard")

    page.goto(incident_url)
    # 4. Draft and submit the initial filing to the supervisory authority.
    target = page.locator("#filings").get_by_label("Obligation and phase")
    initial = target.locator("option").filter(
        has_text="Initial notification"
    )  # duties with the nearest deadline come first: the Art. 33(1) notification
    target.select_option(initial.first.get_attribute("value"))
    page.get_by_role("button", name="Draft a filing").click()
    expect(page.get_by_role("heading", name="Completeness")).to_be_visible()
    assert_accessible(axe, page, "filing draft")
    page.get_by_label(re.compile("^Likely consequences")).fill("Fraud and distress")
    page.get_by_label(re.compile("^Measures taken")).fill("Database access revoked")
    page.get_by_label(re.compile("^Measures proposed")).fill("Password reset for all patients")
    page.get_by_label(re.compile("^Information that will follow")).fill("Exact record count")
    follow_up = (datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(days=2)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    page.get_by_label("Further information will follow by").fill(follow_up)
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Ready to submit.")).to_be_visible()
    shot(page, "flow-06-filing-draft")
    page.get_by_label("Submitted at").fill(aware)
    page.get_by_label("Channel").select_option("portal")
    page.get_by_label("Authority's reference").fill("BE-2026-117")
    page.get_by_role("button", name="Record as submitted").click()
    expect(page.get_by_text("Submission recorded; the filing is frozen.")).to_be_visible()
    shot(page, "flow-07-filing-submitted")
    assert_accessible(axe, page, "filing submitted")

    # 5. Draft the notice to the people affected, check it, approve it (DPO).
    page.goto(incident_url)
    page.get_by_role("button", name="Draft notices to affected people").click()
    expect(page.get_by_role("heading", name="Notice to affected people")).to_be_visible()
    expect(page.get_by_role("heading", name="Plain language")).to_be_visible()
    assert_accessible(axe, page, "notice editor")
    shot(page, "flow-10-notice-editor")
    notice_url = page.url
    page.get_by_role("button", name=re.compile("^Approve version")).click()
    expect(page.get_by_text(re.compile(r"Version \d+ approved and frozen"))).to_be_visible()
    shot(page, "flow-11-notice-approved")

    # 6. Send it to an imported list through the outbox, watching the progress live.
    page.get_by_role("button", name="Prepare a send-out").click()
    expect(page.get_by_role("heading", name=re.compile("^Send-out"))).to_be_visible()
    recipients = tmp_path / "patients.csv"
    recipients.write_text(PATIENTS)
    page.get_by_label("Recipient list (CSV)").set_input_files(str(recipients))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("3 accepted, 1 duplicate dropped, 1 rejected")).to_be_visible()
    rejected = page.get_by_role("table", name="Rejected rows")
    expect(rejected).to_contain_text("email: not a valid e-mail address")
    assert_accessible(axe, page, "send-out imported")
    shot(page, "flow-12-send-out-imported")
    campaign_url = page.url
    campaign = Campaign.objects.get(incident__title__startswith="Patient portal")
    with monkeypatch.context() as queued:
        # The start only queues the work (no worker runs yet), so the page shows the
        # campaign sending; the worker below runs while the page polls, without a reload.
        queued.setattr(Conf, "SYNC", False)
        send = page.get_by_role("button", name="Send to 3 recipients")
        send.focus()
        page.keyboard.press("Enter")  # keyboard-usable
        summary = page.locator(".progress-summary")
        expect(summary).to_contain_text("0 of 3 deliveries handed over (0 %)")
        page.evaluate("window.stillTheSamePage = true")
        shot(page, "flow-13-send-out-sending")
        tasks.campaign_work(campaign.pk)
    expect(summary).to_contain_text("Completed: 3 of 3 deliveries handed over (100 %)")
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page.locator("progress")).to_have_attribute("value", "3")
    expect(page.locator(".delivery-sent")).to_contain_text("3")
    assert_accessible(axe, page, "send-out sent")
    shot(page, "flow-14-send-out-sent")

    # 7. See it in the register, and the delivered counts on its page.
    nav(page).get_by_role("link", name="Register").click()
    page.get_by_label("Text search").fill("Patient portal")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name=re.compile("Patient portal"))).to_be_visible()
    notified = page.get_by_role("cell", name=re.compile("^Authority"))
    # The filing, not yet the people: the send-out reached 3 of the 2,400 the incident
    # states, so the duty to tell them stays open for a DPO (letters, substitute notice).
    expect(notified).not_to_contain_text("People")
    assert_accessible(axe, page, "register")
    shot(page, "flow-09-register")
    page.get_by_role("link", name=re.compile("Patient portal")).click()
    notices = page.locator("#notices")
    expect(notices).to_contain_text("3 of 3 deliveries handed over")
    expect(page.locator("#timeline")).to_contain_text(
        "3 of 3 recipients reached; eu-gdpr-34-individuals open: reached 3 of 2400 stated"
    )
    expect(notices.locator(".delivery-sent")).to_contain_text("3")
    shot(page, "flow-15-incident-delivered")

    page.goto(f"{base}/organisation/")
    assert_accessible(axe, page, "organisation")
    page.get_by_role("link", name="Customers and processors").click()
    page.get_by_label("Kind").select_option("customer")
    page.get_by_label(re.compile("^Name")).fill("Clinic Nord")
    page.get_by_label("Notice period (hours)").fill("24")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Clinic Nord added.")).to_be_visible()
    assert_accessible(axe, page, "parties")
    shot(page, "parties")
    page.get_by_role("link", name="Authority registry").click()
    page.get_by_label("Jurisdiction").fill("DE")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="Report to DE-BE")).to_be_visible()
    assert_accessible(axe, page, "authorities")
    page.goto(f"{base}/account/")
    assert_accessible(axe, page, "account")

    # The same pages on a phone: no sideways scrolling, still no serious violation.
    phone = browser.new_context(viewport=PHONE, storage_state=context.storage_state())
    small = phone.new_page()
    for label, url in (
        ("dashboard", "/"),
        ("incident", incident_url),
        ("notice editor", notice_url),
        ("send-out", campaign_url),
        ("register", "/register/"),
        ("organisation", "/organisation/"),
        ("parties", "/parties/"),
        ("authorities", "/authorities/"),
    ):
        small.goto(url if url.startswith("http") else base + url)
        width = small.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{label} is {width}px wide at 375px"
        assert_accessible(axe, small, f"{label} (375px)")
        shot(small, f"phone-{label}")
    axe.save()


def test_keyboard_reaches_the_content_with_a_visible_focus(browser, live_server, users):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server.url, users["analyst"], None)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.tagName")
    assert focused in ("A", "BUTTON", "INPUT")


def test_enrolment_and_verify_pages_are_accessible(browser, live_server, users):
    axe = AccessibilityLog("second-factor")
    page = browser.new_context(viewport=DESKTOP).new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("dpo")
    page.get_by_label("Password").fill("pw-dpo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Set up your second factor")).to_be_visible()
    assert_accessible(axe, page, "enrol")
    shot(page, "enrol")
    device = TOTPDevice.objects.get(user=users["dpo"], confirmed=False)
    page.get_by_label("Six-digit code").fill(current_code(device))
    page.get_by_role("button", name="Confirm and sign in").click()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    axe.save()
