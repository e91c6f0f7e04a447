"""The nurse's patient timeline: charts with the rule lines, the symptom grid, findings, flags,
the therapy context; only for the patient's own care team; a fixed number of queries."""

import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from symptoms.rules import RULESET_VERSION, THRESHOLDS
from tests.factories import (
    USUAL_ANSWERS,
    CareTeamFactory,
    InfusionFactory,
    PatientFactory,
    PreferencesFactory,
    ReportFactory,
    UserFactory,
    car_t_patient,
    nurse_of,
    resolve_flag,
)
from tracker import charts, course, flags
from tracker.checkins import record_report
from tracker.course import (
    Clock,
    cell,
    day_span,
    is_abnormal,
    symptom_grid,
    systolic_lines,
)
from tracker.models import Flag, FlagEvent, Infusion, Patient, Report

pytestmark = pytest.mark.django_db

NURSE_NOTE = "Called back, advised paracetamol and review tomorrow"


@pytest.fixture
def world():
    team = CareTeamFactory()
    nurse = nurse_of(team, first_name="Jordan", last_name="Lee")
    patient = car_t_patient(day=4, team=team, user__first_name="Alex", user__last_name="Rivera")
    patient.baseline = {"systolic_bp": 124, "spo2": 97}
    patient.labs = {"anc": 0.4, "platelets": 35}
    patient.neutropenia_expected = True
    patient.save()
    carer = UserFactory(first_name="Sam", last_name="Okafor")
    patient.carers.add(carer)
    now = timezone.now()
    record_report(
        patient=patient,
        reported_by=patient.user,
        answers={**USUAL_ANSWERS, "systolic_bp": 118, "diastolic_bp": 74, "heart_rate": 88},
        at=now - timedelta(days=2),
    )
    fever = record_report(
        patient=patient,
        reported_by=carer,
        answers={**USUAL_ANSWERS, "temperature_c": 38.7, "chills": "rigors", "spo2": 95},
        at=team.days_back(now, 0, timedelta(hours=6)),  # on day 4 at any hour
    )
    flag = Flag.objects.get(patient=patient)
    with time_machine.travel(fever.submitted_at + (now - fever.submitted_at) / 6, tick=False):
        flags.acknowledge(flag, nurse)
    resolve_flag(flag, by=nurse, outcome=Flag.Outcome.PHONE, note=NURSE_NOTE)
    return {"team": team, "nurse": nurse, "patient": patient, "fever": fever, "flag": flag}


def timeline(client, user, patient):
    client.force_login(user)
    response = client.get(reverse("timeline", args=[patient.pk]))
    return response, response.content.decode()


def test_the_timeline_shows_each_finding_with_rule_sources_and_rule_set(client, world):
    """The sentence is the nurse's; the engine's reason, grade and sources stay as its detail."""
    response, html = timeline(client, world["nurse"], world["patient"])
    assert response.status_code == 200
    (finding, *_) = world["fever"].findings
    assert finding["rule"] == "CRS-01"
    assert f'href="{reverse("rules")}#CRS-01">CRS-01</a>' in html
    assert "Temperature 38.7 °C (≥ 38.0), Chills: rigors on day 4 after CAR-T" in html
    assert finding["why"] in html
    assert finding["grade"] in html
    assert ", ".join(finding["sources"]) in html
    assert RULESET_VERSION in html
    assert "answered by Sam Okafor (carer)" in html
    assert "answered by Alex Rivera" in html


def test_opening_a_timeline_is_logged_and_a_refused_attempt_is_not(client, world):
    other_nurse = nurse_of(CareTeamFactory())
    refused, _html = timeline(client, other_nurse, world["patient"])
    response, _html = timeline(client, world["nurse"], world["patient"])
    assert (refused.status_code, response.status_code) == (404, 200)
    opened = list(world["patient"].timeline_accesses.values_list("nurse", flat=True))
    assert opened == [world["nurse"].pk]


def test_the_timeline_shows_the_flag_history_with_who_when_outcome_and_note(client, world):
    _response, html = timeline(client, world["nurse"], world["patient"])
    assert f'id="flag-history-{world["flag"].pk}"' in html
    for step in ["opened", "acknowledged", "resolved"]:
        assert f"<td>{step}" in html
    assert "Jordan Lee" in html
    assert "phone assessment" in html
    assert NURSE_NOTE in html


