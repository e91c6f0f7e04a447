"""A patient's course over the days since the infusion, for the patient's history page and the
nurse's timeline: the reads (a fixed number of queries however long the course), the vital-sign
charts with the rule thresholds, the grid of symptoms by day, and what the care team did.

Day 0 is the calendar day of the patient's most recent infusion in the care team's time zone (as
in ``Patient.days_since``), so reports before a later infusion get negative days on one axis.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import FETCH_RAISE, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from symptoms.catalogue import BASELINE, INPUTS, LABS, is_worse, severity
from symptoms.describe import NAMES, answer_words, is_abnormal, value_text
from symptoms.explain import advice_for, number_text
from symptoms.rules import THRESHOLDS
from tracker import charts
from tracker.models import (
    Flag,
    FlagEvent,
    FlagQuerySet,
    NurseNote,
    Patient,
    PatientQuerySet,
    Report,
    display_name,
)

# How far back the patient's own history page goes.
HISTORY_DAYS = 28

# A flag's outcome as the patient hears it.
PLAIN_OUTCOMES = {
    Flag.Outcome.SELF_CARE: gettext_lazy("advice on looking after yourself at home"),
    Flag.Outcome.PHONE: gettext_lazy("a phone call with a nurse"),
    Flag.Outcome.CLINIC: gettext_lazy("a visit to the clinic the same day"),
    Flag.Outcome.EMERGENCY_DEPARTMENT: gettext_lazy("a visit to the emergency department"),
    Flag.Outcome.ADMITTED: gettext_lazy("a stay in hospital"),
    Flag.Outcome.NO_ACTION: gettext_lazy("no action was needed"),
}

# The vital signs drawn as charts; the symptom grid leaves them out, and free text too.
CHARTED = frozenset({"temperature_c", "systolic_bp", "diastolic_bp", "heart_rate", "spo2"})


# -- reads -----------------------------------------------------------------------------------------


def with_course(patients: PatientQuerySet) -> PatientQuerySet:
    """The patient rows a course needs, in one query plus one for the infusions."""
    return (
        patients.select_related("user", "care_team")
        .prefetch_related("infusions")
        .fetch_mode(FETCH_RAISE)
    )


def reports_of(patient: Patient, since: datetime | None = None) -> list[Report]:
    reports = patient.reports.select_related("reported_by").fetch_mode(FETCH_RAISE)
    if since is not None:
        reports = reports.filter(submitted_at__gte=since)
    return list(reports.order_by("submitted_at", "pk"))


# The latest report's columns a flag card never reads (its answers and findings are on the
# check-in's own card).
LATEST_REPORT_UNREAD = (
    "report__answers",
    "report__context",
    "report__findings",
    "report__unanswered",
)


def _with_events(flags: FlagQuerySet) -> FlagQuerySet:
    events = FlagEvent.objects.select_related("by").fetch_mode(FETCH_RAISE)
    return flags.prefetch_related(Prefetch("events", queryset=events)).fetch_mode(FETCH_RAISE)


def flag_histories() -> FlagQuerySet:
    """Flags with what the timeline's flag cards show: every step and who took it, and when the
    latest check-in came (only its time: the cards show no answers or findings)."""
    return _with_events(
        Flag.objects.select_related("report", "patient__care_team").defer(*LATEST_REPORT_UNREAD)
    )


def flag_cards_of(patient: Patient) -> list[Flag]:
    """The patient's flags for the timeline's cards, newest first (the patient and care team
    are the ones already read, not joined again)."""
    flags = list(
        _with_events(Flag.objects.select_related("report").defer(*LATEST_REPORT_UNREAD))
        .filter(patient=patient)
        .order_by("-opened_at")
    )
    for flag in flags:
        flag.patient = patient
    return flags


def flags_of(patient: Patient) -> list[Flag]:
    """The patient's flags with who acknowledged and resolved them and both reports (the printed
    summary and the FHIR export read the findings)."""
    return list(
        _with_events(
            Flag.objects.select_related(
                "acknowledged_by", "resolved_by", "report", "level_report", "patient__care_team"
            )
        )
        .filter(patient=patient)
        .order_by("-opened_at")
    )


def notes_of(patient: Patient) -> list[NurseNote]:
    """The nurses' notes on the record, newest first (for the care team only)."""
    notes = NurseNote.objects.filter(patient=patient).select_related("author")
    return list(notes.fetch_mode(FETCH_RAISE))


