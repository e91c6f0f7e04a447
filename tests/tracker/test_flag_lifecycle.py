"""A flag's life: open → acknowledged → resolved with an outcome → reopened, each step an event."""

import re
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import time_machine
from django.urls import reverse

from tests.factories import (
    CareTeamFactory,
    FlagFactory,
    ReportFactory,
    car_t_patient,
    finding,
    nurse_of,
)
from tracker import checkins, flags
from tracker.checkins import record_report
from tracker.models import Flag, FlagEvent, Level

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Target": "flag-1"}


@pytest.fixture
def flag():
    return FlagFactory(patient__care_team=CareTeamFactory(time_zone="Europe/London"))


@pytest.fixture
def sam(flag):
    return nurse_of(flag.patient.care_team, first_name="Sam", last_name="Lee")


@pytest.fixture
def kim(flag):
    return nurse_of(flag.patient.care_team, first_name="Kim", last_name="Park")


def actions(flag):
    return list(FlagEvent.objects.filter(flag=flag).values_list("action", "by__first_name"))


# The model: each change is one conditional update, and only the winner writes an event.


def test_resolve_records_who_when_outcome_and_note_and_an_event(flag, sam):
    assert flags.acknowledge(flag, sam)
    assert flags.resolve(flag, sam, Flag.Outcome.PHONE, "Paracetamol, call back if worse")
    flag.refresh_from_db()
    assert flag.status == Flag.Status.RESOLVED
    assert (flag.resolved_by, flag.outcome) == (sam, "phone")
    assert flag.note == "Paracetamol, call back if worse"
    assert flag.resolved_at is not None
    event = flag.events.get(action=FlagEvent.Action.RESOLVED)
    assert (event.by, event.outcome, event.note) == (sam, "phone", flag.note)
    assert actions(flag) == [("acknowledged", "Sam"), ("resolved", "Sam")]


def test_resolving_an_open_flag_also_marks_it_acknowledged_by_the_same_nurse(flag, sam):
    assert flags.resolve(flag, sam, Flag.Outcome.CLINIC)
    flag.refresh_from_db()
    assert (flag.acknowledged_by, flag.acknowledged_at) == (sam, flag.resolved_at)


def test_resolve_twice_the_second_loses_and_writes_nothing(flag, sam, kim):
    assert flags.resolve(flag, sam, Flag.Outcome.PHONE)
    assert not flags.resolve(Flag.objects.get(pk=flag.pk), kim, Flag.Outcome.ADMITTED)
    flag.refresh_from_db()
    assert (flag.resolved_by, flag.outcome) == (sam, "phone")
    assert flag.events.filter(action=FlagEvent.Action.RESOLVED).count() == 1


def test_an_unknown_outcome_is_refused(flag, sam):
    with pytest.raises(ValueError):
        flags.resolve(flag, sam, "vanished")
    assert Flag.objects.get(pk=flag.pk).status == Flag.Status.OPEN


def test_a_newer_report_stops_a_resolve_made_on_the_old_one(flag, sam):
    seen = flag.report_id
    newer = ReportFactory(
        patient=flag.patient, triage=Level.EMERGENCY, findings=[finding(level=Level.EMERGENCY)]
    )
    Flag.objects.filter(pk=flag.pk).update(report=newer, level=Level.EMERGENCY)
    assert not flags.resolve(flag, sam, Flag.Outcome.SELF_CARE, report_id=seen)
    assert Flag.objects.get(pk=flag.pk).status == Flag.Status.OPEN


def test_reopen_puts_the_flag_back_as_open_and_keeps_the_history(flag, sam, kim):
    flags.resolve(flag, sam, Flag.Outcome.PHONE, "fine")
    assert flags.reopen(flag, kim)
    flag.refresh_from_db()
    assert flag.status == Flag.Status.OPEN
    assert (flag.resolved_by, flag.outcome, flag.acknowledged_by) == (None, "", None)
    assert actions(flag) == [("resolved", "Sam"), ("reopened", "Kim")]
    assert not flags.reopen(flag, sam)


def test_reopen_is_refused_when_the_patient_has_a_newer_flag(flag, sam):
    flags.resolve(flag, sam, Flag.Outcome.PHONE)
    FlagFactory(patient=flag.patient)
    assert not flags.reopen(flag, sam)
    assert Flag.objects.get(pk=flag.pk).status == Flag.Status.RESOLVED


