"""Markup typed into names and notes runs nowhere: a real browser opens every page that shows it.

Escaping is the first wall and the Content-Security-Policy the second. A dialog, a window flag set
by the markup, or a CSP report in the console would each mean the first wall had a hole.
"""

import pytest
from playwright.sync_api import Page, expect

from tests.browser import pages
from tests.tracker.test_hostile_input import MARKUP, marked_up_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base_url: str, username: str) -> None:
    pages.log_in(page, base_url, username)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


@pytest.mark.parametrize("who", ["patient", "carer", "nurse"])
def test_no_script_from_a_name_or_a_note_runs_on_any_page(live_server, screenshot, who, new_page):
    world = marked_up_world()
    page = new_page(viewport={"width": 1100, "height": 800})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    log_in(page, live_server.url, world["users"][who].username)
    for user, url, shown in world["pages"]:
        if user != who:
            continue
        page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("load")
        for key in shown:
            expect(page.locator("body")).to_contain_text(MARKUP[key])
        assert page.evaluate("window.__xss") is None, url
        assert page.locator("main script, main img[src='x'], main svg[onload]").count() == 0
    screenshot(page, f"xss-{who}")
    assert dialogs == []
    assert violations == []
