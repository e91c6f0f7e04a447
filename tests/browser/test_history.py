"""A patient reads their history on a phone; a nurse reads the timeline on a desktop screen."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.pages import log_in
from tests.factories import (
    USUAL_ANSWERS,
    InfusionFactory,
    PatientFactory,
    UserFactory,
    nurse_of,
    resolve_flag,
)
from tracker import flags
from tracker.checkins import record_report
from tracker.models import Flag

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Day, hour and answers of ten days after a CAR-T infusion: a fever from day 4, a day without a
# check-in, one check-in without a thermometer reading.
COURSE = [
    (0, 18, {"temperature_c": 36.9, "systolic_bp": 126, "diastolic_bp": 78, "heart_rate": 84}),
    (1, 9, {"temperature_c": 37.1, "systolic_bp": 122, "heart_rate": 90, "spo2": 97}),
    (2, 9, {"temperature_c": 37.4, "fatigue": "relieved_by_rest", "spo2": 97}),
    (3, 10, {"fatigue": "relieved_by_rest", "systolic_bp": 118, "diastolic_bp": 72}),
    (4, 8, {"temperature_c": 38.3, "chills": "shivering", "heart_rate": 112, "spo2": 96}),
    (4, 20, {"temperature_c": 38.9, "chills": "rigors", "heart_rate": 124, "spo2": 94}),
    (5, 9, {"temperature_c": 37.8, "fatigue": "limits_usual_activities", "systolic_bp": 104}),
    (7, 9, {"temperature_c": 37.2, "fatigue": "relieved_by_rest", "spo2": 97, "heart_rate": 92}),
    (8, 9, {"temperature_c": 36.9, "systolic_bp": 120, "diastolic_bp": 76, "spo2": 98}),
]


WITHOUT_TEMPERATURE = {k: v for k, v in USUAL_ANSWERS.items() if k != "temperature_c"}


def alex_after_car_t():
    patient = PatientFactory(
        user__first_name="Alex",
        user__last_name="Rivera",
        baseline={"systolic_bp": 140, "heart_rate": 78, "spo2": 97},
        labs={"anc": 0.6, "platelets": 48, "hemoglobin": 9.8},
        neutropenia_expected=True,
    )
    team = patient.care_team
    nurse = nurse_of(team, first_name="Jordan", last_name="Lee")
    carer = UserFactory(first_name="Sam", last_name="Okafor")
    patient.carers.add(carer)
    today = timezone.now().astimezone(team.zone).date()
    day_zero = today - timedelta(days=8)

    def at(day, hour, minute=0):
        when = datetime.combine(day_zero + timedelta(days=day), time(hour, minute))
        return when.replace(tzinfo=team.zone)

    InfusionFactory(patient=patient, given_at=at(0, 11, 30))
    for day, hour, answers in COURSE:
        record_report(
            patient=patient,
            reported_by=carer if hour >= 20 else patient.user,
            answers={**WITHOUT_TEMPERATURE, **answers},
            at=at(day, hour, 12),
        )
        if (day, hour) == (4, 8):
            with time_machine.travel(at(4, 8, 31), tick=False):
                flags.acknowledge(Flag.objects.get(patient=patient), nurse)
        if (day, hour) == (4, 20):
            resolve_flag(
                Flag.objects.get(patient=patient),
                by=nurse,
                outcome=Flag.Outcome.CLINIC,
                note="Seen in day unit; blood cultures taken; CRS grade 1",
                at=at(4, 22, 5),
            )
    return patient, nurse


def test_history_on_a_phone_and_timeline_on_a_desktop(live_server, screenshot, new_page):
    patient, nurse = alex_after_car_t()

    phone = new_page(viewport={"width": 390, "height": 844})
    log_in(phone, live_server.url, patient.user.username)
    phone.get_by_role("link", name="Past check-ins").click()
    expect(phone.get_by_role("heading", name="Your check-ins")).to_be_visible()
    expect(phone.get_by_role("img", name="Temperature (°C)")).to_be_visible()
    expect(phone.get_by_text("A nurse saw this at 08:31.")).to_be_visible()
    expect(phone.get_by_text("Sam Okafor (carer)").first).to_be_visible()
    expect(phone.get_by_text("blood cultures")).to_have_count(0)
    screenshot(phone, "history")

    desktop = new_page(viewport={"width": 1280, "height": 800})
    log_in(desktop, live_server.url, nurse.username)
    desktop.goto(f"{live_server.url}/patients/{patient.pk}/")
    expect(desktop.get_by_role("heading", name="Alex Rivera", level=1)).to_be_visible()
    for name in ["Temperature", "Blood pressure", "Pulse", "Oxygen level"]:
        expect(desktop.get_by_role("img", name=name)).to_be_visible()
    grid = desktop.locator(".symptom-grid")
    expect(grid.get_by_role("row", name="chills")).to_contain_text("rigors")
    expect(desktop.get_by_text("CRS-01").first).to_be_visible()
    expect(desktop.get_by_text("blood cultures").first).to_be_visible()
    screenshot(desktop, "timeline")