def events_of(patient: Patient, since: datetime) -> list[FlagEvent]:
    return list(
        FlagEvent.objects.filter(flag__patient=patient, at__gte=since)
        .order_by("at", "pk")
        .fetch_mode(FETCH_RAISE)
    )


# -- days since the infusion -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Clock:
    """Places moments on the axis of days since the infusion, in the care team's time zone."""

    zone: ZoneInfo
    day_zero: date | None

    @classmethod
    def of(cls, patient: Patient, now: datetime) -> Clock:
        given = patient.infusions_given(now)
        zone = patient.care_team.zone
        return cls(zone, given[0].given_at.astimezone(zone).date() if given else None)

    def x(self, at: datetime, fallback_day: int | None = None) -> float:
        """Days since day 0 with the time of day as the fraction (18:00 on day 3 is 3.75)."""
        local = at.astimezone(self.zone)
        fraction = (local.hour * 3600 + local.minute * 60 + local.second) / 86400
        if self.day_zero is None:
            return (fallback_day or 0) + fraction
        return (local.date() - self.day_zero).days + fraction

    def day(self, at: datetime, fallback_day: int | None = None) -> int:
        return math.floor(self.x(at, fallback_day))

    def label(self, at: datetime, fallback_day: int | None = None) -> str:
        local = at.astimezone(self.zone)
        return _("day %(day)s, %(time)s") % {
            "day": self.day(at, fallback_day),
            "time": f"{local:%H:%M}",
        }


def day_span(days: Iterable[int], today: int, *, since: int | None = None) -> tuple[int, int]:
    """The first and last day to draw: every report's day, today, and day 0 unless the drawing
    starts later (``since``, the first day of a recent window)."""
    days = [*days, today]
    first, last = min(days), max(days)
    if since is None or since <= 0:
        first = min(first, 0)
    return first, last


# -- charts ----------------------------------------------------------------------------------------


def moments(reports: Sequence[Report], clock: Clock) -> list[tuple[float, str]]:
    """Each report's place on the x axis and its "day 3, 18:00" label, read once for all the
    charts of the same reports."""
    return [
        (
            clock.x(r.submitted_at, r.days_since_infusion),
            clock.label(r.submitted_at, r.days_since_infusion),
        )
        for r in reports
    ]


def readings(
    reports: Sequence[Report], code: str, at: Sequence[tuple[float, str]]
) -> list[charts.Reading]:
    """One reading per report (``at``: the reports' ``moments``); None where the report did not
    measure ``code``."""
    return [
        charts.Reading(x, r.answers.get(code), label)
        for r, (x, label) in zip(reports, at, strict=True)
    ]


def temperature_lines(patient: Patient, *, nurse: bool) -> list[charts.Threshold]:
    fever = float(patient.care_team.fever_threshold_c)

    def celsius(value: float) -> str:
        return charts.format_value(value, 1)

    if not nurse:
        return [charts.Threshold(fever, ">=", _("fever %(value)s °C") % {"value": celsius(fever)})]
    return [
        charts.Threshold(fever, ">=", _("fever ≥ %(value)s") % {"value": celsius(fever)}),
        charts.Threshold(
            THRESHOLDS["fever_grade2_c"],
            ">",
            _("grade 2 > %(value)s") % {"value": celsius(THRESHOLDS["fever_grade2_c"])},
        ),
        charts.Threshold(
            THRESHOLDS["fever_grade3_c"],
            ">",
            _("grade 3 > %(value)s") % {"value": celsius(THRESHOLDS["fever_grade3_c"])},
        ),
        charts.Threshold(
            THRESHOLDS["temp_low_c"],
            "<=",
            _("low ≤ %(value)s") % {"value": celsius(THRESHOLDS["temp_low_c"])},
        ),
    ]


