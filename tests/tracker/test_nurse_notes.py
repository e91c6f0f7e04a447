"""A nurse's notes on the record, not tied to a flag: on the timeline and the printed summary,
audited, and never in anything the patient sees."""

import pytest
from django.urls import reverse

from tracker.checkins import record_report
from tracker.models import NurseNote

pytestmark = pytest.mark.django_db

NOTE = "Daughter rang: Alex slept most of the day, eating a little. Call back tomorrow 9:00."


def add_note(client, patient, text=NOTE):
    return client.post(reverse("patient_note", args=[patient.pk]), {"text": text})


def test_a_nurse_adds_a_note_and_it_is_on_the_timeline_with_who_wrote_it(nurse_client, patient):
    response = add_note(nurse_client, patient)
    assert response["Location"] == f"{reverse('timeline', args=[patient.pk])}#notes"
    kept = nurse_client.post(
        f"{reverse('patient_note', args=[patient.pk])}?days=all", {"text": "x"}
    )
    assert kept["Location"] == f"{reverse('timeline', args=[patient.pk])}?days=all#notes"
    note = NurseNote.objects.get(text=NOTE)
    assert note.patient == patient and note.text == NOTE
    page = nurse_client.get(reverse("timeline", args=[patient.pk])).content.decode()
    assert "Daughter rang: Alex slept most of the day" in page
    assert "Your note is on the record." in page
    assert note.author.first_name in page.split('id="notes"')[1]


def test_the_note_is_audited_with_its_author(nurse_client, nurse, patient):
    add_note(nurse_client, patient)
    record = NurseNote.history.get()
    assert record.history_type == "+" and record.history_user == nurse


def test_an_empty_note_is_refused_kindly(nurse_client, patient):
    response = add_note(nurse_client, patient, text="  ")
    assert NurseNote.objects.count() == 0
    page = nurse_client.get(response["Location"]).content.decode()
    assert "Please write the note first." in page


def test_a_nurse_of_another_team_and_the_patient_cannot_add_a_note(client, two_teams):
    client.force_login(two_teams["nurse_y"])
    assert add_note(client, two_teams["patient_a"]).status_code == 404
    client.force_login(two_teams["patient_a"].user)
    assert add_note(client, two_teams["patient_a"]).status_code == 404
    assert NurseNote.objects.count() == 0


def test_the_note_is_in_the_printed_summary(nurse_client, patient):
    add_note(nurse_client, patient)
    page = nurse_client.get(reverse("patient_summary", args=[patient.pk])).content.decode()
    assert "Daughter rang" in page


def test_the_patient_never_sees_the_note(client, nurse, patient):
    record_report(patient=patient, reported_by=patient.user, answers={"temperature_c": 38.6})
    client.force_login(nurse)
    add_note(client, patient)
    client.force_login(patient.user)
    for name in ("history", "history_copy", "history_fhir"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert "Daughter rang" not in response.content.decode(), name
