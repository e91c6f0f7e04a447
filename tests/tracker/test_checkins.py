import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import car_t_patient, nurse_of
from tracker import flags
from tracker.checkins import history_for, record_report
from tracker.models import Flag, Level, Report

pytestmark = pytest.mark.django_db

WELL = {"chills": "none", "fatigue": "none", "bruising": "none", "rash_bsa_percent": 0}


def test_a_fever_on_day_three_after_car_t_is_urgent_now_and_opens_a_flag():
    patient = car_t_patient(day=3)
    report = record_report(
        patient=patient, reported_by=patient.user, answers={"temperature_c": 38.6, **WELL}
    )
    assert report.level == Level.URGENT_NOW
    rules = {f["rule"] for f in report.findings}
    assert "CRS-01" in rules
    assert all(f["sources"] for f in report.findings)
    assert report.ruleset.startswith("rules-")
    assert report.context["days_since_infusion"] == 3
    flag = Flag.objects.get(patient=patient)
    assert (flag.level, flag.status, flag.report) == (Level.URGENT_NOW, "open", report)


def test_a_normal_temperature_opens_no_flag():
    patient = car_t_patient(day=3)
    report = record_report(
        patient=patient, reported_by=patient.user, answers={"temperature_c": 37.9, **WELL}
    )
    assert report.level == Level.NONE
    assert report.findings == []
    assert not Flag.objects.exists()


def test_a_new_urgent_report_joins_the_open_flag_and_never_lowers_it():
    patient = car_t_patient(day=3)
    first = record_report(
        patient=patient, reported_by=patient.user, answers={"temperature_c": 38.6, **WELL}
    )
    flag = Flag.objects.get()
    flags.acknowledge(flag, patient.user)
    later = record_report(
        patient=patient, reported_by=patient.user, answers={"temperature_c": 38.9, **WELL}
    )
    flag.refresh_from_db()
    assert Flag.objects.count() == 1
    assert flag.report == later != first
    assert flag.level == Level.URGENT_NOW
    assert flag.status == Flag.Status.ACKNOWLEDGED  # same level: nothing new to see


def test_a_more_urgent_report_raises_the_flag_and_reopens_it():
    patient = car_t_patient(day=3)
    record_report(patient=patient, reported_by=patient.user, answers={"temperature_c": 38.6})
    flag = Flag.objects.get()
    flags.acknowledge(flag, patient.user)
    flag.level = Level.URGENT_TODAY  # as if it had been opened by an amber finding
    flag.save()
    record_report(patient=patient, reported_by=patient.user, answers={"temperature_c": 38.8})
    flag.refresh_from_db()
    assert (flag.level, flag.status) == (Level.URGENT_NOW, Flag.Status.OPEN)


def test_the_same_form_sent_twice_saves_one_report():
    patient = car_t_patient(day=3)
    key = uuid.uuid4()
    answers = {"temperature_c": 38.6, **WELL}
    one = record_report(
        patient=patient, reported_by=patient.user, answers=answers, submission_key=key
    )
    two = record_report(
        patient=patient, reported_by=patient.user, answers=answers, submission_key=key
    )
    assert one.pk == two.pk
    assert Report.objects.count() == 1
    assert Flag.objects.count() == 1


def test_the_same_form_sent_again_with_changed_answers_is_a_new_check_in():
    patient = car_t_patient(day=3)
    key = uuid.uuid4()
    calm = record_report(
        patient=patient, reported_by=patient.user, answers=dict(WELL), submission_key=key
    )
    fever = record_report(
        patient=patient,
        reported_by=patient.user,
        answers={**WELL, "temperature_c": 38.6},
        submission_key=key,
    )
    assert fever.pk != calm.pk
    assert fever.answers["temperature_c"] == 38.6
    assert Flag.objects.get().report == fever


def test_history_is_the_last_week_newest_first_in_days_ago():
    patient = car_t_patient(day=9)
    now = timezone.now()
    for days_ago, temperature in [(8, 36.5), (2, 37.0), (1, 37.4)]:
        record_report(
            patient=patient,
            reported_by=patient.user,
            answers={"temperature_c": temperature},
            at=now - timedelta(days=days_ago),
        )
    history = history_for(patient, now)
    assert [h["days_ago"] for h in history] == [1, 2]
    assert history[0]["report"] == {"temperature_c": 37.4}


def test_every_step_of_a_flag_is_kept_as_an_event():
    from tracker.models import FlagEvent

    patient = car_t_patient(day=2)
    nurse = nurse_of(patient.care_team)
    first = record_report(
        patient=patient, reported_by=patient.user, answers={"temperature_c": 38.2}
    )
    flag = first.flags.get()
    flags.acknowledge(flag, nurse)
    record_report(patient=patient, reported_by=patient.user, answers={"temperature_c": 38.3})
    record_report(
        patient=patient, reported_by=patient.user, answers={"temperature_c": 38.4, "spo2": 89}
    )
    events = list(FlagEvent.objects.filter(flag=flag).values_list("action", "by"))
    assert events == [
        ("opened", None),
        ("acknowledged", nurse.pk),
        ("joined", None),
        ("raised", None),
    ]


def test_the_flag_remembers_which_check_in_set_its_level():
    patient = car_t_patient(day=2)
    first = record_report(
        patient=patient, reported_by=patient.user, answers={"temperature_c": 38.2}
    )
    raised = record_report(
        patient=patient, reported_by=patient.user, answers={"temperature_c": 38.4, "spo2": 89}
    )
    calmer = record_report(
        patient=patient, reported_by=patient.user, answers={"temperature_c": 38.1}
    )
    flag = Flag.objects.get(patient=patient)
    assert first.level < raised.level == flag.level
    assert (flag.level_report, flag.report) == (raised, calmer)
