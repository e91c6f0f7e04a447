"""Taking the record out: the patient's own copy (a page and a FHIR file) and, for the patient's
nurses, the FHIR export and the summary for the chart, each logged in the audit trail."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import CareTeamFactory, car_t_patient, carer_of, nurse_of
from tracker import flags
from tracker.checkins import record_report
from tracker.models import Flag, TimelineAccess

pytestmark = pytest.mark.django_db

NOTE = "Internal: family anxious, discussed with registrar"


@pytest.fixture
def world():
    team = CareTeamFactory()
    patient = car_t_patient(team=team, day=5, user__first_name="Alex", user__last_name="Rivera")
    nurse = nurse_of(team, first_name="Jo", last_name="Park")
    carer = carer_of(patient, first_name="Robin", last_name="Rivera")
    record_report(patient=patient, reported_by=patient.user, answers={"temperature_c": 36.9})
    record_report(patient=patient, reported_by=carer, answers={"temperature_c": 38.7})
    flag = Flag.objects.get(patient=patient)
    flags.resolve(flag, nurse, "phone", NOTE)
    return {"patient": patient, "nurse": nurse, "carer": carer, "team": team}


def entries(response, kind: str) -> list[dict]:
    bundle = json.loads(response.content)
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_a_patient_downloads_their_own_fhir_file_without_the_nurses_note(client, world):
    client.force_login(world["patient"].user)
    response = client.get(reverse("history_fhir"))
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="check-ins-')
    [patient] = entries(response, "Patient")
    assert patient["name"][0]["text"] == "Alex Rivera"
    assert len(entries(response, "QuestionnaireResponse")) == 2
    [task] = entries(response, "Task")
    assert task["output"][0]["valueCodeableConcept"]["coding"][0]["code"] == "phone"
    assert "registrar" not in response.content.decode()
    assert "Jo Park" not in response.content.decode()


def test_a_carer_downloads_the_copy_of_the_person_they_care_for(client, world):
    client.force_login(world["carer"])
    response = client.get(reverse("history_fhir"), {"patient": world["patient"].pk})
    [patient] = entries(response, "Patient")
    assert patient["name"][0]["text"] == "Alex Rivera"
    [carer] = entries(response, "RelatedPerson")
    assert carer["name"][0]["text"] == "Robin Rivera"


def test_nobody_gets_another_patients_copy_by_changing_the_address(client, world):
    other = car_t_patient(team=world["team"])
    client.force_login(other.user)
    for name in ("history_fhir", "history_copy"):
        assert client.get(reverse(name), {"patient": world["patient"].pk}).status_code == 404


def test_the_printable_copy_shows_what_was_said_told_and_done_but_no_note(client, world):
    client.force_login(world["patient"].user)
    page = client.get(reverse("history_copy")).content.decode()
    assert "Your check-ins: your own copy" in page
    assert "38.7 °C" in page
    assert "Robin Rivera (carer)" in page
    assert "Phone your care team now" in page
    assert "What happened: a phone call with a nurse." in page
    assert "registrar" not in page
    assert "Jo Park" not in page


def test_the_history_page_offers_both_copies(client, world):
    client.force_login(world["patient"].user)
    page = client.get(reverse("history")).content.decode()
    assert f'href="{reverse("history_copy")}?patient={world["patient"].pk}"' in page
    assert f'href="{reverse("history_fhir")}?patient={world["patient"].pk}"' in page


def test_the_nurses_export_keeps_the_note_and_is_logged(client, world):
    client.force_login(world["nurse"])
    response = client.get(reverse("patient_fhir", args=[world["patient"].pk]))
    [task] = entries(response, "Task")
    assert task["note"][0]["text"] == NOTE
    [access] = TimelineAccess.objects.filter(patient=world["patient"])
    assert (access.nurse, access.what) == (world["nurse"], TimelineAccess.What.FHIR)


def test_the_summary_for_the_chart_shows_the_flag_and_is_logged(client, world):
    client.force_login(world["nurse"])
    page = client.get(reverse("patient_summary", args=[world["patient"].pk])).content.decode()
    assert "Day 5 after CAR-T" in page
    assert "phone assessment: resolved by Jo Park" in page
    assert NOTE in page
    for chart in ("chart-temperature", "chart-blood-pressure", "chart-pulse", "chart-spo2"):
        assert f'id="{chart}"' in page
    [access] = TimelineAccess.objects.filter(patient=world["patient"])
    assert access.what == TimelineAccess.What.SUMMARY


def test_a_nurse_of_another_team_gets_nothing_and_leaves_no_read(client, world):
    client.force_login(nurse_of(CareTeamFactory()))
    for name in ("patient_fhir", "patient_summary"):
        assert client.get(reverse(name, args=[world["patient"].pk])).status_code == 404
    assert not TimelineAccess.objects.exists()


def test_the_admins_audit_trail_names_each_kind_of_read(client, world):
    client.force_login(world["nurse"])
    client.get(reverse("timeline", args=[world["patient"].pk]))
    client.get(reverse("patient_summary", args=[world["patient"].pk]))
    client.get(reverse("patient_fhir", args=[world["patient"].pk]))
    admin = get_user_model().objects.create_superuser("auditor", "auditor@example.org", "x")
    client.force_login(admin)
    page = client.get(reverse("admin:tracker_patient_audit", args=[world["patient"].pk]))
    text = page.content.decode()
    for what in ("timeline opened", "printable summary opened", "FHIR export downloaded"):
        assert what in text
