"""The short temperature-only check-in for the twice-daily checks of CAR-T days 0–14: the reading
and the fever-medicine question (rules reference P5); the rest is not answered, never normal."""

import pytest
from django.urls import reverse

from tests.factories import car_t_patient
from tracker.models import Level, Report

pytestmark = pytest.mark.django_db

SHORT_FORM = "Only your twice-daily temperature check?"


def temperature_only(**answers) -> dict:
    return {
        "submission_key": "7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6",
        "temperature": "36.9",
        "antipyretic_last_6h": "no",
        "send": "temperature",
        **answers,
    }


def test_offered_in_the_first_14_days_after_car_t_only(client):
    early, late = car_t_patient(day=3), car_t_patient(day=20)
    client.force_login(early.user)
    assert SHORT_FORM in client.get(reverse("checkin")).content.decode()
    client.force_login(late.user)
    assert SHORT_FORM not in client.get(reverse("checkin")).content.decode()


def test_the_short_form_asks_the_temperature_and_fever_medicine_only(patient_client):
    html = patient_client.get(f"{reverse('checkin')}?temperature=1").content.decode()
    assert 'name="temperature"' in html and 'name="antipyretic_last_6h"' in html
    assert 'name="systolic_bp"' not in html and 'name="concern"' not in html
    assert "Send my temperature" in html


def test_a_normal_temperature_is_sent_with_the_rest_not_answered(patient_client):
    response = patient_client.post(reverse("checkin"), temperature_only(), follow=True)
    report = Report.objects.get()
    assert report.answers == {"temperature_c": 36.9, "antipyretic_last_6h": False}
    assert report.level == Level.NONE
    assert {"spo2", "concern"} <= set(report.unanswered)
    assert "Thank you, nothing to do now" in response.content.decode()


def test_a_fever_on_the_short_form_gets_the_call_advice(patient_client):
    response = patient_client.post(
        reverse("checkin"), temperature_only(temperature="38.4"), follow=True
    )
    assert Report.objects.get().level == Level.URGENT_NOW
    assert "Phone your care team now" in response.content.decode()


def test_the_fever_medicine_question_is_asked_and_the_short_form_kept(patient_client):
    response = patient_client.post(reverse("checkin"), temperature_only(antipyretic_last_6h=""))
    html = response.content.decode()
    assert not Report.objects.exists()
    assert 'id="id_antipyretic_last_6h_error"' in html
    assert 'name="systolic_bp"' not in html
