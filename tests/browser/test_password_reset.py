"""A patient who forgot their password gets a link by e-mail, chooses a new one and logs in,
keeping themself signed in on their own phone."""

import re
import time

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.factories import car_t_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a-new-kind-pass-phrase-8"


def test_a_patient_resets_the_password_from_the_e_mail_and_logs_in_with_it(
    live_server, settings, axe, screenshot, new_page
):
    settings.SITE_URL = live_server.url
    patient = car_t_patient(
        day=3, user__username="alex@example.org", user__email="alex@example.org"
    )
    page = new_page()
    violations: list[str] = []

    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    violations += axe(page)
    page.get_by_label("E-mail address").fill("alex@example.org")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Please look in your e-mail")).to_be_visible()
    expect(page.get_by_text("Call your care team on their 24-hour phone number")).to_be_visible()
    violations += axe(page)
    screenshot(page, "password-reset-sent")

    [message] = mail.outbox
    assert message.to == ["alex@example.org"]
    assert patient.name not in message.body
    [link] = re.findall(r"https?://\S+", message.body)
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    # The token left the address before the form showed (it never leaks in a Referer).
    assert "set-password" in page.url
    violations += axe(page)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save my password").click()
    expect(page.get_by_role("heading", name="Your new password is saved")).to_be_visible()
    screenshot(page, "password-reset-saved")

    page.get_by_role("link", name="Log in").click()
    page.get_by_label("User name").fill("alex@example.org")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Keep me signed in on this phone").check()
    violations += axe(page)
    screenshot(page, "login-keep-signed-in")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="How are you today?")).to_be_visible()
    [session] = [c for c in page.context.cookies() if c["name"] == "sessionid"]
    days = (session["expires"] - time.time()) / (24 * 60 * 60)
    assert 29.9 < days <= 30
    assert violations == []
