"""A nurse's idle dashboard: its refresh is not activity, and when the session ends the whole page
goes to the login page (not a login form inside the list)."""

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from tests.browser.pages import log_in
from tests.factories import CareTeamFactory, FlagFactory, nurse_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_refresh_says_it_is_a_refresh_and_an_ended_session_goes_to_the_login(
    live_server, new_page
):
    page = new_page(viewport={"width": 1100, "height": 800})
    team = CareTeamFactory()
    FlagFactory(patient__care_team=team)
    nurse = nurse_of(team)
    page.clock.install()
    log_in(page, live_server.url, nurse.username)
    page.goto(f"{live_server.url}/dashboard/?level=4")
    expect(page.locator("#worklist")).to_be_visible()

    with page.expect_response(lambda r: "/dashboard/" in r.url) as poll:
        page.clock.fast_forward("00:31")
    assert poll.value.request.headers.get("hx-trigger") == "worklist"
    # It sends the version of the list it shows; nothing changed, so nothing is drawn.
    assert poll.value.request.headers.get("x-worklist-version")
    assert poll.value.status == 204
    page.clock.run_for(1000)  # htmx swaps and settles on timers too
    expect(page.locator("#worklist")).to_have_count(1)

    Session.objects.all().delete()  # the session has ended
    page.clock.fast_forward("00:31")
    expect(page).to_have_url(f"{live_server.url}/login/?next=/dashboard/%3Flevel%3D4")
    expect(page.get_by_role("heading", name="Log in")).to_have_count(1)


def test_five_wrong_passwords_show_the_kind_lockout_page(live_server, screenshot, new_page):
    nurse = nurse_of(CareTeamFactory())
    page = new_page()
    for _ in range(5):
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("User name").fill(nurse.username)
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your account is locked for now")).to_be_visible()
    expect(page.get_by_text("Call your care team on their 24-hour phone number")).to_be_visible()
    expect(page.get_by_role("link", name="Back to the log in page")).to_be_visible()
    screenshot(page, "login-locked")