def systolic_lines(patient: Patient) -> list[charts.Threshold]:
    """Systolic below ``sbp_low``, and, when the baseline puts it higher, ``sbp_drop_pct`` below
    the patient's baseline (rule D4: both count as low blood pressure)."""
    sbp = THRESHOLDS["sbp_low"]
    lines = [charts.Threshold(sbp, "<", _("systolic < %(value)d") % {"value": sbp})]
    baseline = patient.baseline.get("systolic_bp")
    if baseline:
        drop = THRESHOLDS["sbp_drop_pct"]
        value = baseline * (100 - drop) / 100
        if value >= sbp:
            label = _("%(drop)d %% below baseline (≤ %(value).0f)") % {"drop": drop, "value": value}
            lines.append(charts.Threshold(value, "<=", label))
    return lines


def markers(patient: Patient, clock: Clock) -> list[charts.Marker]:
    if clock.day_zero is None:
        return []
    return [
        charts.Marker(clock.x(i.given_at), i.get_product_display()) for i in patient.infusions.all()
    ]


def temperature_chart(
    patient: Patient,
    reports: Sequence[Report],
    clock: Clock,
    days: tuple[int, int],
    *,
    nurse: bool,
    box: charts.Box = charts.WIDE,
    at: Sequence[tuple[float, str]] | None = None,
) -> charts.Plan:
    at = moments(reports, clock) if at is None else at
    return charts.Plan(
        slug="temperature",
        title=_("Temperature"),
        unit="°C",
        series=[charts.Series(_("Temperature"), readings(reports, "temperature_c", at))],
        thresholds=temperature_lines(patient, nurse=nurse),
        days=days,
        decimals=1,
        min_span=2.5,
        markers=markers(patient, clock) if nurse else (),
        box=box,
    )


def vital_charts(
    patient: Patient, reports: Sequence[Report], clock: Clock, days: tuple[int, int]
) -> list[charts.Plan]:
    """The nurse's four charts, each with the lines the rules fire at."""
    marks = markers(patient, clock)
    at = moments(reports, clock)
    hr = THRESHOLDS["hr_high"]
    spo2_now, spo2_call = THRESHOLDS["spo2_emergency"], THRESHOLDS["spo2_call"]
    systolic = charts.Series(_("Systolic"), readings(reports, "systolic_bp", at))
    diastolic = charts.Series(
        _("Diastolic"), readings(reports, "diastolic_bp", at), style="secondary", checked=False
    )
    has_diastolic = any(r.value is not None for r in diastolic.readings)
    return [
        temperature_chart(patient, reports, clock, days, nurse=True, at=at),
        charts.Plan(
            slug="blood-pressure",
            title=_("Blood pressure"),
            unit=str(INPUTS["systolic_bp"].unit),
            series=[systolic, diastolic] if has_diastolic else [systolic],
            thresholds=systolic_lines(patient),
            days=days,
            min_span=40,
            floor=0,
            markers=marks,
        ),
        charts.Plan(
            slug="pulse",
            title=_("Pulse"),
            unit=str(INPUTS["heart_rate"].unit),
            series=[charts.Series(_("Pulse"), readings(reports, "heart_rate", at))],
            thresholds=[charts.Threshold(hr, ">", _("pulse > %(value)d") % {"value": hr})],
            days=days,
            min_span=40,
            floor=0,
            markers=marks,
        ),
        charts.Plan(
            slug="spo2",
            title=_("Oxygen level (SpO₂)"),
            unit=str(INPUTS["spo2"].unit),
            series=[charts.Series(_("SpO₂"), readings(reports, "spo2", at))],
            thresholds=[
                charts.Threshold(spo2_call, "<=", _("≤ %(value)d call") % {"value": spo2_call}),
                charts.Threshold(spo2_now, "<=", _("≤ %(value)d emergency") % {"value": spo2_now}),
            ],
            days=days,
            min_span=8,
            ceiling=100,
            markers=marks,
        ),
    ]


# -- the symptom grid ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    rank: int  # 0 as usual, 1 to 3 worse and worse (the CSS tints it; the text says it)
    title: str = ""


@dataclass(frozen=True, slots=True)
class GridRow:
    code: str
    label: str
    cells: list[Cell | None]