def test_the_charts_draw_every_rule_threshold_from_the_rule_table(client, world):
    _response, html = timeline(client, world["nurse"], world["patient"])
    for title in ["Temperature", "Blood pressure", "Pulse", "Oxygen level"]:
        assert title in html
    assert f"fever ≥ {world['team'].fever_threshold_c}" in html
    assert f"grade 2 &gt; {THRESHOLDS['fever_grade2_c']:.1f}" in html
    assert f"grade 3 &gt; {THRESHOLDS['fever_grade3_c']:.1f}" in html
    assert f"systolic &lt; {THRESHOLDS['sbp_low']}" in html
    assert f"pulse &gt; {THRESHOLDS['hr_high']}" in html
    assert f"≤ {THRESHOLDS['spo2_emergency']} emergency" in html
    assert f"≤ {THRESHOLDS['spo2_call']} call" in html
    assert "Diastolic" in html  # measured once, so drawn as a second line
    assert html.count("<svg") >= 4
    assert 'style="' not in html


def test_the_symptom_grid_shows_non_normal_inputs_by_day_in_words(client, world):
    _response, html = timeline(client, world["nurse"], world["patient"])
    assert '<th scope="row">Chills</th>' in html
    assert ">rigors</td>" in html
    assert '<th scope="row">Fatigue</th>' not in html  # never other than usual


def test_the_timeline_shows_the_therapy_context(client, world):
    _response, html = timeline(client, world["nurse"], world["patient"])
    assert "CAR-T" in html
    assert "CD19" in html
    assert "own cells" in html
    assert "Usual systolic blood pressure" in html
    assert "124 mmHg" in html
    assert "Neutrophils (ANC)" in html
    assert "0.4 × 10⁹/L" in html
    assert "monitoring active" in html


def test_a_nurse_of_another_team_gets_404(client, world):
    stranger = nurse_of(CareTeamFactory())
    response, _html = timeline(client, stranger, world["patient"])
    assert response.status_code == 404


def test_patients_and_carers_get_404_on_a_timeline(client, world):
    patient = world["patient"]
    response, _html = timeline(client, patient.user, patient)
    assert response.status_code == 404
    response, _html = timeline(client, patient.carers.get(), patient)
    assert response.status_code == 404


def test_a_missing_patient_is_404_too(client, world):
    response = timeline(client, world["nurse"], world["patient"])[0]
    assert response.status_code == 200
    client.force_login(world["nurse"])
    assert client.get(reverse("timeline", args=[999_999])).status_code == 404


def add_course(patient, nurse, *, reports: int, closed: int):
    """``reports`` calm daily-ish reports, then ``closed`` fever reports each with a closed flag."""
    start = timezone.now() - timedelta(days=3)
    step = timedelta(days=3) / (reports + closed + 1)
    calm = [
        ReportFactory.build(patient=patient, submitted_at=start + step * i) for i in range(reports)
    ]
    Report.objects.bulk_create(calm)
    for i in range(closed):
        at = start + step * (reports + i)
        record_report(
            patient=patient,
            reported_by=patient.user,
            answers={**USUAL_ANSWERS, "temperature_c": 38.5, "heart_rate": 125},
            at=at,
        )
        flag = Flag.objects.get(patient=patient, status=Flag.Status.OPEN)
        with time_machine.travel(at + timedelta(minutes=10), tick=False):
            flags.acknowledge(flag, nurse)
        resolve_flag(flag, by=nurse, outcome=Flag.Outcome.CLINIC, note=f"note {i}", at=at)


def test_the_timeline_runs_the_same_number_of_queries_for_5_or_500_reports(
    client, django_assert_num_queries
):
    team = CareTeamFactory()
    nurse = nurse_of(team)
    short, long = car_t_patient(day=3, team=team), car_t_patient(day=3, team=team)
    InfusionFactory(
        patient=long,
        product=Infusion.Product.DLI,
        car_target="",
        cell_source=Infusion.CellSource.ALLOGENEIC,
        given_at=timezone.now() - timedelta(days=1),
    )
    add_course(short, nurse, reports=3, closed=2)
    add_course(long, nurse, reports=495, closed=5)
    assert long.reports.count() == 500
    client.force_login(nurse)
    client.get(reverse("dashboard"))  # the session's renewal (once a minute) is written here
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("timeline", args=[short.pk])).status_code == 200
    with django_assert_num_queries(len(few)):
        response = client.get(reverse("timeline", args=[long.pk]))
    assert response.status_code == 200
    assert response.content.decode().count('class="card report-entry') == 500


