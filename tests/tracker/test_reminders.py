from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from tests.factories import (
    CareTeamFactory,
    InfusionFactory,
    PatientFactory,
    PreferencesFactory,
    car_t_patient,
    carer_of,
    nurse_of,
)
from tracker.checkins import record_report
from tracker.models import CheckInReminder, Infusion, Patient
from tracker.notifications import queue_due_reminders

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

# London is on British Summer Time (UTC+1) in June: 10:00 there is 09:00 UTC.
NOW = datetime(2026, 6, 10, 6, 0, tzinfo=UTC)  # early morning, before any team's reminder time


@pytest.fixture
def run(django_capture_on_commit_callbacks, mailoutbox, time_machine):
    """Runs the cron command at ``at`` and returns the e-mails it sent."""

    def send_reminders(at):
        time_machine.move_to(at, tick=False)
        before = len(mailoutbox)
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_reminders")
        return mailoutbox[before:]

    return send_reminders


def patient_in(zone, **kwargs):
    return car_t_patient(team=CareTeamFactory(time_zone=zone, reminder_time=time(10, 0)), **kwargs)


def check_in(patient, at):
    record_report(patient=patient, answers={"temperature_c": 36.8}, reported_by=patient.user, at=at)


def test_no_reminder_before_the_reminder_time(run):
    patient_in("Europe/London")
    assert run(datetime(2026, 6, 10, 8, 59, tzinfo=UTC)) == []


def test_one_kind_reminder_at_the_reminder_time_with_no_clinical_details(run):
    patient = patient_in("Europe/London")
    [message] = run(datetime(2026, 6, 10, 9, 0, tzinfo=UTC))
    assert message.to == [patient.user.email]
    assert message.subject == "Time for your daily check-in"
    assert settings.SITE_URL + reverse("checkin") in message.body
    for private in [patient.user.first_name, patient.user.last_name, "CAR-T", "fever", "day 3"]:
        assert private not in f"{message.subject}\n{message.body}"


def test_running_it_again_the_same_day_sends_nothing_more(run):
    patient_in("Europe/London")
    assert len(run(datetime(2026, 6, 10, 9, 0, tzinfo=UTC))) == 1
    assert run(datetime(2026, 6, 10, 9, 15, tzinfo=UTC)) == []
    assert run(datetime(2026, 6, 10, 22, 45, tzinfo=UTC)) == []
    assert CheckInReminder.objects.get().day == date(2026, 6, 10)


def test_the_next_day_brings_a_new_reminder(run):
    patient_in("Europe/London")
    run(datetime(2026, 6, 10, 9, 0, tzinfo=UTC))
    assert len(run(datetime(2026, 6, 11, 9, 0, tzinfo=UTC))) == 1


def test_a_patient_who_checked_in_today_gets_none(run):
    patient = patient_in("Europe/London")
    check_in(patient, datetime(2026, 6, 10, 7, 30, tzinfo=UTC))
    assert run(datetime(2026, 6, 10, 9, 0, tzinfo=UTC)) == []


def test_a_check_in_by_a_carer_counts_too(run):
    patient = patient_in("Europe/London")
    carer = PatientFactory().user
    patient.carers.add(carer)
    record_report(
        patient=patient,
        answers={"temperature_c": 36.8},
        reported_by=carer,
        at=datetime(2026, 6, 10, 7, 30, tzinfo=UTC),
    )
    assert run(datetime(2026, 6, 10, 9, 0, tzinfo=UTC)) == []


@pytest.mark.parametrize("monitoring", [Patient.Monitoring.PAUSED, Patient.Monitoring.ENDED])
def test_paused_or_ended_monitoring_sends_none(run, monitoring):
    patient_in("Europe/London", monitoring=monitoring)
    assert run(datetime(2026, 6, 10, 12, 0, tzinfo=UTC)) == []


def test_a_patient_without_an_infusion_yet_or_a_password_gets_none(run):
    PatientFactory(care_team=CareTeamFactory(time_zone="Europe/London"))
    InfusionFactory(
        patient__care_team=CareTeamFactory(time_zone="Europe/London"),
        given_at=datetime(2026, 6, 12, 9, 0, tzinfo=UTC),
    )
    invited = patient_in("Europe/London")
    invited.user.set_unusable_password()
    invited.user.save()
    assert run(datetime(2026, 6, 10, 12, 0, tzinfo=UTC)) == []


def test_a_late_check_in_yesterday_evening_is_not_todays(run):
    # Los Angeles is UTC-7 in June: 06:00 UTC on 10 June is 23:00 on 9 June there.
    patient = patient_in("America/Los_Angeles")
    check_in(patient, datetime(2026, 6, 10, 6, 0, tzinfo=UTC))
    assert run(datetime(2026, 6, 10, 16, 59, tzinfo=UTC)) == []  # 09:59 there
    assert len(run(datetime(2026, 6, 10, 17, 0, tzinfo=UTC))) == 1  # 10:00 there
    assert CheckInReminder.objects.get().day == date(2026, 6, 10)


def test_the_care_teams_date_counts_not_the_servers(run):
    # Auckland is UTC+12 in June: 20:00 UTC on 10 June is 08:00 on 11 June there.
    patient = patient_in("Pacific/Auckland")
    check_in(patient, datetime(2026, 6, 10, 20, 0, tzinfo=UTC))
    assert run(datetime(2026, 6, 10, 22, 30, tzinfo=UTC)) == []  # 10:30 on 11 June, checked in
    [message] = run(datetime(2026, 6, 11, 22, 30, tzinfo=UTC))  # 10:30 on 12 June, not yet
    assert message.to == [patient.user.email]
    assert CheckInReminder.objects.get().day == date(2026, 6, 12)


