"""A nurse adds a passkey, logs out, and logs in with password and passkey (Chromium's virtual
authenticator, through the DevTools protocol: no real fingerprint needed)."""

import pytest
from django.test import Client
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect

from tests.browser.pages import next_code
from tests.factories import (
    PASSWORD,
    CareTeamFactory,
    FlagFactory,
    authenticator_app,
    car_t_patient,
    nurse_of,
)
from tests.tracker.passkey_authenticator import ORIGIN, add_passkey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def passkeys_here(settings, live_server):
    """Passkeys belong to the site's host: here the live server's, http://localhost:PORT."""
    assert live_server.url.startswith("http://localhost:")
    settings.PASSKEYS = True
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]


def virtual_authenticator(page) -> None:
    """A platform authenticator that holds passkeys and always verifies the user."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def password_step(page, base_url, username):
    page.goto(f"{base_url}/dashboard/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_nurse_adds_a_passkey_and_logs_in_with_it(
    live_server, passkeys_here, new_page, screenshot, axe
):
    team = CareTeamFactory()
    nurse = nurse_of(team, username="ana.nurse", first_name="Ana", last_name="Ruiz")
    FlagFactory(patient=car_t_patient(team=team))
    page = new_page(viewport={"width": 1280, "height": 800})
    blocked = []
    page.on("console", lambda m: "Content Security Policy" in m.text and blocked.append(m.text))
    virtual_authenticator(page)

    password_step(page, live_server.url, "ana.nurse")
    expect(page.get_by_role("heading", name="Set up your second step")).to_be_visible()
    add = page.get_by_role("button", name="Add a passkey")
    expect(add).to_be_visible()  # the script found WebAuthn in this browser
    assert axe(page) == []
    screenshot(page, "passkey-setup")
    add.click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    assert WebAuthnCredential.objects.filter(user=nurse, confirmed=True).count() == 1
    page.get_by_role("link", name="I saved them. Continue").click()
    expect(page.get_by_role("heading", name="Flagged check-ins")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    password_step(page, live_server.url, "ana.nurse")
    expect(page.get_by_role("heading", name="Use a passkey")).to_be_visible()
    assert axe(page) == []
    screenshot(page, "passkey-verify")
    page.goto(f"{live_server.url}/patients/")  # the password alone opens no patient page
    page.get_by_role("button", name="Use a passkey").click()
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.get_by_role("heading", name="Flagged check-ins")).to_be_visible()
    assert blocked == []


def test_without_script_the_code_page_is_the_code_form(
    live_server, passkeys_here, new_context, settings
):
    """A nurse with an app and a passkey, in a browser with script off: the code form works."""
    nurse = nurse_of(CareTeamFactory(), username="lee.nurse")
    authenticator_app(nurse)
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url, ORIGIN]
    client = Client()
    client.force_login(nurse)  # verified with the app, as after its code
    add_passkey(client)
    page = new_context(java_script_enabled=False).new_page()
    password_step(page, live_server.url, "lee.nurse")
    expect(page.get_by_role("heading", name="Type the code from your app")).to_be_visible()
    expect(page.get_by_role("button", name="Use a passkey")).to_have_count(0)
    page.get_by_label("Code").fill(next_code(nurse))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Flagged check-ins")).to_be_visible()
