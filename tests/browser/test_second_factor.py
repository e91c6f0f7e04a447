"""A nurse logs in with a password and a code from an authenticator app; a new nurse sets one up."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.browser.pages import next_code
from tests.factories import (
    PASSWORD,
    CareTeamFactory,
    FlagFactory,
    authenticator_app,
    car_t_patient,
    code_from,
    nurse_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def password_step(page, base_url, username):
    page.goto(f"{base_url}/dashboard/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_nurse_logs_in_with_a_code_from_the_app(live_server, new_page, screenshot, axe):
    team = CareTeamFactory()
    nurse = nurse_of(team, username="sam.nurse", first_name="Sam", last_name="Ortiz")
    FlagFactory(patient=car_t_patient(team=team))
    authenticator_app(nurse)
    page = new_page(viewport={"width": 1280, "height": 800})

    password_step(page, live_server.url, "sam.nurse")
    expect(page.get_by_role("heading", name="Type the code from your app")).to_be_visible()
    assert axe(page) == []
    page.goto(f"{live_server.url}/patients/")  # the password alone opens no patient page
    expect(page.get_by_role("heading", name="Type the code from your app")).to_be_visible()

    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("That code did not work")
    screenshot(page, "two-factor-wrong-code")

    page.wait_for_timeout(1100)  # django-otp waits a second after a wrong code
    page.get_by_label("Code").fill(next_code(nurse))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()


def test_a_new_nurse_sets_up_an_app_and_gets_recovery_codes(live_server, new_page, screenshot, axe):
    nurse_of(CareTeamFactory(), username="kit.nurse")
    page = new_page()
    password_step(page, live_server.url, "kit.nurse")
    expect(page.get_by_role("heading", name="Set up your second step")).to_be_visible()
    expect(page.locator(".qr-code svg")).to_be_visible()
    secret = page.locator("code.secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})+", secret)
    assert axe(page) == []
    screenshot(page, "two-factor-setup")

    device = TOTPDevice.objects.get(user__username="kit.nurse")
    page.get_by_label("Code").fill(code_from(device))
    page.get_by_role("button", name="Turn on the second step").click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    assert axe(page) == []
    screenshot(page, "two-factor-recovery-codes")
    page.get_by_role("link", name="I saved them. Continue").click()
    expect(page.get_by_role("heading", name="Flagged check-ins")).to_be_visible()
