"""The triage dashboard: order, filters, counts, overdue marks, refresh, missed check-ins."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    CareTeamFactory,
    FlagFactory,
    ReportFactory,
    UserFactory,
    car_t_patient,
    finding,
    nurse_of,
)
from tracker import checkins, flags
from tracker.models import Flag, FlagEvent, Level, Patient

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.team(name="Haematology", time_zone="Europe/London"),
    pytest.mark.nurse(first_name="Sam", last_name="Lee"),
]

EMERGENCY, URGENT_NOW, URGENT_TODAY = Level.EMERGENCY, Level.URGENT_NOW, Level.URGENT_TODAY


def flag_for(team, level, *, category="CRS", why="", ago=timedelta(minutes=1), **report):
    patient = car_t_patient(team=team)
    report = ReportFactory(
        patient=patient,
        triage=level,
        findings=[finding(category=category, level=level, why=why)],
        **report,
    )
    return FlagFactory(patient=patient, report=report, level=level, opened_at=timezone.now() - ago)


def acknowledged(flag, nurse):
    assert flags.acknowledge(flag, nurse)
    return flag


def rows(html):
    return [int(pk) for pk in re.findall(r'<tr id="flag-(\d+)"', html)]


def row(html, flag):
    return re.search(rf'<tr id="flag-{flag.pk}".*?</tr>', html, re.DOTALL).group(0)


def cell(row_html, name):
    """The text of one cell of a row, tags dropped and spaces joined."""
    inner = re.search(rf'<td class="cell-{name}">(.*?)</td>', row_html, re.DOTALL).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", inner).split())


def section(html, name):
    return re.search(rf'<section class="card {name}".*?</section>', html, re.DOTALL).group(0)


@pytest.fixture
def get(client, nurse):
    client.force_login(nurse)

    def get(**query):
        return client.get(reverse("dashboard"), query).content.decode()

    return get


def test_a_row_shows_patient_product_day_level_categories_reasons_who_and_time_open(team, get):
    carer = UserFactory(first_name="Robin", last_name="Hart")
    flag = flag_for(
        team,
        URGENT_NOW,
        category="INFECTION",
        why="temperature 38.6 °C with chills",
        ago=timedelta(hours=2, minutes=5),
        reported_by=carer,
        context={"product": "CAR-T", "days_since_infusion": 9},
    )
    html = row(get(), flag)
    assert flag.patient.name in html
    assert "CAR-T · day 9" in html
    assert "Urgent now" in html
    assert '<li class="tag">Infection</li>' in html
    assert "temperature 38.6 °C with chills" in html
    assert cell(html, "who") == "Answered by Carer: Robin Hart"
    assert "2\xa0hours, 5\xa0minutes" in html
    patient_flag = flag_for(team, URGENT_TODAY)
    assert cell(row(get(), patient_flag), "who") == "Answered by Patient"


def test_emergency_then_urgent_now_then_urgent_today_oldest_first_open_or_acknowledged(
    team, nurse, get
):
    today_old = flag_for(team, URGENT_TODAY, ago=timedelta(hours=5))
    now_new = flag_for(team, URGENT_NOW, ago=timedelta(minutes=2))
    now_old = acknowledged(flag_for(team, URGENT_NOW, ago=timedelta(minutes=40)), nurse)
    emergency = flag_for(team, EMERGENCY, ago=timedelta(minutes=1))
    resolved = flag_for(team, EMERGENCY, ago=timedelta(hours=1))
    flags.resolve(resolved, nurse, Flag.Outcome.PHONE)
    assert rows(get()) == [emergency.pk, now_old.pk, now_new.pk, today_old.pk]


@pytest.fixture
def world(team, nurse):
    other_team = CareTeamFactory(name="Lymphoma")
    other_team.nurses.add(nurse)
    return {
        "emergency": flag_for(team, EMERGENCY, category="NEUROTOXICITY"),
        "now_crs": acknowledged(flag_for(team, URGENT_NOW, category="CRS"), nurse),
        "now_infection": flag_for(other_team, URGENT_NOW, category="INFECTION"),
        "today": flag_for(other_team, URGENT_TODAY, category="CRS"),
        "other_team": other_team,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"level": "4"}, ["emergency"]),
        ({"level": "3"}, ["now_crs", "now_infection"]),
        ({"category": "CRS"}, ["now_crs", "today"]),
        ({"category": "NEUROTOXICITY"}, ["emergency"]),
        ({"status": "open"}, ["emergency", "now_infection", "today"]),
        ({"status": "acknowledged"}, ["now_crs"]),
        ({"level": "3", "category": "INFECTION"}, ["now_infection"]),
        ({"level": "nonsense"}, ["emergency", "now_crs", "now_infection", "today"]),
    ],
)
def test_each_filter_narrows_the_list(world, get, query, expected):
    assert rows(get(**query)) == [world[name].pk for name in expected]


def test_the_care_team_filter_narrows_the_flags_and_the_missed_check_ins(world, get):
    quiet = car_t_patient(team=world["other_team"], user__first_name="Quentin")
    html = get(team=world["other_team"].pk)
    assert rows(html) == [world["now_infection"].pk, world["today"].pk]
    assert quiet.name in section(html, "missed")
    assert world["emergency"].patient.name not in section(html, "missed")


def test_the_filters_are_a_get_form_in_the_url_and_are_kept_by_the_refresh(world, get):
    html = get(level="3", status="open")
    form = re.search(r'<form class="filters card"[^>]*>', html).group(0)
    assert 'method="get"' in form
    assert f'action="{reverse("dashboard")}"' in form
    assert 'hx-push-url="true"' in form
    assert re.search(r'<option value="3" selected>', html)
    region = re.search(r'<div id="worklist"[^>]*>', html).group(0)
    assert 'hx-trigger="every 30s"' in region
    assert f'hx-get="{reverse("dashboard")}?level=3&amp;status=open"' in region


def test_counts_per_level_follow_the_other_filters_but_not_the_level(world, get):
    def counts(html):
        found = re.findall(r'count-(\w+)[^"]*" href.*?count-number">(\d+)<', html, re.DOTALL)
        return {name: int(n) for name, n in found}

    assert counts(get()) == {"emergency": 1, "urgent_now": 2, "urgent_today": 1}
    assert counts(get(level="3")) == {"emergency": 1, "urgent_now": 2, "urgent_today": 1}
    assert counts(get(category="CRS")) == {"emergency": 0, "urgent_now": 1, "urgent_today": 1}
    assert counts(get(status="open")) == {"emergency": 1, "urgent_now": 1, "urgent_today": 1}


def test_the_count_links_choose_a_level_and_keep_the_other_filters(world, get):
    html = get(category="CRS")
    assert 'href="?category=CRS&amp;level=4"' in html


@pytest.mark.parametrize(
    ("level", "waiting", "overdue"),
    [
        (EMERGENCY, timedelta(minutes=14), False),
        (EMERGENCY, timedelta(minutes=16), True),
        (URGENT_NOW, timedelta(minutes=59), False),
        (URGENT_NOW, timedelta(minutes=61), True),
        (URGENT_TODAY, timedelta(hours=23), False),
        (URGENT_TODAY, timedelta(hours=25), True),
    ],
)
def test_an_open_flag_past_the_team_response_target_is_marked_overdue(
    team, get, level, waiting, overdue
):
    with time_machine.travel(datetime(2026, 5, 4, 9, 0, tzinfo=UTC), tick=False):
        flag = flag_for(team, level, ago=timedelta(0))
    with time_machine.travel(datetime(2026, 5, 4, 9, 0, tzinfo=UTC) + waiting, tick=False):
        html = row(get(), flag)
    assert ("Overdue" in html) is overdue
    assert (" overdue" in re.match(r"<tr[^>]*>", html).group(0)) is overdue


def test_an_acknowledged_flag_is_not_overdue(team, nurse, get):
    flag = acknowledged(flag_for(team, EMERGENCY, ago=timedelta(hours=3)), nurse)
    assert "Overdue" not in row(get(), flag)


def test_each_team_sets_its_own_response_target(get, nurse):
    strict = CareTeamFactory(emergency_target=timedelta(minutes=5))
    strict.nurses.add(nurse)
    flag = flag_for(strict, EMERGENCY, ago=timedelta(minutes=6))
    assert "Overdue" in row(get(), flag)


def test_a_raised_flag_waits_from_the_moment_it_was_raised(team, get):
    flag = flag_for(team, URGENT_TODAY, ago=timedelta(days=2))
    raised_at = timezone.now() - timedelta(minutes=5)
    Flag.objects.filter(pk=flag.pk).update(level=EMERGENCY)
    FlagEvent.objects.create(flag=flag, action="raised", at=raised_at, level=EMERGENCY)
    assert "Overdue" not in row(get(), flag)
    with time_machine.travel(timedelta(minutes=11)):
        assert "Overdue" in row(get(), flag)


def test_the_refresh_asks_for_the_list_region_only_and_leaves_open_forms_in_place(
    team, client, nurse
):
    flag = flag_for(team, URGENT_NOW)
    client.force_login(nurse)
    headers = {"HX-Request": "true", "HX-Target": "worklist"}
    html = client.get(reverse("dashboard"), {"level": "3"}, headers=headers).content.decode()
    assert html.lstrip().startswith('<div id="worklist"')
    assert "<html" not in html
    assert 'class="filters' not in html
    assert rows(html) == [flag.pk]
    # htmx keeps the element on the page in place of the new one, so an open form, its typed
    # note and its focus survive the refresh, a new report too (sending it then shows the new one).
    slot = re.search(r'<div class="resolve-slot"[^>]*>', html).group(0)
    assert f'id="resolve-{flag.pk}"' in slot
    assert "hx-preserve" in slot
    # A refresh gives way to a nurse's action: it is dropped, or cut short, while one is sent.
    assert 'hx-sync="this:abort"' in html
    assert html.count('hx-sync="#worklist:queue all"') == 1  # acknowledge; resolve comes on opening
    opened = client.get(reverse("resolve", args=[flag.pk]), headers={"HX-Request": "true"})
    assert 'hx-sync="#worklist:queue all"' in opened.content.decode()


def test_a_row_brings_its_resolve_form_only_when_the_nurse_opens_it(team, nurse, client, get):
    flag = flag_for(team, URGENT_NOW)
    html = row(get(), flag)
    assert "<form" in html  # acknowledge
    assert 'name="outcome"' not in html
    url = reverse("resolve", args=[flag.pk])
    assert f'href="{url}"' in html
    assert f'hx-get="{url}"' in html
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<details class="resolve" open>')
    assert f'name="report" value="{flag.report_id}"' in fragment
    assert "<html" not in fragment


def test_an_unchanged_refresh_answers_without_drawing_the_list(team, nurse, client):
    flag_for(team, URGENT_NOW)
    client.force_login(nurse)
    poll = {"HX-Request": "true", "HX-Target": "worklist", "HX-Trigger": "worklist"}
    first = client.get(reverse("dashboard"), headers=poll)
    version = re.search(r'"X-Worklist-Version": "(\w+)"', first.content.decode()).group(1)

    unchanged = client.get(reverse("dashboard"), headers={**poll, "X-Worklist-Version": version})
    assert unchanged.status_code == 204
    assert unchanged.content == b""
    assert unchanged.templates == []  # nothing was rendered

    newcomer = flag_for(team, EMERGENCY)
    changed = client.get(reverse("dashboard"), headers={**poll, "X-Worklist-Version": version})
    assert changed.status_code == 200
    assert newcomer.pk in rows(changed.content.decode())
    # An acknowledgement by a colleague changes the list too.
    again = re.search(r'"X-Worklist-Version": "(\w+)"', changed.content.decode()).group(1)
    flags.acknowledge(newcomer, nurse_of(team))
    acknowledged = client.get(reverse("dashboard"), headers={**poll, "X-Worklist-Version": again})
    assert acknowledged.status_code == 200
    assert "Acknowledged by" in row(acknowledged.content.decode(), newcomer)


def test_a_refresh_draws_the_list_again_when_a_flag_becomes_overdue(team, nurse, client):
    flag = flag_for(team, EMERGENCY)
    client.force_login(nurse)
    poll = {"HX-Request": "true", "HX-Target": "worklist", "HX-Trigger": "worklist"}
    with time_machine.travel(flag.opened_at + timedelta(minutes=14, seconds=1), tick=False):
        html = client.get(reverse("dashboard"), headers=poll).content.decode()
        version = re.search(r'"X-Worklist-Version": "(\w+)"', html).group(1)
    with time_machine.travel(flag.opened_at + timedelta(minutes=15, seconds=1), tick=False):
        later = client.get(reverse("dashboard"), headers={**poll, "X-Worklist-Version": version})
    assert later.status_code == 200
    assert "Overdue" in row(later.content.decode(), flag)


def test_the_resolve_form_works_without_javascript(team, nurse, client, get):
    flag = flag_for(team, URGENT_NOW)
    assert f'href="{reverse("resolve", args=[flag.pk])}"' in row(get(), flag)
    html = client.get(reverse("resolve", args=[flag.pk])).content.decode()
    assert "<html" in html
    assert f'method="post" action="{reverse("resolve", args=[flag.pk])}"' in html
    for outcome in Flag.Outcome:
        assert f'value="{outcome.value}"' in html
    assert f'name="report" value="{flag.report_id}"' in html


# The missed check-in panel: monitored patients of the nurse's teams with no check-in today.


def test_the_missed_check_in_panel_lists_only_monitored_patients_without_a_check_in_today(
    team, get
):
    silent = car_t_patient(team=team, user__first_name="Silent")
    checked_in = car_t_patient(team=team, user__first_name="Reported")
    ReportFactory(patient=checked_in, triage=Level.NONE, findings=[])
    paused = car_t_patient(team=team, monitoring=Patient.Monitoring.PAUSED)
    ended = car_t_patient(team=team, monitoring=Patient.Monitoring.ENDED)
    not_yet_infused = Patient.objects.create(user=UserFactory(), care_team=team)
    infusion_next_week = car_t_patient(team=team, day=-7)
    elsewhere = car_t_patient(team=CareTeamFactory())
    yesterday = car_t_patient(team=team, user__first_name="Yesterday")
    ReportFactory(patient=yesterday, submitted_at=timezone.now() - timedelta(days=1, hours=1))

    html = section(get(), "missed")
    assert silent.name in html
    assert yesterday.name in html
    assert "last check-in 1\xa0day" in html
    assert "no check-in yet" in html
    for patient in [checked_in, paused, ended, not_yet_infused, infusion_next_week, elsewhere]:
        assert patient.name not in html
    assert "2 patients" in html


@pytest.mark.parametrize(
    ("zone", "reported_at", "listed"),
    [
        # 16:00 UTC on 1 March is 01:00 on 2 March in Tokyo and 08:00 on 1 March in Los Angeles.
        ("Asia/Tokyo", datetime(2026, 3, 1, 15, 30, tzinfo=UTC), False),  # 00:30 on 2 March
        ("Asia/Tokyo", datetime(2026, 3, 1, 14, 30, tzinfo=UTC), True),  # 23:30 on 1 March
        ("America/Los_Angeles", datetime(2026, 3, 1, 8, 30, tzinfo=UTC), False),  # 00:30
        ("America/Los_Angeles", datetime(2026, 3, 1, 7, 30, tzinfo=UTC), True),  # 23:30 before
    ],
)
def test_today_is_the_care_team_day_in_its_own_time_zone(client, zone, reported_at, listed):
    with time_machine.travel(datetime(2026, 3, 1, 16, 0, tzinfo=UTC), tick=False):
        team = CareTeamFactory(time_zone=zone)
        patient = car_t_patient(team=team)
        ReportFactory(patient=patient, submitted_at=reported_at)
        client.force_login(nurse_of(team))
        html = section(client.get(reverse("dashboard")).content.decode(), "missed")
    assert (patient.name in html) is listed


def test_a_nurse_of_two_teams_in_two_time_zones_sees_each_by_its_own_day(client):
    with time_machine.travel(datetime(2026, 3, 1, 16, 0, tzinfo=UTC), tick=False):
        tokyo, london = CareTeamFactory(time_zone="Asia/Tokyo"), CareTeamFactory()
        nurse = nurse_of(tokyo)
        london.nurses.add(nurse)
        # Both checked in at 10:00 UTC: yesterday in Tokyo (already 2 March), today in London.
        in_tokyo, in_london = car_t_patient(team=tokyo), car_t_patient(team=london)
        for patient in [in_tokyo, in_london]:
            ReportFactory(patient=patient, submitted_at=datetime(2026, 3, 1, 10, tzinfo=UTC))
        client.force_login(nurse)
        html = section(client.get(reverse("dashboard")).content.decode(), "missed")
    assert in_tokyo.name in html
    assert in_london.name not in html


# The number of queries does not grow with the data.


def fill(team, nurse, n):
    carer = UserFactory()
    levels = [EMERGENCY, URGENT_NOW, URGENT_TODAY]
    for i in range(n):
        flag = flag_for(team, levels[i % 3], **({"reported_by": carer} if i % 2 else {}))
        if i % 4 == 0:
            flags.acknowledge(flag, nurse)
        car_t_patient(team=team)  # monitored, no check-in today
    for _ in range(3):
        flags.resolve(flag_for(team, URGENT_NOW), nurse, Flag.Outcome.PHONE)


def test_the_dashboard_makes_the_same_number_of_queries_for_5_and_500_patients(client):
    small, large = CareTeamFactory(), CareTeamFactory()
    nurse_small, nurse_large = nurse_of(small), nurse_of(large)
    fill(small, nurse_small, 5)
    fill(large, nurse_large, 500)

    def reads(**query):
        """The page and the queries it made, the session's own (written once a minute) aside."""
        with CaptureQueriesContext(connection) as made:
            html = client.get(reverse("dashboard"), query).content.decode()
        session = ("django_session", "SAVEPOINT")  # its write, in a savepoint in tests
        return html, [q for q in made.captured_queries if not any(w in q["sql"] for w in session)]

    client.force_login(nurse_small)
    html, few = reads(status="open")
    assert len(rows(html)) == 3

    client.force_login(nurse_large)
    html, many = reads(status="open")
    assert len(many) == len(few)
    # Every level's whole count; the most urgent 50 rows, then a page at a time.
    assert len(rows(html)) == 50
    assert "Flags 1 to 50 of 375" in html
    assert (
        sum(int(n) for n in re.findall(r'<strong class="count-number">(\d+)</strong>', html)) == 375
    )
    # The panel counts them all and lists a page at a time.
    assert "(500 patients)" in section(html, "missed")
    assert section(html, "missed").count("<li>") == 20
    assert "Page 1 of 25" in section(html, "missed")
    html, last_page = reads(status="open", missed=25)
    assert len(last_page) == len(few)
    assert section(html, "missed").count("<li>") == 20


