"""Printable pages of a whole course: the patient's own copy, and the nurse's summary for the chart.

The patient's copy says, for every check-in, what they told us, what they were told and what the
care team did, in their words and language; never a nurse's note or name. The nurse's summary fits
one or two printed pages: the therapy and the days since it, the flags with what was done, and the
vital-sign charts of the timeline.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from symptoms.catalogue import INPUTS
from symptoms.explain import Answer, advice_for, answer, explain
from tracker import course
from tracker.models import Flag, Level, Patient, Report


def infusions_of(patient: Patient) -> list:
    return sorted(patient.infusions.all(), key=lambda i: i.given_at)


# -- the patient's own copy ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CopyEntry:
    report: Report
    day: int
    when: datetime
    answered_by: str
    answers: list[Answer]
    advice: str
    reasons: list[str]
    actions: list[course.TeamAction]


def patient_copy(patient: Patient, viewer, now: datetime | None = None) -> dict[str, Any]:
    """Every check-in of the course, oldest first, as the patient's own record."""
    now = now or timezone.now()
    clock = course.Clock.of(patient, now)
    reports = course.reports_of(patient)
    since = reports[0].submitted_at if reports else now
    actions = course.team_actions(course.events_of(patient, since))
    entries = [
        CopyEntry(
            report=r,
            day=clock.day(r.submitted_at, r.days_since_infusion),
            when=r.submitted_at,
            answered_by=course.answered_by(r, patient, viewer),
            answers=[answer(code, r.answers[code]) for code in INPUTS if code in r.answers],
            advice=str(advice_for(r.level).title),
            reasons=[str(reason) for reason in explain(r.answers, r.findings, r.context).reasons],
            actions=actions.get(r.pk, []),
        )
        for r in reports
    ]
    given = patient.infusions_given(now)
    return {
        "patient": patient,
        "zone": clock.zone,
        "today": clock.day(now) if given else None,
        "infusions": infusions_of(patient),
        "entries": entries,
        "now": now,
    }


# -- the nurse's summary for the chart -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FlagLine:
    flag: Flag
    day: int
    reasons: list[str]


def chart_summary(patient: Patient, now: datetime | None = None) -> dict[str, Any]:
    """A course on one or two pages: therapy, check-ins by level, flags and outcomes, vitals."""
    now = now or timezone.now()
    clock = course.Clock.of(patient, now)
    reports = course.reports_of(patient)
    days = course.day_span(
        (clock.day(r.submitted_at, r.days_since_infusion) for r in reports), clock.day(now)
    )
    flags = sorted(course.flags_of(patient), key=lambda f: f.opened_at)
    by_level = Counter(r.triage for r in reports)
    given = patient.infusions_given(now)
    latest = reports[-1] if reports else None
    return {
        "patient": patient,
        "zone": clock.zone,
        "now": now,
        "today": clock.day(now) if given else None,
        "latest_infusion": given[0] if given else None,
        "infusions": infusions_of(patient),
        "check_ins": len(reports),
        "first_check_in": reports[0] if reports else None,
        "latest_check_in": latest,
        "latest_day": (
            clock.day(latest.submitted_at, latest.days_since_infusion) if latest else None
        ),
        "by_level": [(level, by_level[level]) for level in reversed(Level) if by_level[level]],
        "flags": [
            FlagLine(
                flag,
                clock.day(flag.opened_at),
                [f["why"] for f in flag.level_report.findings],
            )
            for flag in flags
        ],
        "notes": course.notes_of(patient),
        "charts": course.vital_charts(patient, reports, clock, days),
    }
