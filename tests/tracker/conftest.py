"""Fixtures shared by the care-page tests: a test file defines ``team``; these give its nurse."""

import pytest

from tests.factories import nurse_of


@pytest.fixture
def nurse(team):
    return nurse_of(team)


@pytest.fixture
def nurse_client(client, nurse):
    client.force_login(nurse)
    return client
