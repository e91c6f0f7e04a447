"""A worker killed while sending a nurse alert: the alert still goes out, and only once.

This is the in-process half of ``tests/load/worker_kill.py`` (which kills a real worker with
SIGKILL in the middle of an SMTP conversation). What a killed worker leaves behind is a task that
django-tasks-db marked as running when the worker claimed it, and an alert whose sending never
committed. Here the claim is made by hand, and the real ``db_worker`` command then runs the
queue, on the django-tasks-db backend that production uses.
"""

import signal
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from tests.factories import CareTeamFactory, car_t_patient, nurse_of
from tracker.checkins import record_report
from tracker.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
URGENT_NOW = {"temperature_c": 38.5}  # fever on day 3 after CAR-T: phone now


@pytest.fixture(autouse=True)
def database_queue(settings, time_machine):
    """The production task backend (tasks wait in the database for ``db_worker``)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def run_worker():
    """Runs ``db_worker --batch`` (every ready task, then exit); puts the signal handlers back."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def run():
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    yield run
    for sig, handler in handlers.items():
        signal.signal(sig, handler)


@pytest.fixture
def nurses():
    team = CareTeamFactory()
    return [nurse_of(team), nurse_of(team)]


@pytest.fixture
def alert(nurses):
    patient = car_t_patient(team=nurses[0].care_teams.get(), day=3)
    record_report(patient=patient, answers=URGENT_NOW, reported_by=patient.user, at=NOW)
    return Notification.objects.get()


def kill_the_worker_mid_send() -> DBTaskResult:
    """What SIGKILL leaves: the task claimed (running), the alert's sending never committed."""
    task = DBTaskResult.objects.get()
    task.claim("worker-that-was-killed")
    return task


def test_a_task_claimed_by_a_killed_worker_is_not_taken_again_by_the_next_worker(
    alert, run_worker, mailoutbox
):
    task = kill_the_worker_mid_send()

    run_worker()

    assert mailoutbox == []
    task.refresh_from_db()
    alert.refresh_from_db()
    assert task.status == "RUNNING"
    assert alert.sent_at is None


def test_the_alert_a_killed_worker_was_sending_goes_out_once_after_escalate_flags(
    alert, nurses, run_worker, mailoutbox, time_machine
):
    kill_the_worker_mid_send()
    run_worker()

    time_machine.move_to(NOW + timedelta(minutes=4))
    call_command("escalate_flags", verbosity=0)
    run_worker()
    assert mailoutbox == []  # too soon: the first worker might still be sending it

    time_machine.move_to(NOW + timedelta(minutes=6))
    call_command("escalate_flags", verbosity=0)
    run_worker()
    assert sorted(m.to[0] for m in mailoutbox) == sorted(n.email for n in nurses)
    assert mailoutbox[0].subject == "A patient needs review"
    alert.refresh_from_db()
    assert alert.sent_at is not None

    time_machine.move_to(NOW + timedelta(minutes=12))
    call_command("escalate_flags", verbosity=0)
    run_worker()
    assert len(mailoutbox) == len(nurses)


def test_an_alert_queued_twice_is_sent_once(alert, nurses, run_worker, mailoutbox, time_machine):
    # A worker that was only slow, not dead, and a retry from cron: both copies run.
    time_machine.move_to(NOW + timedelta(minutes=6))
    call_command("escalate_flags", verbosity=0)
    assert DBTaskResult.objects.filter(status="READY").count() == 2

    run_worker()

    assert len(mailoutbox) == len(nurses)
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2


def test_a_restarted_worker_sends_the_alert_a_killed_worker_left_unsent_once(
    alert, nurses, mailoutbox, run_worker
):
    kill_the_worker_mid_send()

    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    assert sorted(m.to[0] for m in mailoutbox) == sorted(n.email for n in nurses)
    alert.refresh_from_db()
    assert alert.sent_at is not None
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    run_worker()
    assert len(mailoutbox) == len(nurses)
