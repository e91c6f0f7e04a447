"""What every test shares: staff logged in by ``force_login`` have given their second factor.

Most tests are about what a nurse or an admin does once logged in, not about logging in, so the
test client's ``force_login`` gives staff and nurses an authenticator app and a session verified
with it, as the real second step would (``tests.factories.log_in_verified``). The tests of the
second step itself log in through the real pages, or pass ``verified=False``.

Each test starts with empty caches: what one test drew (a nurse's list, a page's fragments) is not
there for the next, whose database may reuse the same row ids.

``--clock HH:MM:SS`` runs every test as if it started at that time of day (UTC, today's date, the
clock ticking on): ``pytest --clock 23:59:50`` and ``--clock 00:00:05`` find the tests that only
pass away from midnight, where "day 3 after the infusion" turns into day 4. Chromium and separate
server processes keep the real clock, so the few tests that compare their times with the test's own
(a cookie's expiry, a one-time code typed into a server started as a process) fail under
``--clock``.
"""

from datetime import UTC, datetime, time

import pytest
import time_machine
from django.core.cache import caches
from django.test import Client

from tests.factories import log_in_verified


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        metavar="HH:MM:SS",
        help="start every test at this time of day (UTC, today's date), the clock ticking on",
    )


@pytest.fixture(autouse=True)
def wall_clock(request):
    at = request.config.getoption("--clock")
    if not at:
        yield
        return
    start = datetime.combine(datetime.now(UTC).date(), time.fromisoformat(at), tzinfo=UTC)
    with time_machine.travel(start, tick=True):
        yield


@pytest.fixture(autouse=True)
def staff_log_in_with_their_second_factor(monkeypatch):
    plain_force_login = Client.force_login

    def force_login(self, user, backend=None, *, verified=True):
        if verified:
            log_in_verified(self, user, backend=backend, force_login=plain_force_login)
        else:
            plain_force_login(self, user, backend)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def empty_caches():
    for cache in caches.all():
        cache.clear()
