from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from tests.factories import CareTeamFactory, UserFactory, nurse_of
from tracker import flags
from tracker.checkins import raise_flag, record_report
from tracker.models import Flag, Level, Notification, Report

# Every test has the care team's two nurses, as if they were there before the patient.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "nurses")]

NOW = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
URGENT_NOW = {"temperature_c": 38.5}  # fever on day 3 after CAR-T: phone now
URGENT_TODAY = {"temperature_c": 37.0, "rash_bsa_percent": 10}


@pytest.fixture
def nurses(team):
    return [nurse_of(team), nurse_of(team)]


@pytest.fixture
def check_in(patient, django_capture_on_commit_callbacks):
    def send(answers, at=None):
        with django_capture_on_commit_callbacks(execute=True):
            return record_report(
                patient=patient, answers=answers, reported_by=patient.user, at=at or NOW
            )

    return send


def emergency_report(patient, at=NOW):
    return Report.objects.create(
        patient=patient,
        reported_by=patient.user,
        submitted_at=at,
        answers={"temperature_c": 40.5},
        context={"days_since_infusion": 3},
        triage=Level.EMERGENCY,
        ruleset="rules-test",
    )


def escalate(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("escalate_flags")


def test_an_urgent_now_flag_e_mails_every_nurse_of_the_team_at_once(check_in, nurses, mailoutbox):
    UserFactory()  # not a nurse of the team
    nurse_of(CareTeamFactory())  # a nurse of another team
    check_in(URGENT_NOW)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(n.email for n in nurses)
    notification = Notification.objects.get()
    assert notification.sent_at == NOW
    assert notification.recipients == 2


def test_the_e_mail_names_no_patient_and_no_symptom(check_in, patient, mailoutbox):
    check_in(URGENT_NOW)
    message = mailoutbox[0]
    text = f"{message.subject}\n{message.body}"
    assert message.subject == "A patient needs review"
    assert settings.SITE_URL + reverse("dashboard") in message.body
    for private in [patient.user.first_name, patient.user.last_name, "38.5", "fever", "CAR-T"]:
        assert private not in text


def test_an_urgent_today_flag_waits_for_the_dashboard(check_in, mailoutbox):
    check_in(URGENT_TODAY)
    assert Flag.objects.get().level == Level.URGENT_TODAY
    assert mailoutbox == []


def test_a_flag_raised_to_urgent_now_e_mails_and_a_same_level_report_does_not(check_in, mailoutbox):
    check_in(URGENT_TODAY)
    check_in(URGENT_NOW, at=NOW + timedelta(minutes=30))
    assert len(mailoutbox) == 2
    check_in(URGENT_NOW, at=NOW + timedelta(minutes=45))
    assert len(mailoutbox) == 2
    assert Flag.objects.get().level == Level.URGENT_NOW


def test_a_flag_raised_from_urgent_now_to_emergency_e_mails_again(
    check_in, patient, mailoutbox, django_capture_on_commit_callbacks
):
    check_in(URGENT_NOW)
    with django_capture_on_commit_callbacks(execute=True):
        raise_flag(emergency_report(patient, at=NOW + timedelta(minutes=5)))
    assert len(mailoutbox) == 4
    assert sorted(Notification.objects.values_list("level", flat=True)) == [
        Level.URGENT_NOW,
        Level.EMERGENCY,
    ]


def test_no_e_mail_until_the_report_is_saved(
    patient, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        record_report(patient=patient, answers=URGENT_NOW, reported_by=patient.user)
    assert mailoutbox == []
    assert len(callbacks) == 1


def test_a_flag_still_unacknowledged_past_the_target_escalates_once(
    check_in, mailoutbox, time_machine, django_capture_on_commit_callbacks
):
    check_in(URGENT_NOW)
    mailoutbox.clear()
    time_machine.move_to(NOW + timedelta(minutes=59))
    escalate(django_capture_on_commit_callbacks)
    assert mailoutbox == []
    time_machine.move_to(NOW + timedelta(hours=1))
    escalate(django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2
    assert mailoutbox[0].subject == "Still waiting: a patient needs review"
    time_machine.move_to(NOW + timedelta(hours=3))
    escalate(django_capture_on_commit_callbacks)
    escalate(django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2


def test_an_acknowledged_flag_does_not_escalate(
    check_in, nurses, mailoutbox, time_machine, django_capture_on_commit_callbacks
):
    check_in(URGENT_NOW)
    flags.acknowledge(Flag.objects.get(), nurses[0])
    mailoutbox.clear()
    time_machine.move_to(NOW + timedelta(hours=2))
    escalate(django_capture_on_commit_callbacks)
    assert mailoutbox == []


def test_the_care_teams_own_target_is_used(
    check_in, team, mailoutbox, time_machine, django_capture_on_commit_callbacks
):
    team.urgent_now_target = timedelta(minutes=20)
    team.save()
    check_in(URGENT_NOW)
    mailoutbox.clear()
    time_machine.move_to(NOW + timedelta(minutes=21))
    escalate(django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2


def test_an_emergency_escalates_after_fifteen_minutes(
    patient, mailoutbox, time_machine, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        raise_flag(emergency_report(patient))
    mailoutbox.clear()
    time_machine.move_to(NOW + timedelta(minutes=15))
    escalate(django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2


def test_an_urgent_today_flag_nobody_saw_for_a_day_escalates(
    check_in, mailoutbox, time_machine, django_capture_on_commit_callbacks
):
    check_in(URGENT_TODAY)
    time_machine.move_to(NOW + timedelta(hours=23))
    escalate(django_capture_on_commit_callbacks)
    assert mailoutbox == []
    time_machine.move_to(NOW + timedelta(hours=24))
    escalate(django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2


def test_a_raised_flag_waits_again_from_the_raise_and_escalates_at_its_new_level(
    check_in, nurses, mailoutbox, time_machine, django_capture_on_commit_callbacks
):
    check_in(URGENT_TODAY)
    flags.acknowledge(Flag.objects.get(), nurses[0])
    time_machine.move_to(NOW + timedelta(hours=5))
    check_in(URGENT_NOW, at=NOW + timedelta(hours=5))  # alert: 2 e-mails
    time_machine.move_to(NOW + timedelta(hours=5, minutes=50))
    escalate(django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2
    time_machine.move_to(NOW + timedelta(hours=6))
    escalate(django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 4
    assert Notification.objects.filter(kind="escalation").get().level == Level.URGENT_NOW


def test_a_team_without_nurse_e_mails_keeps_the_record_unsent(check_in, nurses, mailoutbox):
    for nurse in nurses:
        nurse.email = ""
        nurse.save()
    check_in(URGENT_NOW)
    assert mailoutbox == []
    assert Notification.objects.get().sent_at is None


def test_an_alert_the_mail_server_refused_is_sent_by_the_next_cron_run(
    check_in, mailoutbox, monkeypatch, time_machine, django_capture_on_commit_callbacks
):
    from django.core.mail.backends.locmem import EmailBackend

    working = EmailBackend.send_messages

    def refuse(self, messages):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    check_in(URGENT_NOW)
    assert Notification.objects.get().sent_at is None
    monkeypatch.setattr(EmailBackend, "send_messages", working)
    time_machine.move_to(NOW + timedelta(minutes=4))
    escalate(django_capture_on_commit_callbacks)
    assert mailoutbox == []
    time_machine.move_to(NOW + timedelta(minutes=5))
    escalate(django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2
    assert mailoutbox[0].subject == "A patient needs review"
    escalate(django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2


# -- The loop's gaps: an acknowledged flag left unresolved; a new check-in after acknowledgement --


def test_an_acknowledged_flag_left_unresolved_past_the_resolve_target_e_mails_once(
    check_in, nurses, mailoutbox, time_machine, django_capture_on_commit_callbacks
):
    check_in(URGENT_NOW)
    flags.acknowledge(Flag.objects.get(), nurses[0])
    mailoutbox.clear()
    time_machine.move_to(NOW + timedelta(hours=7, minutes=59))
    escalate(django_capture_on_commit_callbacks)
    assert mailoutbox == []
    assert not Flag.objects.select_related("patient__care_team").get().is_unresolved_too_long
    time_machine.move_to(NOW + timedelta(hours=8))
    escalate(django_capture_on_commit_callbacks)
    escalate(django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2
    assert mailoutbox[0].subject == "Not resolved yet: a patient needs review"
    assert "has not been resolved" in mailoutbox[0].body
    assert Flag.objects.select_related("patient__care_team").get().is_unresolved_too_long


def test_the_care_teams_own_resolve_target_is_used_and_a_resolved_flag_never_escalates(
    check_in, team, nurses, mailoutbox, time_machine, django_capture_on_commit_callbacks
):
    team.urgent_today_resolve_target = timedelta(hours=2)
    team.save()
    check_in(URGENT_TODAY)
    flag = Flag.objects.get()
    flags.acknowledge(flag, nurses[0])
    time_machine.move_to(NOW + timedelta(hours=2))
    escalate(django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2
    flag.refresh_from_db()
    flags.resolve(flag, nurses[0], Flag.Outcome.PHONE)
    time_machine.move_to(NOW + timedelta(days=3))
    escalate(django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2


def test_a_new_check_in_after_acknowledgement_tells_the_nurses_kindly_once(
    check_in, patient, nurses, mailoutbox
):
    check_in(URGENT_TODAY)
    flags.acknowledge(Flag.objects.get(), nurses[0])
    check_in(URGENT_TODAY, at=NOW + timedelta(hours=1))
    assert sorted(m.to[0] for m in mailoutbox) == sorted(n.email for n in nurses)
    message = mailoutbox[0]
    assert message.subject == "A new check-in on an acknowledged flag"
    text = f"{message.subject}\n{message.body}"
    for private in [patient.user.first_name, patient.user.last_name, "rash", "CAR-T", "10"]:
        assert private not in text
    check_in(URGENT_TODAY, at=NOW + timedelta(hours=2))
    assert len(mailoutbox) == 2  # the row marks it; the e-mail went once
    assert Flag.objects.get().news_since_acknowledged


def test_a_check_in_joining_a_flag_nobody_acknowledged_sends_no_news(check_in, mailoutbox):
    check_in(URGENT_TODAY)
    check_in(URGENT_TODAY, at=NOW + timedelta(hours=1))
    assert mailoutbox == []
