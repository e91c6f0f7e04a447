from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tracker.audit import record_timeline_opened
from tracker.checkins import record_report
from tracker.models import Flag, Patient, TimelineAccess

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("frozen"),
    pytest.mark.nurse(username="nurse.jo"),
]

NOW = datetime(2026, 2, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def admin_client(client):
    admin = get_user_model().objects.create_superuser("auditor", "auditor@example.org", "x")
    client.force_login(admin)
    return client


def test_opening_a_timeline_is_logged_with_who_and_when(nurse, patient):
    entry = record_timeline_opened(nurse=nurse, patient=patient)
    assert (entry.nurse, entry.patient, entry.at) == (nurse, patient, NOW)
    record_timeline_opened(nurse=nurse, patient=patient)
    assert patient.timeline_accesses.count() == 2


def test_a_nurses_change_through_the_app_keeps_who_and_when(client, nurse, patient, time_machine):
    client.force_login(nurse)
    time_machine.move_to(NOW + timedelta(hours=1), tick=False)
    client.post(reverse("patient_pause", args=[patient.pk]), {"reason": "admitted"})
    latest = patient.history.first()
    assert latest.monitoring == Patient.Monitoring.PAUSED
    assert latest.history_user == nurse
    assert latest.history_date == NOW + timedelta(hours=1)
    assert latest.prev_record.monitoring == Patient.Monitoring.ACTIVE


def test_infusions_reports_and_flags_keep_their_history(client, nurse, patient):
    client.force_login(nurse)
    client.post(
        reverse("patient_add_infusion", args=[patient.pk]),
        {
            "product": "CAR-T",
            "car_target": "CD19",
            "cell_source": "autologous",
            "infusion_date": "2026-02-02",
            "infusion_time": "08:00",
        },
    )
    assert patient.infusions.latest("given_at").history.get().history_user == nurse
    record_report(patient=patient, answers={"temperature_c": 38.5}, reported_by=patient.user)
    flag = Flag.objects.get()
    assert patient.reports.get().history.get().history_type == "+"
    assert flag.history.get().history_type == "+"
    flag.note = "Phoned, feeling better."
    flag.save()
    assert flag.history.count() == 2


def test_an_admin_reads_a_patients_audit_trail(admin_client, nurse, patient, time_machine):
    time_machine.move_to(NOW + timedelta(minutes=5), tick=False)
    patient.labs = {"anc": 0.5}
    patient._history_user = nurse
    patient.save()
    record_timeline_opened(nurse=nurse, patient=patient)
    response = admin_client.get(reverse("admin:tracker_patient_audit", args=[patient.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "timeline opened" in page
    assert "changed" in page
    assert "labs" in page
    assert "nurse.jo" in page
    change = admin_client.get(reverse("admin:tracker_patient_change", args=[patient.pk]))
    assert reverse("admin:tracker_patient_audit", args=[patient.pk]) in change.content.decode()
    history = admin_client.get(reverse("admin:tracker_patient_history", args=[patient.pk]))
    assert history.status_code == 200
    assert "nurse.jo" in history.content.decode()
    assert 'style="' not in history.content.decode()  # the CSP would block it


def test_the_timeline_log_is_listed_and_read_only_in_the_admin(admin_client, nurse, patient):
    entry = record_timeline_opened(nurse=nurse, patient=patient)
    listing = admin_client.get(reverse("admin:tracker_timelineaccess_changelist"))
    assert listing.status_code == 200
    assert "nurse.jo" in listing.content.decode()
    assert admin_client.get(reverse("admin:tracker_timelineaccess_add")).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:tracker_timelineaccess_delete", args=[entry.pk])
        ).status_code
        == 403
    )
    assert TimelineAccess.objects.count() == 1


def test_a_nurse_cannot_read_the_audit_trail(client, nurse, patient):
    client.force_login(nurse)
    response = client.get(reverse("admin:tracker_patient_audit", args=[patient.pk]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
