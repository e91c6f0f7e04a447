"""What every test shares: staff logged in by ``force_login`` have given their second factor.

Most tests are about what a nurse or an admin does once logged in, not about logging in, so the
test client's ``force_login`` gives staff and nurses an authenticator app and a session verified
with it, as the real second step would (``tests.factories.log_in_verified``). The tests of the
second step itself log in through the real pages, or pass ``verified=False``.

Each test starts with empty caches: what one test drew (a nurse's list, a page's fragments) is not
there for the next, whose database may reuse the same row ids.
"""

import pytest
from django.core.cache import caches
from django.test import Client

from tests.factories import log_in_verified


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
