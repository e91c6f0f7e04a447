"""Who may see what: a patient only their own data, a nurse only their own care teams'; else 404."""

import pytest
from django.urls import reverse

from tests.factories import CareTeamFactory, FlagFactory, car_t_patient, nurse_of
from tracker.checkins import record_report
from tracker.models import Flag

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
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


def test_a_patient_sees_their_own_report(client, world):
    client.force_login(world["patient_a"].user)
    assert client.get(reverse("report", args=[world["report_a"].pk])).status_code == 200


def test_patient_b_gets_404_on_patient_a_report(client, world):
    client.force_login(world["patient_b"].user)
    assert client.get(reverse("report", args=[world["report_a"].pk])).status_code == 404


def test_a_nurse_cannot_open_a_patient_result_page(client, world):
    client.force_login(world["nurse_x"])
    assert client.get(reverse("report", args=[world["report_a"].pk])).status_code == 404


def test_a_patient_gets_404_on_the_dashboard_and_acknowledge(client, world):
    client.force_login(world["patient_a"].user)
    assert client.get(reverse("dashboard")).status_code == 404
    assert client.post(reverse("acknowledge", args=[world["flag_a"].pk])).status_code == 404
    assert Flag.objects.get(pk=world["flag_a"].pk).status == "open"


def test_a_nurse_gets_404_on_the_check_in(client, world):
    client.force_login(world["nurse_x"])
    assert client.get(reverse("checkin")).status_code == 404


def test_a_nurse_of_another_team_does_not_see_or_touch_the_flag(client, world):
    other = FlagFactory(patient__care_team=world["nurse_y"].care_teams.get())
    client.force_login(world["nurse_y"])
    html = client.get(reverse("dashboard")).content.decode()
    assert f'id="flag-{world["flag_a"].pk}"' not in html
    assert f'id="flag-{other.pk}"' in html
    assert client.post(reverse("acknowledge", args=[world["flag_a"].pk])).status_code == 404
    assert Flag.objects.get(pk=world["flag_a"].pk).status == "open"


def test_the_nurse_of_the_team_sees_the_flag(client, world):
    client.force_login(world["nurse_x"])
    html = client.get(reverse("dashboard")).content.decode()
    assert f'id="flag-{world["flag_a"].pk}"' in html
    assert world["patient_a"].name in html


def test_acknowledge_only_accepts_post(client, world):
    client.force_login(world["nurse_x"])
    assert client.get(reverse("acknowledge", args=[world["flag_a"].pk])).status_code == 405
