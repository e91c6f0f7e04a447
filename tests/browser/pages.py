"""Steps the browser tests share."""

from playwright.sync_api import Page

from tests.factories import PASSWORD


def log_in(page: Page, base_url: str, username: str) -> None:
    """Logs in through the real login form (the demo password of every test user)."""
    page.goto(f"{base_url}/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