@dataclass(frozen=True, slots=True)
class SymptomGrid:
    days: list[int]
    rows: list[GridRow] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        """Every value of the grid as one text (``{% cache %}`` hashes it into the key)."""
        return repr(self)


def cell(code: str, value: Any) -> Cell:
    item = INPUTS[code]
    if item.kind == "choice":
        # The choices' severity spread over the three tints, so the worst choice is always the
        # darkest whether an input has three choices or five.
        rank = math.ceil(3 * severity(code, value) / (len(item.choices) - 1))
        return Cell(value_text(code, value), rank, str(item.label_for(value)))
    rank = 2 if is_abnormal(code, value) else 0
    if item.kind == "bool":
        return Cell(_("yes") if value else _("no"), rank)
    return Cell(value_text(code, value), rank)


def symptom_grid(reports: Sequence[Report], clock: Clock, days: tuple[int, int]) -> SymptomGrid:
    """Rows: inputs ever reported not as usual; columns: every day; cells: that day's worst."""
    worst: dict[tuple[str, int], Any] = {}
    ever: set[str] = set()
    for report in reports:
        day = clock.day(report.submitted_at, report.days_since_infusion)
        for code, value in report.answers.items():
            item = INPUTS.get(code)
            if (
                item is None
                or code in CHARTED
                or item.kind not in {"choice", "bool", "int", "number"}
            ):
                continue
            if is_abnormal(code, value):
                ever.add(code)
            old = worst.get((code, day))
            if old is None or is_worse(code, old, value):
                worst[(code, day)] = value
    columns = list(range(days[0], days[1] + 1))
    rows = [
        GridRow(
            code,
            str(NAMES[code]),
            [cell(code, worst[(code, d)]) if (code, d) in worst else None for d in columns],
        )
        for code in INPUTS
        if code in ever
    ]
    return SymptomGrid(columns, rows)


# -- who answered, and what the care team did ------------------------------------------------------


def answered_by(report: Report, patient: Patient, viewer=None) -> str:
    """ "you", the patient's name, or the carer's name and that they are the carer."""
    if viewer is not None and report.reported_by_id == viewer.pk:
        return _("you")
    if report.reported_by_id == patient.user_id:
        return patient.name
    who = report.reported_by
    return _("%(name)s (carer)") % {"name": display_name(who)}


@dataclass(frozen=True, slots=True)
class TeamAction:
    """One step the care team (or the system for them) took about a report, in plain words."""

    action: str
    at: datetime
    outcome: str = ""


# The steps the history page has plain words for: a report reaching the nurses, then what they did.
REPORT_STEPS = {FlagEvent.Action.OPENED, FlagEvent.Action.JOINED, FlagEvent.Action.RAISED}
TEAM_STEPS = {FlagEvent.Action.ACKNOWLEDGED, FlagEvent.Action.RESOLVED, FlagEvent.Action.REOPENED}


def team_actions(events: Iterable[FlagEvent]) -> dict[int, list[TeamAction]]:
    """For each report, what happened to its flag from the moment it joined: the nurses were
    told, a nurse saw it, it was resolved and how. Nurses' notes are never included."""
    reports_in_flag: dict[int, list[int]] = {}
    actions: dict[int, list[TeamAction]] = {}
    for event in sorted(events, key=lambda e: (e.at, e.pk)):
        joined = reports_in_flag.setdefault(event.flag_id, [])
        if event.report_id is not None and event.action in REPORT_STEPS:
            joined.append(event.report_id)
            actions.setdefault(event.report_id, []).append(TeamAction(event.action, event.at))
        elif event.action in TEAM_STEPS:
            outcome = PLAIN_OUTCOMES.get(event.outcome, "") if event.outcome else ""
            for report_id in joined:
                actions[report_id].append(TeamAction(event.action, event.at, str(outcome)))
    return actions


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    report: Report
    day: int
    when: datetime
    advice: str
    answered_by: str
    temperature: float | None
    actions: list[TeamAction]


