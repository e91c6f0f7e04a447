"""A quiet day: "nothing new since last time" sends the temperature and the two questions the rules
ask at every entry (fever medicine, rules reference P5; worry, P7); the rest is not answered."""

import pytest
from django.urls import reverse

from tracker.models import Level, Report

pytestmark = pytest.mark.django_db


def quiet(**answers) -> dict:
    return {
        "submission_key": "5a3c1e0d-0b6e-4f7e-8a1c-2d3e4f5a6b7c",
        "temperature": "36.8",
        "antipyretic_last_6h": "no",
        "concern": "none",
        "send": "quiet",
        **answers,
    }


def test_nothing_new_sends_three_answers_and_marks_the_rest_not_answered(patient_client):
    response = patient_client.post(reverse("checkin"), quiet(), follow=True)
    report = Report.objects.get()
    assert report.answers == {
        "temperature_c": 36.8,
        "antipyretic_last_6h": False,
        "concern": "none",
    }
    assert report.level == Level.NONE
    assert {"systolic_bp", "diastolic_bp", "heart_rate", "spo2"} <= set(report.unanswered)
    assert "Thank you, nothing to do now" in response.content.decode()


def test_nothing_new_never_reads_a_symptom_as_gone(patient_client, patient):
    """No symptom is sent as "no": a rash that is still there is not told "improving" (D7)."""
    patient_client.post(
        reverse("checkin"),
        quiet(changes=["skin"], rash_bsa_percent="30", itching="on", send="partial"),
    )
    patient_client.post(reverse("checkin"), {**quiet(), "submission_key": "0" * 32})
    latest = Report.objects.order_by("submitted_at").last()
    assert "rash_bsa_percent" not in latest.answers
    assert "AGG-04" not in {f["rule"] for f in latest.findings}
    assert latest.level == Level.NONE


@pytest.mark.parametrize("left_out", ["antipyretic_last_6h", "concern", "temperature"])
def test_nothing_new_still_asks_its_own_questions_and_only_those(patient_client, left_out):
    response = patient_client.post(reverse("checkin"), quiet(**{left_out: ""}))
    html = response.content.decode()
    assert not Report.objects.exists()
    assert f'id="id_{left_out}_error"' in html
    assert "Please write your blood pressure" not in html


def test_nothing_new_with_could_not_measure_the_temperature(patient_client):
    patient_client.post(reverse("checkin"), quiet(temperature="", temperature_not_measured="on"))
    report = Report.objects.get()
    assert "temperature_c" not in report.answers
    assert "temperature_c" not in report.unanswered  # "could not measure" is an answer


def test_worry_on_a_quiet_day_is_heard(patient_client):
    response = patient_client.post(reverse("checkin"), quiet(concern="worried"), follow=True)
    assert Report.objects.get().level == Level.URGENT_TODAY
    assert "Contact your care team today" in response.content.decode()
