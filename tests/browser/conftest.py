"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server."""

import os
import shutil
import threading
from pathlib import Path

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread
from playwright.sync_api import Page

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make to set
# up data are still plain synchronous calls, so Django may allow them here (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class OneRequestAtATimeOnSharedSQLite(ThreadedWSGIServer):
    """The live server, answering one request at a time when its threads share one connection.

    On SQLite the test database lives in memory, and every thread of the live server uses the test's
    own connection to it. Two requests at once (a page and its htmx call, a form sent while the
    page still loads) then use one SQLite connection from two threads, which fails at random
    ("bad parameter or other API misuse", "database table is locked"). Connections are still
    accepted side by side, so a browser's idle keep-alive connection blocks nobody; only the
    application's work is taken in turn. On PostgreSQL each thread has its own connection and
    nothing changes.
    """

    def set_app(self, application):
        if not self.connections_override:
            return super().set_app(application)
        lock = threading.Lock()

        def in_turn(environ, start_response):
            with lock:
                return application(environ, start_response)

        return super().set_app(in_turn)


LiveServerThread.server_class = OneRequestAtATimeOnSharedSQLite

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


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
    """Saves a full-page screenshot into the git-ignored screenshots/ folder for a reviewer.

    Each name belongs to one test. The file is written whole and then renamed into place, so that
    under pytest-xdist no reader ever sees half a picture.
    """
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(page, name: str) -> None:
        # Playwright's full_page option left this chromium unable to take the next click, so the
        # page is shown whole by making the window as tall as the page, then put back.
        size = page.viewport_size
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
        partial = SCREENSHOTS / f".{name}.{os.getpid()}.png"
        page.screenshot(path=partial)
        partial.replace(SCREENSHOTS / f"{name}.png")
        page.set_viewport_size(size)

    return take


@pytest.fixture
def new_context(browser):
    """Opens browser contexts that are closed after the test, even when it fails.

    A page left open keeps running: a dashboard polls the live server every 30 s for the rest of
    the run, and its session writes then meet other tests in the shared test database.
    """
    contexts = []

    def open_context(**options):
        context = browser.new_context(**options)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture
def new_page(new_context):
    """A page in a context of its own, closed after the test (see ``new_context``)."""
    return lambda **options: new_context(**options).new_page()


@pytest.fixture
def axe():
    """Runs axe-core in the page and returns its WCAG 2.1 A/AA violations.

    The script is evaluated through Playwright rather than added as a <script>: the page's
    Content-Security-Policy would block an inline script, and the policy stays on while we test.
    """
    assert AXE.exists(), "axe-core is missing: run `npm ci` (bash .ci/setup does)"
    source = AXE.read_text()

    def run(page: Page) -> list[str]:
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(source)
        result = page.evaluate(
            """async () => (await axe.run(document, {runOnly: {type: "tag",
                values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})).violations"""
        )
        return [
            f"{page.url}: {v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(node["target"]) for node in v["nodes"][:3])
            for v in result
        ]

    return run