def patient_history(patient: Patient, viewer, now: datetime | None = None) -> dict[str, Any]:
    """What the history page shows: the last weeks' reports, newest first, with a chart."""
    now = now or timezone.now()
    since = now - timedelta(days=HISTORY_DAYS)
    clock = Clock.of(patient, now)
    reports = reports_of(patient, since)
    actions = team_actions(events_of(patient, since))
    entries = [
        HistoryEntry(
            report=r,
            day=clock.day(r.submitted_at, r.days_since_infusion),
            when=r.submitted_at,
            advice=str(advice_for(r.level).title),
            answered_by=answered_by(r, patient, viewer),
            temperature=r.answers.get("temperature_c"),
            actions=actions.get(r.pk, []),
        )
        for r in reversed(reports)
    ]
    today = clock.day(now)
    days = day_span((e.day for e in entries), today, since=today - HISTORY_DAYS)
    chart = (
        temperature_chart(patient, reports, clock, days, nurse=False, box=charts.NARROW)
        if reports
        else None
    )
    return {"patient": patient, "entries": entries, "chart": chart, "zone": clock.zone}


# -- the nurse's timeline --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    report: Report
    day: int
    answered_by: str

    @property
    def answers(self) -> list[tuple[str, str]]:
        return answer_list(self.report.answers)

    @property
    def fingerprint(self) -> str:
        """Everything the check-in's card shows but the language and the time zone, as one text:
        every stored column of the report, its day and who answered (a name can change). The
        same text draws the same card, so the card is kept under it (``{% cache %}`` hashes it
        into the key)."""
        stored = [getattr(self.report, f.attname) for f in Report._meta.concrete_fields]
        return repr((stored, self.day, self.answered_by))


def answer_list(answers: dict[str, Any]) -> list[tuple[str, str]]:
    """The report's answers in catalogue order, as (input, value) words; the note is shown apart."""
    return [(r.name, r.value) for r in answer_words(answers)]


def context_values(values: dict[str, Any], catalogue: dict[str, Any]) -> list[tuple[str, str]]:
    """Baseline or lab values with the catalogue's names and units."""
    shown = []
    for code, item in catalogue.items():
        if values.get(code) is None:
            continue
        value = values[code]
        text = (
            str(item.label_for(value))
            if item.kind == "choice"
            else f"{number_text(value)} {item.unit}"
        )
        shown.append((str(item.question), text.strip()))
    return shown


# The nurse's timeline shows this many days unless the nurse asks for more (None: the whole course).
TIMELINE_DAYS = 14
TIMELINE_WINDOWS = (14, 28, 90, None)


def patient_timeline(
    patient: Patient, now: datetime | None = None, *, days: int | None = TIMELINE_DAYS
) -> dict[str, Any]:
    """Everything the nurse's timeline shows for the last ``days`` days (None: the whole
    course), read in a fixed number of queries."""
    now = now or timezone.now()
    clock = Clock.of(patient, now)
    since = now - timedelta(days=days) if days is not None else None
    reports = reports_of(patient, since)
    today = clock.day(now)
    window = days
    days = day_span(
        (clock.day(r.submitted_at, r.days_since_infusion) for r in reports),
        today,
        since=today - window if window is not None else None,
    )
    entries = [
        TimelineEntry(
            report=r,
            day=clock.day(r.submitted_at, r.days_since_infusion),
            answered_by=answered_by(r, patient),
        )
        for r in reversed(reports)
    ]
    infusions = sorted(patient.infusions.all(), key=lambda i: i.given_at, reverse=True)
    given = patient.infusions_given(now)
    return {
        "patient": patient,
        "zone": clock.zone,
        "today": clock.day(now),
        "latest_infusion": given[0] if given else None,
        "infusions": infusions,
        "baseline": context_values(patient.baseline, BASELINE),
        "labs": context_values(patient.labs, LABS),
        "charts": vital_charts(patient, reports, clock, days),
        "grid": symptom_grid(reports, clock, days),
        "entries": entries,
        "flags": flag_cards_of(patient),
        "notes": notes_of(patient),
        "carers": list(patient.carers.order_by("first_name", "last_name")),
        "window": window,
        "windows": TIMELINE_WINDOWS,
    }