def test_a_whole_life_from_check_in_to_reopen_is_in_the_event_log():
    patient = car_t_patient(day=3)
    sam = nurse_of(patient.care_team, first_name="Sam")
    record_report(patient=patient, reported_by=patient.user, answers={"temperature_c": 38.6})
    flag = Flag.objects.get(patient=patient)
    flags.acknowledge(flag, sam)
    flags.resolve(flag, sam, Flag.Outcome.PHONE, "advised")
    flags.reopen(flag, sam)
    assert [a for a, _ in actions(flag)] == ["opened", "acknowledged", "resolved", "reopened"]


def test_a_report_whose_flag_insert_lost_a_race_joins_the_winning_flag():
    """Another check-in opened the flag between our look and our insert: nothing is lost."""
    patient = car_t_patient(day=3)
    record_report(patient=patient, reported_by=patient.user, answers={"temperature_c": 38.6})
    real = checkins._unresolved_flag
    # The first look misses the flag, as it does when the other check-in has not committed yet.
    with mock.patch.object(checkins, "_unresolved_flag", side_effect=[None, real(patient)]):
        report = record_report(
            patient=patient, reported_by=patient.user, answers={"temperature_c": 39.4}
        )
    flag = Flag.objects.get(patient=patient)
    assert flag.report == report
    assert patient.reports.count() == 2
    assert [a for a, _ in actions(flag)] == ["opened", "joined"]


# The views: a plain form post without JavaScript, and htmx returning the row.


def test_resolve_with_a_plain_form_post_keeps_the_filters_and_says_so(client, flag, sam):
    client.force_login(sam)
    url = reverse("resolve", args=[flag.pk]) + "?level=3"
    response = client.post(url, {"outcome": "phone", "note": "ok", "report": flag.report_id})
    assert response["Location"] == reverse("dashboard") + "?level=3"
    flag.refresh_from_db()
    assert (flag.status, flag.resolved_by, flag.note) == ("resolved", sam, "ok")
    html = client.get(response["Location"]).content.decode()
    assert f"You resolved the flag for {flag.patient.name}" in html
    assert f'id="flag-{flag.pk}"' not in html


def test_resolve_with_htmx_returns_the_resolved_row_with_a_reopen_button(client, flag, sam):
    client.force_login(sam)
    response = client.post(
        reverse("resolve", args=[flag.pk]),
        {"outcome": "clinic", "report": flag.report_id},
        headers=HTMX,
    )
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="flag-{flag.pk}"')
    assert "Resolved by Sam Lee" in html
    assert "same-day clinic review" in html
    assert reverse("reopen", args=[flag.pk]) in html


