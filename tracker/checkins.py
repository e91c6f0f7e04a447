"""Recording a check-in: save the report, assess it with the engine, open or join a flag.

One keyword-only function does the whole multi-step write in one transaction, so a report is never
saved without its assessment, and an urgent report never without its flag.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

import symptoms
from symptoms.rules import THRESHOLDS
from tracker import notifications
from tracker.models import Flag, FlagEvent, Level, Patient, Report

HISTORY_DAYS = 7


def history_for(patient: Patient, at: datetime) -> list[dict[str, Any]]:
    """The patient's earlier reports of the last week, newest first, as the engine reads them."""
    zone = patient.care_team.zone
    today = at.astimezone(zone).date()
    earlier = patient.reports.filter(
        submitted_at__lt=at, submitted_at__gte=at - timedelta(days=HISTORY_DAYS)
    ).only("submitted_at", "answers")
    return [
        {
            "days_ago": (today - r.submitted_at.astimezone(zone).date()).days,
            "report": r.answers,
        }
        for r in earlier.order_by("-submitted_at")
    ]


def assess_now(patient: Patient, answers: dict[str, Any], at: datetime | None = None):
    """The engine's assessment of ``answers`` as if sent now, without saving anything."""
    at = at or timezone.now()
    return symptoms.assess(patient.therapy_context(at), answers, history_for(patient, at))


def earns_advice_now(patient: Patient, answers: dict[str, Any]) -> bool:
    """Rules reference D17: whether these answers, however few, already earn a call (URGENT_TODAY
    or higher). Such a check-in is sent at once with what was given; the engine, not a second
    list of red flags, decides."""
    return assess_now(patient, answers).triage >= Level.URGENT_TODAY


def twice_daily_temperature(patient: Patient, at: datetime | None = None) -> bool:
    """CAR-T days 0–14: the temperature is checked twice a day (rules reference 3.3), so the short
    temperature-only check-in is offered."""
    context = patient.therapy_context(at)
    return context["product"] == "CAR-T" and (
        context["days_since_infusion"] <= THRESHOLDS["car_t_crs_days"]
    )


def remember_devices(patient: Patient, *, bp_cuff: bool, oximeter: bool) -> None:
    """Keeps which measuring devices the patient has, as their latest check-in said."""
    if (patient.has_bp_cuff, patient.has_oximeter) != (bp_cuff, oximeter):
        patient.has_bp_cuff, patient.has_oximeter = bp_cuff, oximeter
        patient.save(update_fields=["has_bp_cuff", "has_oximeter"])


def record_report(
    *,
    patient: Patient,
    answers: dict[str, Any],
    reported_by,
    submission_key: uuid.UUID | None = None,
    at: datetime | None = None,
    unanswered: list[str] | tuple[str, ...] = (),
) -> Report:
    """Saves and assesses one check-in; a resend returns the first report.

    A resend is the same ``submission_key`` with the same answers (a double click, a retry, "back"
    then "send"): it saves nothing. The same key with other answers is a new check-in, never
    swallowed by the earlier report.

    ``unanswered`` names the questions the check-in was sent without (D17): the engine reads them
    as unknown, never as normal, and the result page says what is still to answer.
    """
    if submission_key is not None:
        existing = Report.objects.filter(submission_key=submission_key, patient=patient).first()
        if existing is not None and existing.answers == answers:
            return existing
        if existing is not None:
            submission_key = uuid.uuid4()
    at = at or timezone.now()
    context = patient.therapy_context(at)
    assessment = symptoms.assess(context, answers, history_for(patient, at))
    try:
        with transaction.atomic():
            report = Report.objects.create(
                patient=patient,
                reported_by=reported_by,
                submitted_at=at,
                submission_key=submission_key or uuid.uuid4(),
                answers=answers,
                context=context,
                triage=int(assessment.triage),
                findings=[f.as_dict() for f in assessment.findings],
                ruleset=assessment.ruleset,
                unanswered=list(unanswered),
            )
            if report.triage >= Level.URGENT_TODAY:
                raise_flag(report)
    except IntegrityError:
        # The same form arrived twice at the same moment: the first one won.
        if submission_key is None:
            raise
        return Report.objects.get(submission_key=submission_key, patient=patient)
    return report


def raise_flag(report: Report) -> Flag:
    """Opens a flag for an urgent report, or joins the patient's unresolved flag."""
    flag = _unresolved_flag(report.patient)
    if flag is None:
        try:
            # A savepoint: if another report from this patient opened a flag at the same moment,
            # the one-unresolved-flag constraint stops this one, and the report joins that flag.
            with transaction.atomic():
                flag = Flag.objects.create(
                    patient=report.patient,
                    report=report,
                    level_report=report,
                    level=report.triage,
                    opened_at=report.submitted_at,
                )
        except IntegrityError:
            flag = _unresolved_flag(report.patient)
            if flag is None:
                raise
    if flag.report_id == report.pk:
        action = FlagEvent.Action.OPENED
    else:
        flag.report = report
        action = FlagEvent.Action.JOINED
        if report.triage > flag.level:
            # More urgent than what the nurse saw: it needs to be seen again.
            flag.level = report.triage
            flag.level_report = report
            flag.status = Flag.Status.OPEN
            action = FlagEvent.Action.RAISED
        flag.save(update_fields=["report", "level", "level_report", "status"])
    FlagEvent.objects.create(
        flag=flag, action=action, at=report.submitted_at, level=flag.level, report=report
    )
    notifications.flag_raised(flag)  # e-mails the nurses, after commit, at the urgent levels
    if action == FlagEvent.Action.JOINED and flag.status == Flag.Status.ACKNOWLEDGED:
        notifications.news_after_acknowledged(flag)
    return flag


def _unresolved_flag(patient: Patient) -> Flag | None:
    return Flag.objects.select_for_update().filter(patient=patient).unresolved().first()