def test_grid_keeps_the_worst_value_of_each_day(world):
    patient = world["patient"]
    now = timezone.now()
    morning = ReportFactory.build(
        patient=patient, answers={"chills": "rigors"}, submitted_at=now.replace(hour=9)
    )
    evening = ReportFactory.build(
        patient=patient, answers={"chills": "shivering"}, submitted_at=now.replace(hour=20)
    )
    clock = Clock.of(patient, now)
    grid = symptom_grid([morning, evening], clock, (0, clock.day(now)))
    (row,) = grid.rows
    today = grid.days.index(clock.day(now))
    assert row.cells[today].text == "rigors"
    assert row.cells[0] is None  # no report on day 0: empty, not "none"


@pytest.mark.parametrize(
    ("code", "value", "abnormal"),
    [
        ("chills", "none", False),
        ("chills", "shivering", True),
        ("confusion", False, False),
        ("confusion", True, True),
        ("respiratory_rate", 16, False),
        ("respiratory_rate", 26, True),
        ("loose_stools_24h", 0, False),
        ("loose_stools_24h", 2, True),
        ("ice_score", 10, False),
        ("ice_score", 8, True),
        ("alertness", "alert", False),
    ],
)
def test_what_counts_as_other_than_usual(code, value, abnormal):
    assert is_abnormal(code, value) is abnormal


@pytest.mark.parametrize(
    ("code", "value", "text", "rank"),
    [
        ("chills", "none", "none", 0),
        ("chills", "rigors", "rigors", 3),
        ("fatigue", "relieved_by_rest", "relieved by rest", 1),
        ("alertness", "unrousable", "cannot be woken", 3),
        ("seizure", True, "yes", 2),
        ("loose_stools_24h", 4, "4 times", 2),
    ],
)
def test_grid_cells_say_the_value_in_words_and_rank_the_worst_darkest(code, value, text, rank):
    assert (cell(code, value).text, cell(code, value).rank) == (text, rank)


def test_a_patient_without_infusions_or_check_ins_has_an_empty_timeline(client):
    team = CareTeamFactory()
    patient = PatientFactory(care_team=team)
    _response, html = timeline(client, nurse_of(team), patient)
    assert "No infusion recorded." in html
    assert "No check-ins yet." in html
    assert "No flags." in html
    assert html.count("Nothing measured yet.") == 4


def test_reports_before_a_later_infusion_sit_before_day_0_on_one_axis(world):
    patient = world["patient"]
    now = timezone.now()
    InfusionFactory(
        patient=patient,
        product=Infusion.Product.DLI,
        car_target="",
        cell_source=Infusion.CellSource.ALLOGENEIC,
        given_at=patient.care_team.days_back(now, 0, timedelta(hours=1)),
    )
    patient = Patient.objects.prefetch_related("infusions").get(pk=patient.pk)
    clock = Clock.of(patient, now)
    assert clock.day(now) == 0
    assert clock.day(world["fever"].submitted_at) <= 0
    assert clock.day(now - timedelta(days=2)) == -2


@pytest.mark.parametrize(
    ("days", "today", "since", "span"),
    [
        ([2, 3], 5, None, (0, 5)),  # the nurse's axis always shows the infusion day
        ([-4, 1], 2, None, (-4, 2)),  # reports before a later infusion
        ([30, 40], 41, 13, (30, 41)),  # a recent window long after the infusion
        ([3, 4], 5, -23, (0, 5)),  # a recent window that holds the infusion day
        ([], 2, None, (0, 2)),
    ],
)
def test_the_days_drawn(days, today, since, span):
    assert day_span(days, today, since=since) == span


