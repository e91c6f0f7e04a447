"""The dashboard's list is drawn once for each version of what it shows, then sent again as drawn.

``tracker.worklist.Worklist`` keeps each part of the list under its version and the
session's CSRF secret. These tests prove that the kept list is only ever sent when nothing it shows
has changed: any change a nurse must see draws it again.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from tests.factories import FlagFactory, ReportFactory, car_t_patient, finding, nurse_of
from tracker import flags
from tracker.checkins import raise_flag
from tracker.models import Level, Patient

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.team(name="Haematology", time_zone="Europe/London"),
    pytest.mark.nurse(first_name="Sam", last_name="Lee"),
]

POLL = {"HX-Request": "true", "HX-Target": "worklist", "HX-Trigger": "worklist"}


def flag_for(team, level=Level.URGENT_NOW, *, ago=timedelta(minutes=1)):
    patient = car_t_patient(team=team)
    report = ReportFactory(
        patient=patient, triage=level, findings=[finding(category="CRS", level=level)]
    )
    return FlagFactory(patient=patient, report=report, level=level, opened_at=timezone.now() - ago)


def worklist(response) -> str:
    html = response.content.decode()
    return re.search(r'<div id="worklist".*', html, re.DOTALL).group(0)


def drawn(response) -> set[str]:
    """The parts of the list drawn for this answer (not sent as kept)."""
    return {t.name for t in response.templates} & {"flag-list", "side-panels"}


def rows(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr id="flag-(\d+)"', html)]


@pytest.fixture
def dashboard(client, nurse):
    client.force_login(nurse)
    return lambda **headers: client.get(reverse("dashboard"), headers=headers)


def test_the_same_list_is_sent_again_without_drawing_it(team, dashboard):
    flag_for(team)
    first = dashboard()
    with CaptureQueriesContext(connection) as drawn_again:
        second = dashboard()
    assert worklist(second) == worklist(first)
    # The flags, counts, missed and resolved panels are not read again: only the version's reads.
    read = " ".join(query["sql"] for query in drawn_again.captured_queries)
    assert "COUNT(" not in read
    assert 'tracker_flag"."note"' not in read  # the rows' own columns
    assert drawn(first) == {"flag-list", "side-panels"}
    assert drawn(second) == set()


def test_a_refresh_and_the_page_send_the_same_kept_list(team, dashboard):
    flag_for(team)
    page = worklist(dashboard())
    refresh = dashboard(**POLL).content.decode()
    assert refresh.strip() and page.startswith(refresh.strip())


@pytest.mark.parametrize(
    "change",
    [
        "a new flag",
        "a new check-in on a flag",
        "a colleague acknowledges",
        "a colleague resolves",
        "a patient's monitoring is paused",
        "an infusion date is corrected",
        "a flag becomes overdue",
        "five minutes pass",
    ],
)
def test_any_change_the_nurse_must_see_draws_the_list_again(team, nurse, dashboard, change):
    flag = flag_for(team, Level.EMERGENCY, ago=timedelta(minutes=14, seconds=30))
    other = flag_for(team, Level.URGENT_TODAY)
    colleague = nurse_of(team)
    before = worklist(dashboard())
    assert worklist(dashboard()) == before  # kept while nothing changes
    now = timezone.now()
    later = now
    if change == "a new flag":
        newcomer = flag_for(team, Level.EMERGENCY)
    elif change == "a new check-in on a flag":
        ReportFactory(patient=other.patient, triage=Level.NONE, findings=[])
    elif change == "a colleague acknowledges":
        assert flags.acknowledge(other, colleague)
    elif change == "a colleague resolves":
        assert flags.acknowledge(other, colleague)
        before = worklist(dashboard())
        assert flags.resolve(other, colleague, "phone", "", report_id=other.report_id)
    elif change == "a patient's monitoring is paused":
        patient = Patient.objects.get(pk=other.patient_id)
        patient.monitoring = Patient.Monitoring.ENDED
        patient.save()
    elif change == "an infusion date is corrected":
        infusion = other.patient.infusions.get()
        infusion.given_at -= timedelta(days=1)
        infusion.save()
    elif change == "a flag becomes overdue":
        later = now + timedelta(seconds=31)  # the emergency target is 15 minutes
    elif change == "five minutes pass":
        later = now + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        after = worklist(dashboard())
    assert after != before
    if change == "a new flag":
        assert newcomer.pk in rows(after)
    if change == "a colleague acknowledges":
        assert "Acknowledged by" in after
    if change == "a colleague resolves":
        assert other.pk not in rows(after)
    if change == "a flag becomes overdue":
        assert "Overdue" in re.search(rf'<tr id="flag-{flag.pk}".*?</tr>', after, re.DOTALL).group(
            0
        )


def test_a_check_in_that_joins_no_flag_draws_only_the_panels_again(team, dashboard):
    flag_for(team)
    quiet = car_t_patient(team=team, user__first_name="Quiet")
    first = dashboard()
    assert "Quiet" in worklist(first)  # no check-in yet today
    ReportFactory(patient=quiet, triage=Level.NONE, findings=[])
    second = dashboard()
    assert drawn(second) == {"side-panels"}
    assert "Quiet" not in worklist(second)


def test_a_check_in_that_joins_a_flag_draws_the_flags_again(team, dashboard):
    flag = flag_for(team, Level.URGENT_TODAY)
    assert "Latest check-in at" not in worklist(dashboard())
    later = ReportFactory(
        patient=flag.patient,
        triage=Level.URGENT_TODAY,
        findings=[finding(category="CRS", level=Level.URGENT_TODAY)],
    )
    assert raise_flag(later).pk == flag.pk  # joined, not a new flag
    again = dashboard()
    assert drawn(again) == {"flag-list", "side-panels"}
    assert "Latest check-in at" in worklist(again)


def test_each_session_gets_a_list_with_its_own_form_tokens(team, nurse):
    flag_for(team)
    one, two = Client(), Client()
    one.force_login(nurse)
    two.force_login(nurse)
    tokens = [
        set(re.findall(r'name="csrfmiddlewaretoken" value="(\w+)"', worklist(c.get("/dashboard/"))))
        for c in (one, two)
    ]
    assert tokens[0] and tokens[1] and tokens[0].isdisjoint(tokens[1])
    # The kept list's tokens work for its own session (checked here, unlike the test default).
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(nurse)
    html = worklist(checked.get("/dashboard/"))
    html = worklist(checked.get("/dashboard/"))  # the kept one
    token = re.search(r'name="csrfmiddlewaretoken" value="(\w+)"', html).group(1)
    pk = rows(html)[0]
    answer = checked.post(reverse("acknowledge", args=[pk]), {"csrfmiddlewaretoken": token})
    assert answer.status_code == 302


def test_nurses_of_other_teams_and_other_languages_get_their_own_list(team, nurse, client):
    flag = flag_for(team)
    client.force_login(nurse)
    english = worklist(client.get("/dashboard/"))
    stranger = nurse_of(car_t_patient().care_team)
    client.force_login(stranger)
    assert flag.pk not in rows(worklist(client.get("/dashboard/")))
    client.force_login(nurse)
    with translation.override("es"):
        spanish = worklist(client.get("/dashboard/", headers={"Accept-Language": "es"}))
    assert flag.pk in rows(english)
    assert spanish != english or "Acknowledge" not in spanish


def test_a_reports_findings_are_drawn_once_per_language(team, nurse, client):
    flag = flag_for(team, Level.EMERGENCY)
    client.force_login(nurse)
    first = client.get("/dashboard/")
    assert "reasons" in names(first)
    caches["worklists"].clear()  # the list is drawn again; the report's findings in words are kept
    again = client.get("/dashboard/")
    assert drawn(again) == {"flag-list", "side-panels"}
    assert "reasons" not in names(again)
    assert untokened(worklist(again)) == untokened(worklist(first))
    spanish = client.get("/dashboard/", headers={"Accept-Language": "es"})
    assert "reasons" in names(spanish)  # each language its own words
    assert flag.pk in rows(worklist(spanish))
    assert worklist(spanish) != worklist(first)


def untokened(html: str) -> str:
    """The page with its CSRF tokens blanked (each drawing masks the session's secret anew)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", html)


def names(response) -> set[str]:
    return {t.name for t in response.templates}