# What changed since the nurse last looked.


def test_a_less_urgent_later_report_does_not_hide_why_the_flag_is_an_emergency(team, get):
    patient = car_t_patient(team=team)

    def record(answers):
        checkins.record_report(patient=patient, reported_by=patient.user, answers=answers)

    record({"seizure": True})
    record({"temperature_c": 38.6})
    flag = Flag.objects.get(patient=patient)
    assert flag.level == EMERGENCY
    html = row(get(), flag)
    seizure, fever = html.index("seizure"), html.index("38.6")
    assert seizure < html.index("Latest check-in at") < fever
    assert "NEU-" in html and "CRS-01" in html
    assert "Neurotoxicity" in html  # the category filter and tags keep the emergency's category


def test_the_category_filter_finds_a_flag_by_the_check_in_that_set_its_level(team, get):
    patient = car_t_patient(team=team)
    for answers in ({"seizure": True}, {"temperature_c": 38.6}):
        checkins.record_report(patient=patient, reported_by=patient.user, answers=answers)
    flag = Flag.objects.get(patient=patient)
    assert len(rows(get(category="NEUROTOXICITY"))) == 1
    assert flag.level_report.triage == EMERGENCY


def test_a_check_in_that_joins_after_acknowledging_is_pointed_out(team, nurse, get):
    patient = car_t_patient(team=team)
    checkins.record_report(
        patient=patient, reported_by=patient.user, answers={"temperature_c": 38.6}
    )
    flag = Flag.objects.get(patient=patient)
    flags.acknowledge(flag, nurse)
    assert "after it was acknowledged" not in row(get(), flag)
    with time_machine.travel(timedelta(minutes=10)):
        checkins.record_report(
            patient=patient, reported_by=patient.user, answers={"temperature_c": 38.9}
        )
        html = row(get(), flag)
    assert "Acknowledged by Sam Lee" in html
    assert "after it was acknowledged" in html


def test_a_care_team_filter_for_someone_else_s_team_shows_nothing_of_theirs(world, get):
    stranger = flag_for(CareTeamFactory(), EMERGENCY)
    html = get(team=stranger.patient.care_team.pk)
    assert stranger.pk not in rows(html)
    assert len(rows(html)) == 4