def test_a_high_baseline_adds_the_30_percent_drop_line_for_systolic_pressure():
    drop = THRESHOLDS["sbp_drop_pct"]
    high = PatientFactory(baseline={"systolic_bp": 160})
    low, from_baseline = systolic_lines(high)
    assert low.value == THRESHOLDS["sbp_low"]
    assert from_baseline.value == 160 * (100 - drop) / 100
    assert from_baseline.breached(112) and not from_baseline.breached(113)
    assert f"{drop} % below baseline" in from_baseline.label
    # A baseline whose 30 % drop is under 90 adds nothing: the 90 line fires first.
    assert len(systolic_lines(PatientFactory(baseline={"systolic_bp": 120}))) == 1
    assert len(systolic_lines(PatientFactory())) == 1


def test_the_timeline_shows_the_last_14_days_and_earlier_ones_when_asked(client):
    team = CareTeamFactory()
    nurse = nurse_of(team)
    patient = car_t_patient(day=40, team=team)
    now = timezone.now()
    for days_ago, note in [(20, "a month-old worry"), (2, "a recent worry")]:
        record_report(
            patient=patient,
            reported_by=patient.user,
            answers={**USUAL_ANSWERS, "note": note},
            at=now - timedelta(days=days_ago),
        )
    client.force_login(nurse)
    url = reverse("timeline", args=[patient.pk])

    recent = client.get(url).content.decode()
    assert "a recent worry" in recent
    assert "a month-old worry" not in recent
    assert 'href="?days=28"' in recent
    assert "last 14 days" in recent

    longer = client.get(url, {"days": "28"}).content.decode()
    assert "a month-old worry" in longer
    whole = client.get(url, {"days": "all"}).content.decode()
    assert "a month-old worry" in whole
    assert client.get(url, {"days": "nonsense"}).status_code == 200


# -- Acknowledge, resolve and reopen on the timeline: the dashboard's own views and checks --------


def _timeline_flag_action(client, name: str, flag: Flag, data=None, **headers):
    return client.post(f"{reverse(name, args=[flag.pk])}?from=timeline", data or {}, **headers)


def test_the_timeline_offers_acknowledge_and_resolve_as_real_forms(client, two_teams):
    flag, nurse = two_teams["flag_a"], two_teams["nurse_x"]
    client.force_login(nurse)
    page = client.get(reverse("timeline", args=[flag.patient_id])).content.decode()
    assert f'action="{reverse("acknowledge", args=[flag.pk])}?from=timeline"' in page
    assert f'action="{reverse("resolve", args=[flag.pk])}?from=timeline"' in page
    assert f'name="report" value="{flag.report_id}"' in page


def test_acknowledge_from_the_timeline_without_javascript_comes_back_to_the_timeline(
    client, two_teams
):
    flag, nurse = two_teams["flag_a"], two_teams["nurse_x"]
    client.force_login(nurse)
    response = _timeline_flag_action(client, "acknowledge", flag)
    timeline_url = reverse("timeline", args=[flag.patient_id])
    assert response.status_code == 302
    assert response["Location"] == f"{timeline_url}#flag-history-{flag.pk}"
    flag.refresh_from_db()
    assert flag.status == Flag.Status.ACKNOWLEDGED and flag.acknowledged_by == nurse
    page = client.get(timeline_url).content.decode()
    assert "You acknowledged the flag for" in page
    assert f'action="{reverse("acknowledge", args=[flag.pk])}?from=timeline"' not in page


def test_resolve_then_reopen_from_the_timeline_with_htmx_swap_the_flag_card(client, two_teams):
    flag, nurse = two_teams["flag_a"], two_teams["nurse_x"]
    client.force_login(nurse)
    data = {"outcome": Flag.Outcome.PHONE, "note": NURSE_NOTE, "report": flag.report_id}
    response = _timeline_flag_action(client, "resolve", flag, data, HTTP_HX_REQUEST="true")
    card = response.content.decode()
    assert response.status_code == 200
    assert card.lstrip().startswith('<article class="card flag-history')
    assert f'id="flag-history-{flag.pk}"' in card and NURSE_NOTE in card
    assert f'action="{reverse("reopen", args=[flag.pk])}?from=timeline"' in card
    assert Flag.objects.get(pk=flag.pk).status == Flag.Status.RESOLVED

    card = _timeline_flag_action(client, "reopen", flag, HTTP_HX_REQUEST="true").content.decode()
    assert f'action="{reverse("acknowledge", args=[flag.pk])}?from=timeline"' in card
    assert Flag.objects.get(pk=flag.pk).status == Flag.Status.OPEN


