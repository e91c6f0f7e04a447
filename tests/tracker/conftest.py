"""The fixtures the tracker tests share: a care team, its nurse, a patient, clients logged in as
them, and a clock that stands still.

A module states what is special about its people instead of redefining a fixture::

    NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # where ``frozen`` stops the clock
    pytestmark = [
        pytest.mark.django_db,
        pytest.mark.usefixtures("frozen"),
        pytest.mark.team(time_zone="America/New_York"),
        pytest.mark.patient(day=2, user__first_name="Alex"),
    ]
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import CareTeamFactory, car_t_patient, nurse_of
from tracker.checkins import record_report
from tracker.models import Flag


def marked(request: pytest.FixtureRequest, name: str) -> dict[str, Any]:
    """The keyword arguments of the closest ``pytest.mark.<name>(...)``, or none."""
    marker = request.node.get_closest_marker(name)
    return dict(marker.kwargs) if marker else {}


@pytest.fixture
def frozen(request, time_machine):
    """The clock stands still at the test module's ``NOW``, for anything about "today"."""
    time_machine.move_to(request.module.NOW, tick=False)
    return request.module.NOW


@pytest.fixture
def team(request):
    """A care team (on London time unless ``pytest.mark.team(...)`` says otherwise)."""
    return CareTeamFactory(**marked(request, "team"))


@pytest.fixture
def nurse(request, team):
    """A nurse of ``team``; ``pytest.mark.nurse(...)`` sets the user's fields."""
    return nurse_of(team, **marked(request, "nurse"))


@pytest.fixture
def patient(request, team):
    """Alex, own-cell CD19 CAR-T of ``team`` on day 3: inside the CRS window, where a fever is a red
    flag; ``pytest.mark.patient(...)`` changes any of it."""
    defaults = {"day": 3, "user__first_name": "Alex", "user__last_name": "Rivera"}
    return car_t_patient(team=team, **{**defaults, **marked(request, "patient")})


@pytest.fixture
def patient_client(client, patient):
    client.force_login(patient.user)
    return client


@pytest.fixture
def nurse_client(client, nurse):
    client.force_login(nurse)
    return client


@pytest.fixture
def two_teams():
    """Who may see what: care team X with patients A (a fever report, so a flag) and B; team Y.

    Keys: ``patient_a``, ``patient_b``, ``report_a``, ``flag_a``, ``nurse_x``, ``nurse_y``.
    """
    team_x, team_y = CareTeamFactory(), CareTeamFactory()
    patient_a = car_t_patient(team=team_x)
    patient_b = car_t_patient(team=team_x)
    report_a = record_report(
        patient=patient_a, reported_by=patient_a.user, answers={"temperature_c": 38.6}
    )
    return {
        "patient_a": patient_a,
        "patient_b": patient_b,
        "report_a": report_a,
        "flag_a": Flag.objects.get(patient=patient_a),
        "nurse_x": nurse_of(team_x),
        "nurse_y": nurse_of(team_y),
    }