def test_the_care_teams_reminder_time_counts(run):
    team = CareTeamFactory(time_zone="Europe/London", reminder_time=time(18, 30))
    InfusionFactory(patient=PatientFactory(care_team=team))
    assert run(datetime(2026, 6, 10, 17, 29, tzinfo=UTC)) == []
    assert len(run(datetime(2026, 6, 10, 17, 30, tzinfo=UTC))) == 1


def test_a_reminder_still_queued_when_the_patient_checks_in_is_not_sent(
    mailoutbox, django_capture_on_commit_callbacks, time_machine
):
    patient = patient_in("Europe/London")
    time_machine.move_to(datetime(2026, 6, 10, 9, 0, tzinfo=UTC), tick=False)
    with django_capture_on_commit_callbacks() as queued:
        call_command("send_reminders")
    check_in(patient, datetime(2026, 6, 10, 9, 1, tzinfo=UTC))
    for enqueue in queued:
        enqueue()
    assert mailoutbox == []
    assert CheckInReminder.objects.get().sent_at is None


def test_a_reminder_records_when_it_was_sent(run):
    patient_in("Europe/London")
    at = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    run(at)
    assert CheckInReminder.objects.get().sent_at == at


def test_the_reminder_follows_the_clock_change(run, time_machine):
    # The United Kingdom moves to summer time at 01:00 UTC on 29 March 2026: 10:00 in London is
    # 10:00 UTC on the 28th and 09:00 UTC on the 29th.
    time_machine.move_to(datetime(2026, 3, 27, 12, 0, tzinfo=UTC), tick=False)
    patient_in("Europe/London")
    assert run(datetime(2026, 3, 28, 9, 30, tzinfo=UTC)) == []
    assert len(run(datetime(2026, 3, 28, 10, 0, tzinfo=UTC))) == 1
    assert len(run(datetime(2026, 3, 29, 9, 0, tzinfo=UTC))) == 1


# -- Reminders to carers too (the nurse's choice on the care page) ------------------------------


def test_carers_get_the_reminder_only_when_the_nurse_chose_so(run, client):
    patient = patient_in("Europe/London")
    carer = carer_of(patient)
    PreferencesFactory(user=carer, language="es")
    invited_carer = carer_of(patient)
    invited_carer.set_unusable_password()
    invited_carer.save()
    assert [m.to for m in run(datetime(2026, 6, 10, 9, 0, tzinfo=UTC))] == [[patient.user.email]]

    nurse = nurse_of(patient.care_team)
    client.force_login(nurse)
    client.post(reverse("patient_carer_reminders", args=[patient.pk]), {"remind_carers": "on"})
    messages = run(datetime(2026, 6, 11, 9, 0, tzinfo=UTC))
    assert sorted(m.to[0] for m in messages) == sorted([patient.user.email, carer.email])
    to_carer = next(m for m in messages if m.to == [carer.email])
    assert to_carer.subject == "Es la hora de tu control diario"
    assert "la persona a la que cuidas" in to_carer.body
    for private in [patient.user.first_name, patient.user.last_name, "CAR-T"]:
        assert private not in to_carer.body


def test_a_patient_still_invited_is_reminded_through_their_carers(run):
    patient = patient_in("Europe/London", remind_carers=True)
    patient.user.set_unusable_password()
    patient.user.save()
    carer = carer_of(patient)
    [message] = run(datetime(2026, 6, 10, 9, 0, tzinfo=UTC))
    assert message.to == [carer.email]
    assert "the person you care for" in message.body


def nk_patient(team, *, weeks: int):
    """A patient on weekly NK-cell infusions, the last one yesterday."""
    patient = PatientFactory(care_team=team)
    for week in range(weeks):
        InfusionFactory(
            patient=patient,
            product=Infusion.Product.NK,
            car_target="",
            cell_source=Infusion.CellSource.ALLOGENEIC,
            given_at=NOW - timedelta(days=1 + 7 * week),
        )
    return patient


def test_a_patient_with_several_infusions_gets_one_reminder(run):
    team = CareTeamFactory(time_zone="Europe/London", reminder_time=time(10, 0))
    patient = nk_patient(team, weeks=2)
    [message] = run(datetime(2026, 6, 10, 9, 0, tzinfo=UTC))
    assert message.to == [patient.user.email]
    assert CheckInReminder.objects.get().patient == patient


@pytest.mark.parametrize("patients", [2, 6])
def test_finding_who_is_due_takes_the_same_queries_for_few_or_many_patients(
    run, django_assert_num_queries, patients
):
    """Run again later the same day: every patient either checked in or was already reminded,
    so nothing is written and only the reads are counted; they do not grow with the patients."""
    team = CareTeamFactory(time_zone="Europe/London", reminder_time=time(10, 0))
    other = CareTeamFactory(time_zone="America/New_York", reminder_time=time(10, 0))
    for i in range(patients):
        nk_patient(team if i % 2 else other, weeks=3)
        check_in(car_t_patient(team=team), datetime(2026, 6, 10, 7, 30, tzinfo=UTC))
    assert len(run(datetime(2026, 6, 10, 15, 0, tzinfo=UTC))) == patients
    with django_assert_num_queries(3):
        assert queue_due_reminders(now=datetime(2026, 6, 10, 15, 30, tzinfo=UTC)) == 0
