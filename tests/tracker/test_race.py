"""Two nurses, or two check-ins, at the same moment: exactly one action wins and nothing is lost.

Each racing thread has its own database connection. On PostgreSQL the two writes really meet at
the row lock (or the unique index). SQLite serialises writes anyway, and its shared in-memory test
database answers a second writer with "table is locked" instead of waiting, so there the threads
take turns; the outcome asked for is the same.
"""

import contextlib
import threading

import pytest
from django.db import connection, connections

from tests.factories import FlagFactory, car_t_patient, nurse_of
from tracker import flags
from tracker.checkins import record_report
from tracker.models import Flag, FlagEvent

pytestmark = pytest.mark.django_db(transaction=True)


def race(*actions):
    """Runs each action in its own thread, all released at once; returns their results in order."""
    barrier = threading.Barrier(len(actions))
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    results: list = [None] * len(actions)
    errors: list[BaseException] = []

    def run(index, action):
        try:
            barrier.wait()
            with turns:
                results[index] = action()
        except BaseException as error:  # reported to the test below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def test_two_nurses_resolving_the_same_flag_one_wins_and_one_event_is_written():
    flag = FlagFactory()
    sam, kim = nurse_of(flag.patient.care_team), nurse_of(flag.patient.care_team)

    def resolve_as(nurse, outcome):
        return lambda: flags.resolve(
            Flag.objects.get(pk=flag.pk), nurse, outcome, "called the patient"
        )

    results = race(resolve_as(sam, "phone"), resolve_as(kim, "clinic"))

    assert sorted(results) == [False, True]
    winner = sam if results[0] else kim
    flag.refresh_from_db()
    assert (flag.status, flag.resolved_by) == (Flag.Status.RESOLVED, winner)
    assert flag.outcome == ("phone" if winner == sam else "clinic")
    events = FlagEvent.objects.filter(flag=flag, action=FlagEvent.Action.RESOLVED)
    assert [e.by for e in events] == [winner]


def test_two_nurses_acknowledging_the_same_flag_one_wins_and_one_event_is_written():
    flag = FlagFactory()
    sam, kim = nurse_of(flag.patient.care_team), nurse_of(flag.patient.care_team)

    results = race(
        lambda: flags.acknowledge(Flag.objects.get(pk=flag.pk), sam),
        lambda: flags.acknowledge(Flag.objects.get(pk=flag.pk), kim),
    )

    assert sorted(results) == [False, True]
    flag.refresh_from_db()
    assert flag.acknowledged_by == (sam if results[0] else kim)
    assert FlagEvent.objects.filter(flag=flag, action=FlagEvent.Action.ACKNOWLEDGED).count() == 1


def test_two_nurses_reopening_the_same_flag_one_wins():
    flag = FlagFactory()
    sam, kim = nurse_of(flag.patient.care_team), nurse_of(flag.patient.care_team)
    assert flags.resolve(flag, sam, "phone")

    results = race(
        lambda: flags.reopen(Flag.objects.get(pk=flag.pk), sam),
        lambda: flags.reopen(Flag.objects.get(pk=flag.pk), kim),
    )

    assert sorted(results) == [False, True]
    assert Flag.objects.get(pk=flag.pk).status == Flag.Status.OPEN
    assert FlagEvent.objects.filter(flag=flag, action=FlagEvent.Action.REOPENED).count() == 1


def test_two_urgent_check_ins_at_once_are_both_kept_on_one_flag():
    patient = car_t_patient(day=3)
    carer = patient.user

    def check_in(temperature):
        return lambda: (
            record_report(
                patient=patient, reported_by=carer, answers={"temperature_c": temperature}
            ).pk
        )

    first, second = race(check_in(38.6), check_in(38.9))

    flag = Flag.objects.get(patient=patient)
    assert patient.reports.filter(pk__in=[first, second]).count() == 2
    actions = sorted(FlagEvent.objects.filter(flag=flag).values_list("action", flat=True))
    assert actions == ["joined", "opened"]
    assert flag.report_id in {first, second}
