"""Fixtures the check-in tests share."""

import pytest

from tests.factories import car_t_patient


@pytest.fixture
def patient():
    """Alex, own-cell CD19 CAR-T, on day 3: inside the CRS window, where a fever is a red flag."""
    return car_t_patient(day=3, user__first_name="Alex", user__last_name="Rivera")


@pytest.fixture
def patient_client(client, patient):
    client.force_login(patient.user)
    return client