def test_a_resolve_without_an_outcome_from_the_timeline_asks_again_and_keeps_the_note(
    client, two_teams
):
    flag, nurse = two_teams["flag_a"], two_teams["nurse_x"]
    client.force_login(nurse)
    data = {"note": NURSE_NOTE, "report": flag.report_id}
    card = _timeline_flag_action(client, "resolve", flag, data, HTTP_HX_REQUEST="true")
    assert "Please choose what happened." in card.content.decode()
    assert NURSE_NOTE in card.content.decode()
    page = _timeline_flag_action(client, "resolve", flag, data)
    assert page.status_code == 200 and "Please choose what happened." in page.content.decode()
    assert Flag.objects.get(pk=flag.pk).status == Flag.Status.OPEN


def test_a_nurse_of_another_team_cannot_act_on_the_flag_from_the_timeline(client, two_teams):
    flag = two_teams["flag_a"]
    client.force_login(two_teams["nurse_y"])
    for name in ("acknowledge", "resolve", "reopen"):
        data = {"outcome": Flag.Outcome.PHONE, "report": flag.report_id}
        assert _timeline_flag_action(client, name, flag, data).status_code == 404
    assert Flag.objects.get(pk=flag.pk).status == Flag.Status.OPEN


def test_a_second_acknowledge_from_the_timeline_says_who_was_first(client, two_teams):
    flag, nurse = two_teams["flag_a"], two_teams["nurse_x"]
    flags.acknowledge(flag, nurse_of(flag.patient.care_team, first_name="Kim"))
    client.force_login(nurse)
    card = _timeline_flag_action(client, "acknowledge", flag, HTTP_HX_REQUEST="true")
    assert "Kim" in card.content.decode() and "had already acknowledged" in card.content.decode()


def test_the_dashboard_and_timeline_mark_an_acknowledged_flag_unresolved_too_long(
    client, two_teams
):
    flag, nurse = two_teams["flag_a"], two_teams["nurse_x"]
    flags.acknowledge(flag, nurse)
    acknowledged = Flag.objects.filter(pk=flag.pk)
    client.force_login(nurse)
    timeline_url = reverse("timeline", args=[flag.patient_id])
    assert "Not resolved in time" not in client.get(reverse("dashboard")).content.decode()
    acknowledged.update(acknowledged_at=timezone.now() - timedelta(hours=8))  # urgent now: 8 h
    assert "Not resolved in time" in client.get(reverse("dashboard")).content.decode()
    assert "Not resolved in time" in client.get(timeline_url).content.decode()


def test_a_new_check_in_after_acknowledgement_is_marked_on_the_timeline(client, two_teams):
    flag, nurse = two_teams["flag_a"], two_teams["nurse_x"]
    flags.acknowledge(flag, nurse)
    record_report(
        patient=flag.patient,
        reported_by=flag.patient.user,
        answers={"temperature_c": 38.6},
        at=timezone.now() + timedelta(minutes=30),
    )
    client.force_login(nurse)
    page = client.get(reverse("timeline", args=[flag.patient_id])).content.decode()
    assert "after it was acknowledged" in page


def test_the_timeline_links_the_patients_phone_and_names_the_carers(client, two_teams):
    patient, nurse = two_teams["patient_a"], two_teams["nurse_x"]
    patient.phone = "+44 7700 900123"
    patient.save()
    patient.carers.add(
        UserFactory(first_name="Robin", last_name="Rivera", email="robin@example.org")
    )
    client.force_login(nurse)
    page = client.get(reverse("timeline", args=[patient.pk])).content.decode()
    assert '<a href="tel:+447700900123">+44 7700 900123</a>' in page
    assert "Robin Rivera" in page and 'href="mailto:robin@example.org"' in page


def test_patient_pages_show_the_team_phone_readably_and_dial_it_exactly(client, patient):
    patient.care_team.phone_24h = "+442079460000"
    patient.care_team.save()
    client.force_login(patient.user)
    page = client.get(reverse("checkin")).content.decode()
    number = '<span class="phone-number">+44 20 7946 0000</span>'  # kept on one line
    assert f'<a href="tel:+442079460000">{number}</a>' in page
    copy = client.get(reverse("history_copy")).content.decode()
    assert "+44 20 7946 0000" in copy


# -- Kept parts: a chart, the symptom grid, a check-in card or a flag's steps is drawn once and kept
# under everything it shows; what a nurse sees is always what drawing it afresh would show ---------


