"""Day counts at any hour: "day 3 after the infusion" must not turn into day 4 just after midnight.

The day after an infusion is counted in calendar days in the care team's zone (day 0 is the
infusion's day). Demo data and test patients are placed "N days and a little earlier" than now;
``CareTeam.days_back`` keeps that moment on the right calendar day at any hour, across clock
changes.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

from tests.factories import car_t_patient, nurse_of
from tracker.models import CareTeam, Patient

ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]
JUST_AFTER_MIDNIGHT = datetime(2026, 12, 5, 0, 0, 13, tzinfo=UTC)  # when CI once ran


@examples(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    now=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    days=st.integers(min_value=-14, max_value=60),
    earlier=st.timedeltas(min_value=timedelta(), max_value=timedelta(hours=23)),
)
def test_days_back_lands_on_the_calendar_day_asked_for_and_in_the_past_for_past_days(
    zone, now, days, earlier
):
    team = CareTeam(time_zone=zone)
    moment = team.days_back(now, days, earlier)
    assert moment <= now or days < 0
    local_now = now.astimezone(team.zone).date()
    assert (local_now - moment.astimezone(team.zone).date()).days == days


def test_days_back_keeps_the_clock_time_when_it_can():
    team = CareTeam(time_zone="Europe/London")
    noon = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    assert team.days_back(noon, 3, timedelta(hours=2)) == noon - timedelta(days=3, hours=2)
    early = datetime(2026, 12, 5, 0, 0, 13, tzinfo=UTC)
    assert team.days_back(early, 3, timedelta(minutes=5)) == datetime(2026, 12, 2, tzinfo=UTC)


@pytest.mark.django_db
def test_the_demo_patients_are_on_day_3_and_day_30_just_after_midnight(settings):
    settings.DEBUG = True
    with time_machine.travel(JUST_AFTER_MIDNIGHT, tick=False):
        call_command("seed_demo")
        alex = Patient.objects.get(user__username="patient.demo")
        sam = Patient.objects.get(user__username="patient2.demo")
        assert alex.therapy_context()["days_since_infusion"] == 3
        assert sam.therapy_context()["days_since_infusion"] == 30


@pytest.mark.django_db
def test_a_nurse_reads_day_3_in_the_patient_list_just_after_midnight(client):
    with time_machine.travel(JUST_AFTER_MIDNIGHT, tick=True):
        patient = car_t_patient(day=3)
        assert patient.therapy_context()["days_since_infusion"] == 3
        client.force_login(nurse_of(patient.care_team))
        page = client.get(reverse("patients")).content.decode()
    assert "CAR-T, day 3" in page
