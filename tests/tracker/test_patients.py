"""The nurse's patient list: every patient of their care teams, a way into each record."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from tests.factories import (
    CareTeamFactory,
    FlagFactory,
    PatientFactory,
    PreferencesFactory,
    ReportFactory,
    car_t_patient,
    nurse_of,
)
from tracker.models import ROSTER_ANNOTATIONS, Level, Patient, PatientQuerySet

pytestmark = pytest.mark.django_db


def page(client, user) -> tuple[int, str]:
    client.force_login(user)
    response = client.get(reverse("patients"))
    return response.status_code, response.content.decode()


def test_a_nurse_sees_their_teams_patients_with_day_monitoring_check_in_and_flag(client):
    team = CareTeamFactory()
    nurse = nurse_of(team)
    quiet = car_t_patient(day=5, team=team, monitoring=Patient.Monitoring.PAUSED)
    flagged = car_t_patient(day=2, team=team)
    FlagFactory(patient=flagged, level=Level.EMERGENCY)
    ReportFactory(patient=quiet, submitted_at=timezone.now() - timedelta(hours=3))
    silent = car_t_patient(day=1, team=team)
    elsewhere = car_t_patient(team=CareTeamFactory())

    status, html = page(client, nurse)
    assert status == 200
    assert reverse("timeline", args=[quiet.pk]) in html
    assert reverse("patient_care", args=[flagged.pk]) in html
    assert "CAR-T, day 5" in html
    assert "paused (in hospital)" in html
    assert "3\xa0hours ago" in html
    assert reverse("timeline", args=[silent.pk]) in html
    assert "never" in html
    assert "badge-emergency" in html
    assert elsewhere.name not in html


def test_patients_and_carers_cannot_open_the_patient_list(client):
    patient = car_t_patient()
    status, _html = page(client, patient.user)
    assert status == 404


def test_the_patient_list_runs_the_same_queries_for_few_and_many(client, django_assert_num_queries):
    team = CareTeamFactory()
    nurse = nurse_of(team)
    client.force_login(nurse)
    client.get(reverse("dashboard"))  # the session's renewal (once a minute) is written here

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("patients")).status_code == 200
        return len(queries)

    for _ in range(3):
        FlagFactory(patient=car_t_patient(team=team))
    few = count()
    for _ in range(40):
        ReportFactory(patient=car_t_patient(team=team))
    with django_assert_num_queries(few):
        client.get(reverse("patients"))


def test_nurse_pages_link_to_each_other(client):
    team = CareTeamFactory()
    nurse = nurse_of(team)
    patient = car_t_patient(team=team)
    FlagFactory(patient=patient)
    client.force_login(nurse)
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert reverse("timeline", args=[patient.pk]) in dashboard
    for name in ["dashboard", "patients", "enrol"]:
        assert f'href="{reverse(name)}"' in dashboard
    timeline = client.get(reverse("timeline", args=[patient.pk])).content.decode()
    assert reverse("patient_care", args=[patient.pk]) in timeline
    care = client.get(reverse("patient_care", args=[patient.pk])).content.decode()
    assert reverse("timeline", args=[patient.pk]) in care


def names_on(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/patients/\d+/">([^<]+)</a>', html)


def test_the_patient_list_shows_50_a_page_and_finds_a_patient_by_name(client):
    team = CareTeamFactory()
    nurse = nurse_of(team)
    for n in range(55):
        car_t_patient(team=team, user__first_name="Pat", user__last_name=f"Number{n:02d}")
    wanted = car_t_patient(team=team, user__first_name="Zoe", user__last_name="Quinn")
    client.force_login(nurse)

    first = client.get(reverse("patients")).content.decode()
    assert len(names_on(first)) == 50
    assert "56 patients" in first
    assert "Page 1 of 2" in first
    second = client.get(reverse("patients"), {"page": 2}).content.decode()
    assert len(names_on(second)) == 6

    found = client.get(reverse("patients"), {"q": "zoe quinn"}).content.decode()
    assert names_on(found) == [wanted.name]
    nobody = client.get(reverse("patients"), {"q": "nobody-here"}).content.decode()
    assert "No patient matches" in nobody


def test_the_patient_list_sorts_by_flag_silence_and_day(client):
    team = CareTeamFactory()
    nurse = nurse_of(team)
    early = car_t_patient(day=1, team=team, user__last_name="Early")
    late = car_t_patient(day=40, team=team, user__last_name="Late")
    flagged = car_t_patient(day=10, team=team, user__last_name="Flagged")
    FlagFactory(patient=flagged, level=Level.EMERGENCY)
    ReportFactory(patient=early, submitted_at=timezone.now() - timedelta(hours=1))
    ReportFactory(patient=late, submitted_at=timezone.now() - timedelta(days=3))
    client.force_login(nurse)

    def order(key):
        return names_on(client.get(reverse("patients"), {"order": key}).content.decode())

    assert order("flag")[0] == flagged.name
    assert order("day") == [early.name, flagged.name, late.name]
    silence = order("check-in")  # longest without a check-in first
    assert silence.index(late.name) < silence.index(early.name)
    assert order("name") == sorted(order("name"), key=lambda name: name.split()[-1])


def test_each_order_pages_through_every_patient_once_in_the_order_of_the_whole_list(client):
    team = CareTeamFactory()
    nurse = nurse_of(team)
    for n in range(53):
        patient = car_t_patient(day=n % 7, team=team, user__last_name=f"Same{n % 3}")
        if n % 4:
            ReportFactory(patient=patient, submitted_at=timezone.now() - timedelta(hours=n % 5))
        if n % 9 == 0:
            FlagFactory(patient=patient, level=Level.URGENT_NOW if n % 2 else Level.EMERGENCY)
    client.force_login(nurse)
    for key in PatientQuerySet.ROSTER_ORDERS:
        whole = Patient.objects.for_nurse(nurse).roster().ordered_by(key)
        shown = [
            name
            for number in (1, 2)
            for name in names_on(
                client.get(reverse("patients"), {"order": key, "page": number}).content.decode()
            )
        ]
        assert shown == [patient.name for patient in whole], key


def test_the_list_says_when_there_is_no_infusion_yet_and_speaks_spanish(client):
    team = CareTeamFactory()
    nurse = nurse_of(team)
    car_t_patient(day=5, team=team)
    PatientFactory(care_team=team)
    assert "no infusion yet" in page(client, nurse)[1]
    PreferencesFactory(user=nurse, language="es")
    spanish = page(client, nurse)[1]
    translation.activate(settings.LANGUAGE_CODE)  # a Spanish page leaves Spanish active
    assert "CAR-T, día 5" in spanish and "todavía sin infusión" in spanish


# The rows of a page are kept (``roster_rows_key``): drawn once, drawn again when what they show
# changes, in the words of the nurse's language.


def test_a_page_of_rows_is_drawn_once_and_again_when_what_it_shows_changes(client, monkeypatch):
    team = CareTeamFactory()
    nurse = nurse_of(team)
    patient = car_t_patient(day=5, team=team, user__first_name="Robin", user__last_name="Hale")
    drawn = []
    therapy = Patient.therapy_now_display

    def counted(self):
        drawn.append(self.pk)
        return therapy.fget(self)

    monkeypatch.setattr(Patient, "therapy_now_display", property(counted))
    assert "Robin Hale" in page(client, nurse)[1]
    assert "never" in page(client, nurse)[1]
    assert drawn == [patient.pk]  # the second page came from the kept rows

    patient.user.__class__.objects.filter(pk=patient.user.pk).update(first_name="Robyn")
    assert "Robyn Hale" in page(client, nurse)[1]  # a rename, even one that skips history
    ReportFactory(patient=patient, submitted_at=timezone.now() - timedelta(hours=2))
    html = page(client, nurse)[1]
    assert "2\xa0hours ago" in html and "never" not in html
    FlagFactory(patient=patient, level=Level.URGENT_TODAY)
    assert "badge-urgent_today" in page(client, nurse)[1]
    PreferencesFactory(user=nurse, language="es")
    spanish = page(client, nurse)[1]
    translation.activate(settings.LANGUAGE_CODE)
    assert "CAR-T, día 5" in spanish
    assert len(drawn) == 5


def test_the_rows_key_reads_every_annotation_the_roster_adds():
    assert set(Patient.objects.roster().query.annotations) == set(ROSTER_ANNOTATIONS)