def without_tokens(html: str) -> str:
    """The page without what changes with every request (the CSRF tokens, the CSP nonces)."""
    return re.sub(r'(csrfmiddlewaretoken" value=|"X-CSRFToken": |nonce=)"[^"]+"', r"\1", html)


@pytest.fixture
def still(world):
    """The clock stands still, so two pages differ only by what the test changes."""
    with time_machine.travel(timezone.now(), tick=False):
        yield world


def test_a_kept_timeline_is_the_one_drawn_afresh_and_nothing_is_drawn_twice(
    client, still, monkeypatch
):
    drawn = Counter()

    def counted(name, function):
        def wrapper(*args, **kwargs):
            drawn[name] += 1
            return function(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(charts, "line_chart", counted("charts", charts.line_chart))
    monkeypatch.setattr(course, "answer_list", counted("cards", course.answer_list))
    step_words = counted("steps", FlagEvent.get_action_display)
    monkeypatch.setattr(FlagEvent, "get_action_display", step_words)
    cache.clear()
    fresh = timeline(client, still["nurse"], still["patient"])[1]
    steps = still["flag"].events.count()
    assert drawn == {"charts": 4, "cards": 2, "steps": steps}

    drawn.clear()
    kept = timeline(client, still["nurse"], still["patient"])[1]
    assert without_tokens(kept) == without_tokens(fresh)
    assert not drawn


def rename_the_carer(world):
    world["patient"].carers.update(first_name="Samuel")
    return "answered by Samuel Okafor (carer)"


def rename_the_nurse(world):
    type(world["nurse"]).objects.filter(pk=world["nurse"].pk).update(first_name="Jo")
    return "<td>Jo Lee</td>"


def move_the_check_in(world):
    """An administrator corrects when the fever check-in was sent (the admin allows it)."""
    fever = Report.objects.filter(pk=world["fever"].pk)
    fever.update(submitted_at=F("submitted_at") - timedelta(hours=26))
    return f'datetime="{fever.get().submitted_at.isoformat()}"'


def store_other_findings(world):
    findings = [{**f, "why": "a corrected reason"} for f in world["fever"].findings]
    Report.objects.filter(pk=world["fever"].pk).update(findings=findings)
    return "a corrected reason"


def move_the_team(world):
    world["team"].time_zone = "America/New_York"
    world["team"].save()
    return "times in America/New_York"


def give_a_later_infusion(world):
    InfusionFactory(
        patient=world["patient"],
        product=Infusion.Product.DLI,
        car_target="",
        cell_source=Infusion.CellSource.ALLOGENEIC,
        given_at=timezone.now() - timedelta(days=1),
    )
    return "donor lymphocyte infusion</text>"  # the new day 0 marked on the charts


def lower_the_fever_line(world):
    world["team"].fever_threshold_c = Decimal("37.8")
    world["team"].save()
    return "fever ≥ 37.8"


def raise_the_usual_blood_pressure(world):
    world["patient"].baseline = {**world["patient"].baseline, "systolic_bp": 170}
    world["patient"].save()
    return "% below baseline"


def reopen_the_flag(world):
    flags.reopen(world["flag"], world["nurse"])
    return "<td>reopened"


def read_it_in_spanish(world):
    PreferencesFactory(user=world["nurse"], language="es")
    return "Síntomas por día"


@pytest.mark.parametrize(
    "change",
    [
        rename_the_carer,
        rename_the_nurse,
        move_the_check_in,
        store_other_findings,
        move_the_team,
        give_a_later_infusion,
        lower_the_fever_line,
        raise_the_usual_blood_pressure,
        reopen_the_flag,
        read_it_in_spanish,
    ],
)
def test_a_kept_part_is_drawn_again_when_anything_it_shows_changes(client, still, change):
    cache.clear()
    before = without_tokens(timeline(client, still["nurse"], still["patient"])[1])
    shown = change(still)
    kept = without_tokens(timeline(client, still["nurse"], still["patient"])[1])
    cache.clear()
    fresh = without_tokens(timeline(client, still["nurse"], still["patient"])[1])
    translation.activate(settings.LANGUAGE_CODE)  # a Spanish page leaves Spanish active
    assert shown in kept and shown not in before
    assert kept == fresh
