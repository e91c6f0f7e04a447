"""What the check-in remembers: the devices a patient has not (a patient without a blood pressure
machine or a finger clip says so once; those readings then come "could not measure", folded,
changeable), and the care team's temperature unit."""

import re

import pytest
from django.urls import reverse

from tests.factories import check_in_form
from tracker.models import Report

pytestmark = pytest.mark.django_db


def ticked(html: str, name: str) -> bool:
    return bool(re.search(rf'<input type="checkbox" name="{name}"[^>]*checked', html))


def test_no_machine_and_no_clip_are_remembered_and_come_ticked_next_time(patient_client, patient):
    data = check_in_form(
        systolic_bp="", diastolic_bp="", heart_rate="", spo2="", no_bp_cuff="on", no_oximeter="on"
    )
    assert patient_client.post(reverse("checkin"), data).status_code == 302
    report = Report.objects.get()
    assert "systolic_bp" not in report.answers and "spo2" not in report.answers
    patient.refresh_from_db()
    assert (patient.has_bp_cuff, patient.has_oximeter) == (False, False)

    html = patient_client.get(f"{reverse('checkin')}?new=1").content.decode()
    names = ("no_bp_cuff", "bp_not_measured", "no_oximeter", "spo2_not_measured")
    for name in (*names, "heart_rate_not_measured"):  # the pulse shows on either device
        assert ticked(html, name), name
    assert html.count('<details class="device-missing">') == 2
    assert "Blood pressure: you have no machine at home. Change" in html


def test_a_reading_typed_again_says_the_device_is_back(patient_client, patient):
    patient.has_bp_cuff = False
    patient.save()
    patient_client.post(reverse("checkin"), check_in_form())  # a blood pressure, typed in
    patient.refresh_from_db()
    assert patient.has_bp_cuff is True
    html = patient_client.get(f"{reverse('checkin')}?new=1").content.decode()
    assert not ticked(html, "bp_not_measured")
    assert "device-missing" not in html


def test_without_a_clip_a_quiet_day_is_not_asked_for_oxygen(patient_client, patient):
    patient.has_oximeter = False
    patient.save()
    data = check_in_form(spo2="", no_oximeter="on")
    assert patient_client.post(reverse("checkin"), data).status_code == 302
    assert "spo2" not in Report.objects.get().unanswered  # "no clip" is an answer


def test_the_care_teams_unit_is_offered_first(patient_client, patient):
    patient.care_team.temperature_unit = "F"
    patient.care_team.save()
    html = patient_client.get(reverse("checkin")).content.decode()
    assert re.search(r'name="temperature_unit" value="F"[^>]*checked', html)
    patient_client.post(
        reverse("checkin"), check_in_form(temperature="100.4", temperature_unit="F")
    )
    assert Report.objects.get().answers["temperature_c"] == 38.0
