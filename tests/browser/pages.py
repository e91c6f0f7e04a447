"""Steps the browser tests share."""

import re

from django.contrib.auth import get_user_model
from django_otp.oath import TOTP
from playwright.sync_api import Page

from tests.factories import PASSWORD, authenticator_app, code_from
from tracker.second_factor import needs_second_factor


def log_in(page: Page, base_url: str, username: str) -> None:
    """Logs in through the real login form (the demo password of every test user).

    A nurse or staff member then types the code from their authenticator app, as they would.
    """
    user = get_user_model().objects.get(username=username)
    if needs_second_factor(user):
        authenticator_app(user)
    page.goto(f"{base_url}/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if needs_second_factor(user):
        page.wait_for_url("**/account/two-factor/**")
        type_code(page, user)


def next_code(user) -> str:
    """The app's code; the next one when this one was used already (a code works once)."""
    device = authenticator_app(user)
    device.refresh_from_db()
    now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    return code_from(device, steps_ahead=max(0, device.last_t + 1 - now))


def type_code(page: Page, user) -> None:
    """The code page is in the nurse's own language once they are known (English or Spanish)."""
    page.get_by_label(re.compile(r"^(Code|Código)$")).fill(next_code(user))
    page.get_by_role("button", name=re.compile(r"^(Continue|Continuar)$")).click()
