"""The patient's own history page: their reports in plain words, who answered, what the team did."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    USUAL_ANSWERS,
    CareTeamFactory,
    UserFactory,
    car_t_patient,
    nurse_of,
    resolve_flag,
)
from tracker import flags
from tracker.checkins import record_report
from tracker.course import team_actions
from tracker.models import Flag, FlagEvent

pytestmark = pytest.mark.django_db

NURSE_NOTE = "Discussed with haematology registrar; CRS grade 1, dexamethasone not given"


def local_time(at, team):
    return at.astimezone(team.zone).strftime("%H:%M")


@pytest.fixture
def world():
    team = CareTeamFactory()
    nurse = nurse_of(team, first_name="Jordan", last_name="Lee")
    alex = car_t_patient(day=5, team=team, user__first_name="Alex", user__last_name="Rivera")
    sam = UserFactory(first_name="Sam", last_name="Okafor")
    alex.carers.add(sam)
    now = timezone.now()
    calm = record_report(
        patient=alex, reported_by=alex.user, answers=USUAL_ANSWERS, at=now - timedelta(days=3)
    )
    unmeasured = {k: v for k, v in USUAL_ANSWERS.items() if k != "temperature_c"}
    no_temperature = record_report(
        patient=alex, reported_by=alex.user, answers=unmeasured, at=now - timedelta(days=2)
    )
    fever = record_report(
        patient=alex,
        reported_by=sam,
        answers={**USUAL_ANSWERS, "temperature_c": 38.6},
        at=now - timedelta(hours=5),
    )
    flag = Flag.objects.get(patient=alex)
    seen_at, closed_at = now - timedelta(hours=4, minutes=17), now - timedelta(hours=2, minutes=3)
    with time_machine.travel(seen_at, tick=False):
        flags.acknowledge(flag, nurse)
    resolve_flag(flag, by=nurse, outcome=Flag.Outcome.PHONE, note=NURSE_NOTE, at=closed_at)
    return {
        "team": team,
        "nurse": nurse,
        "alex": alex,
        "sam": sam,
        "calm": calm,
        "no_temperature": no_temperature,
        "fever": fever,
        "seen_at": seen_at,
        "closed_at": closed_at,
    }


def page(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("history"), params)
    return response, response.content.decode()


def test_the_patient_sees_what_they_were_told_in_plain_words(client, world):
    response, html = page(client, world["alex"].user)
    assert response.status_code == 200
    assert "Your check-ins" in html
    assert "Phone your care team now" in html
    assert "Thank you, nothing to do now" in html
    # No rule ids, grades or clinical terms on a patient page.
    assert "CRS-01" not in html
    assert "ASTCT" not in html
    assert "Urgent now" not in html


def test_the_history_says_who_answered_each_report(client, world):
    _response, html = page(client, world["alex"].user)
    assert "Sam Okafor (carer)" in html
    assert ">you<" in html


def test_the_history_shows_what_the_care_team_did_but_never_the_nurse_note(client, world):
    _response, html = page(client, world["alex"].user)
    team = world["team"]
    assert f"A nurse saw this at {local_time(world['seen_at'], team)}." in html
    assert (
        f"Closed by a nurse at {local_time(world['closed_at'], team)}. "
        "What happened: a phone call with a nurse." in html
    )
    assert NURSE_NOTE not in html
    assert "haematology" not in html
    assert "Jordan" not in html  # the nurse's name stays with the team


def test_the_temperature_chart_draws_the_team_fever_line_and_a_gap(client, world):
    team = world["team"]
    team.fever_threshold_c = Decimal("37.5")
    team.save()
    _response, html = page(client, world["alex"].user)
    assert "<svg" in html
    assert "fever 37.5 °C" in html
    assert "not measured" in html  # the check-in without a temperature, in the numbers table
    assert "38.6 °C" in html
    assert 'style="' not in html  # the CSP forbids style attributes


def test_another_patient_cannot_see_the_history(client, world):
    other = car_t_patient(team=world["team"], user__first_name="Robin")
    response, html = page(client, other.user)
    assert response.status_code == 200
    assert "Sam Okafor" not in html
    assert "Phone your care team now" not in html
    response, _html = page(client, other.user, patient=world["alex"].pk)
    assert response.status_code == 404


def test_a_carer_sees_only_the_patient_they_care_for(client, world):
    response, html = page(client, world["sam"])
    assert response.status_code == 200
    assert "Alex Rivera’s check-ins" in html
    assert ">you<" in html  # Sam answered the fever report
    stranger = car_t_patient(team=world["team"])
    response, _html = page(client, world["sam"], patient=stranger.pk)
    assert response.status_code == 404
    response, _html = page(client, world["sam"], patient="not-a-number")
    assert response.status_code == 404


def test_a_carer_of_several_patients_chooses_and_cannot_pick_others(client, world):
    second = car_t_patient(team=world["team"], user__first_name="Kim", user__last_name="Park")
    second.carers.add(world["sam"])
    _response, html = page(client, world["sam"])
    assert "Whose check-ins do you want to see?" in html
    assert f"?patient={world['alex'].pk}" in html
    assert f"?patient={second.pk}" in html
    _response, html = page(client, world["sam"], patient=second.pk)
    assert "Kim Park’s check-ins" in html
    assert "Sam Okafor (carer)" not in html  # none of Alex's reports


def test_a_nurse_has_no_history_page(client, world):
    response, _html = page(client, world["nurse"])
    assert response.status_code == 404


def test_the_history_needs_a_login(client):
    response = client.get(reverse("history"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_patients_and_carers_get_a_link_to_their_history(client, world):
    _response, html = page(client, world["alex"].user)
    assert f'href="{reverse("history")}"' in html
    client.force_login(world["sam"])
    html = client.get(reverse("history")).content.decode()
    assert f'href="{reverse("history")}"' in html
    client.force_login(world["nurse"])
    html = client.get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("history")}"' not in html


def test_team_actions_follow_each_report_from_when_it_joined_the_flag(world):
    flag = Flag.objects.get(patient=world["alex"])
    actions = team_actions(FlagEvent.objects.filter(flag=flag))
    steps = [a.action for a in actions[world["fever"].pk]]
    assert steps == ["opened", "acknowledged", "resolved"]
    assert actions[world["fever"].pk][-1].outcome == "a phone call with a nurse"
    assert world["calm"].pk not in actions


def test_the_history_shows_only_the_last_four_weeks(client, world):
    alex = world["alex"]
    old = record_report(
        patient=alex,
        reported_by=alex.user,
        answers={**USUAL_ANSWERS, "temperature_c": 37.3},
        at=timezone.now() - timedelta(days=40),
    )
    _response, html = page(client, alex.user)
    assert f'href="{reverse("report", args=[old.pk])}"' not in html
    assert f'href="{reverse("report", args=[world["calm"].pk])}"' in html


def test_a_patient_without_check_ins_gets_a_kind_empty_page(client):
    patient = car_t_patient(day=1)
    response, html = page(client, patient.user)
    assert response.status_code == 200
    assert "There are no check-ins in the last 4 weeks." in html
    assert "<svg" not in html
