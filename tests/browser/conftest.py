"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server."""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make to set
# up data are still plain synchronous calls, so Django may allow them here (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A phone-sized screen, as most patients will use."""
    return {**browser_context_args, "viewport": {"width": 390, "height": 844}}


@pytest.fixture
def screenshot():
    """Saves a full-page screenshot into the git-ignored screenshots/ folder for a reviewer."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page, name: str) -> None:
        # Playwright's full_page option left this chromium unable to take the next click, so the
        # page is shown whole by making the window as tall as the page, then put back.
        size = page.viewport_size
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
        page.screenshot(path=SCREENSHOTS / f"{name}.png")
        page.set_viewport_size(size)

    return take