def test_resolve_without_an_outcome_asks_for_one_and_keeps_the_note(client, flag, sam):
    client.force_login(sam)
    response = client.post(
        reverse("resolve", args=[flag.pk]), {"note": "rang twice", "report": flag.report_id}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Please choose what happened." in html
    assert "rang twice" in html
    assert "<html" in html
    response = client.post(
        reverse("resolve", args=[flag.pk]),
        {"outcome": "teleported", "report": flag.report_id},
        headers=HTMX,
    )
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="flag-{flag.pk}"')
    assert "Select a valid choice" in html
    assert Flag.objects.get(pk=flag.pk).status == Flag.Status.OPEN


def test_the_second_nurse_is_told_who_resolved_it_and_when(client, flag, sam, kim):
    with time_machine.travel(datetime(2026, 7, 1, 9, 42, tzinfo=UTC), tick=False):
        flags.resolve(flag, sam, Flag.Outcome.PHONE)
    client.force_login(kim)
    data = {"outcome": "admitted", "report": flag.report_id}
    response = client.post(reverse("resolve", args=[flag.pk]), data, headers=HTMX)
    # 09:42 UTC is 10:42 in London in summer.
    assert "Sam Lee had already resolved this flag at 10:42." in response.content.decode()
    response = client.post(reverse("resolve", args=[flag.pk]), data, follow=True)
    assert "Sam Lee had already resolved this flag at 10:42." in response.content.decode()
    assert Flag.objects.get(pk=flag.pk).outcome == "phone"


def test_a_nurse_resolving_an_old_report_is_asked_to_read_the_new_one(client, flag, sam):
    client.force_login(sam)
    seen = flag.report_id
    newer = ReportFactory(
        patient=flag.patient, triage=Level.EMERGENCY, findings=[finding(level=Level.EMERGENCY)]
    )
    checkins.raise_flag(newer)
    data = {"outcome": "self_care", "note": "Rang her, fine", "report": seen}
    response = client.post(reverse("resolve", args=[flag.pk]), data, headers=HTMX)
    html = response.content.decode()
    assert "A new check-in came in at" in html
    assert "Please read it before you resolve this flag." in html
    # The form comes back for the new check-in, with what the nurse chose and typed kept.
    slot = re.search(r'<div class="resolve-slot"[^>]*>', html).group(0)
    assert "hx-preserve" not in slot
    assert f'name="report" value="{newer.pk}"' in html
    assert re.search(r'value="self_care"[^>]*checked', html)
    assert "Rang her, fine</textarea>" in html
    assert Flag.objects.get(pk=flag.pk).status == Flag.Status.OPEN
    page = client.post(reverse("resolve", args=[flag.pk]), data, follow=True).content.decode()
    assert "Please read it before you resolve this flag." in page  # without JavaScript


def test_acknowledge_tells_the_second_nurse_who_and_when(client, flag, sam, kim):
    with time_machine.travel(datetime(2026, 1, 5, 8, 5, tzinfo=UTC), tick=False):
        flags.acknowledge(flag, sam)
    client.force_login(kim)
    response = client.post(reverse("acknowledge", args=[flag.pk]), headers=HTMX)
    assert "Sam Lee had already acknowledged this flag at 08:05." in response.content.decode()


def test_reopen_with_a_plain_post_and_with_htmx(client, flag, sam, kim):
    flags.resolve(flag, sam, Flag.Outcome.NO_ACTION)
    client.force_login(kim)
    response = client.post(reverse("reopen", args=[flag.pk]), follow=True)
    html = response.content.decode()
    assert f"You reopened the flag for {flag.patient.name}" in html
    assert f'id="flag-{flag.pk}"' in html
    assert Flag.objects.get(pk=flag.pk).status == Flag.Status.OPEN
    flags.resolve(flag, kim, Flag.Outcome.NO_ACTION)
    response = client.post(reverse("reopen", args=[flag.pk]), headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="flag-{flag.pk}"')
    assert "Acknowledge" in html


def test_a_second_reopen_is_told_who_reopened_it(client, flag, sam, kim):
    flags.resolve(flag, sam, Flag.Outcome.PHONE)
    with time_machine.travel(datetime(2026, 1, 5, 14, 30, tzinfo=UTC), tick=False):
        flags.reopen(flag, sam)
    client.force_login(kim)
    response = client.post(reverse("reopen", args=[flag.pk]), follow=True)
    assert "Sam Lee had already reopened this flag at 14:30." in response.content.decode()


def test_reopen_when_a_newer_flag_exists_points_to_it(client, flag, sam):
    flags.resolve(flag, sam, Flag.Outcome.PHONE)
    FlagFactory(patient=flag.patient)
    client.force_login(sam)
    response = client.post(reverse("reopen", args=[flag.pk]), follow=True)
    assert "This patient already has a flag on the list" in response.content.decode()


def test_recently_resolved_flags_are_listed_with_a_reopen_button(client, flag, sam):
    flags.resolve(flag, sam, Flag.Outcome.ADMITTED)
    client.force_login(sam)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Resolved in the last 12 hours" in html
    assert "admitted, by Sam Lee" in html
    assert reverse("reopen", args=[flag.pk]) in html
    with time_machine.travel(timedelta(hours=13)):
        html = client.get(reverse("dashboard")).content.decode()
    assert "Resolved in the last 12 hours" not in html


# Who may act: a nurse of another team, or a patient, gets a 404 on any flag action.


@pytest.mark.parametrize("name", ["acknowledge", "resolve", "reopen"])
def test_a_nurse_of_another_team_gets_404_on_every_flag_action(client, flag, sam, name):
    flags.acknowledge(flag, sam)
    if name == "reopen":
        flags.resolve(flag, sam, Flag.Outcome.PHONE)
    before = Flag.objects.filter(pk=flag.pk).values().get()
    client.force_login(nurse_of(CareTeamFactory()))
    data = {"outcome": "phone", "report": flag.report_id}
    assert client.post(reverse(name, args=[flag.pk]), data).status_code == 404
    assert client.post(reverse(name, args=[flag.pk]), data, headers=HTMX).status_code == 404
    client.force_login(flag.patient.user)
    assert client.post(reverse(name, args=[flag.pk]), data).status_code == 404
    assert Flag.objects.filter(pk=flag.pk).values().get() == before


@pytest.mark.parametrize("name", ["reopen"])
def test_flag_actions_only_accept_post(client, flag, sam, name):
    client.force_login(sam)
    assert client.get(reverse(name, args=[flag.pk])).status_code == 405


def test_opening_the_resolve_form_changes_nothing(client, flag, sam):
    client.force_login(sam)
    before = Flag.objects.filter(pk=flag.pk).values().get()
    response = client.get(reverse("resolve", args=[flag.pk]))
    assert response.status_code == 200
    assert 'name="outcome"' in response.content.decode()
    assert Flag.objects.filter(pk=flag.pk).values().get() == before
