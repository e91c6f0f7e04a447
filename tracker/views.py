"""Views: a few lines each, calling named QuerySet methods; who may see what is checked here.

Every lookup starts from ``request.user``: a patient reaches only their own reports, a nurse only
the flags of their own care teams, and anything else is a 404 (we do not confirm it exists).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import FETCH_RAISE, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from symptoms.explain import advice_for, explain
from tracker.checkins import record_report
from tracker.forms import FOLLOW_UP_GROUPS, CheckInForm
from tracker.models import Flag, Patient, Report


def _patients_of(request: HttpRequest):
    """The patients ``request.user`` may check in for: themselves, and whoever they care for."""
    return (
        Patient.objects.filter(Q(user=request.user) | Q(carers=request.user))
        .distinct()
        .select_related("care_team", "user")
    )


def _patient_of(request: HttpRequest, pk: int | None = None) -> Patient | None:
    """The patient this check-in is about; ``None`` when a carer must first choose one."""
    patients = _patients_of(request)
    if pk is not None:
        return get_object_or_404(patients, pk=pk)
    own = patients.filter(user=request.user).first()
    if own is not None:
        return own
    cared_for = list(patients[:2])
    if not cared_for:
        raise Http404
    return cared_for[0] if len(cared_for) == 1 else None


def _require_nurse(request: HttpRequest) -> None:
    if not request.user.care_teams.exists():
        raise Http404


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if _patients_of(request).exists():
        return redirect("checkin")
    if request.user.care_teams.exists():
        return redirect("dashboard")
    if request.user.is_staff:
        return redirect("admin:index")
    raise Http404


@login_not_required
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest, patient_pk: int | None = None) -> HttpResponse:
    patient = _patient_of(request, patient_pk)
    if patient is None:
        return redirect("choose_patient")
    sent = None
    if request.method == "POST":
        form = CheckInForm(request.POST)
        if form.is_valid():
            answers = form.answers()
            report = record_report(
                patient=patient,
                answers=answers,
                reported_by=request.user,
                submission_key=_resend_or_new(
                    patient, form.cleaned_data["submission_key"], answers
                ),
            )
            url = reverse("report", args=[report.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    else:
        key, sent = _form_key(request, patient, new="new" in request.GET)
        form = CheckInForm(initial={"submission_key": key})
    template = "checkin.html#checkin-form" if request.htmx else "checkin.html"
    context = {
        "form": form,
        "patient": patient,
        "sent": sent,
        "answering_for": patient.user_id != request.user.pk,
        "cares_for_others": _patients_of(request).exclude(pk=patient.pk).exists(),
        "action": reverse("checkin_for", args=[patient.pk]) if patient_pk else reverse("checkin"),
    }
    return render(request, template, context)


# A form sent within this time keeps its key when its page is shown again (the back button), so
# sending it again shows the first answer instead of saving a second report.
RESEND_WINDOW = timedelta(minutes=30)


def _form_key(
    request: HttpRequest, patient: Patient, *, new: bool
) -> tuple[uuid.UUID, Report | None]:
    """The submission key for a check-in page, and the report it already made, if any.

    The browser fetches the page again on "back", so the key lives in the session: the page shown
    again carries the key of the form just sent. "Start a new check-in" (``new``) starts afresh.
    """
    keys = request.session.get("checkin_keys", {})
    key = None if new else keys.get(str(patient.pk))
    sent = None
    if key is not None:
        sent = patient.reports.filter(submission_key=key).first()
        if sent is not None and sent.submitted_at < timezone.now() - RESEND_WINDOW:
            key = sent = None
    if key is None:
        key = str(uuid.uuid4())
        request.session["checkin_keys"] = {**keys, str(patient.pk): key}
    return uuid.UUID(key), sent


def _resend_or_new(patient: Patient, key: uuid.UUID, answers: dict) -> uuid.UUID:
    """``key``, unless it already saved a report with other answers: then this is a new check-in.

    A double click, a retry or "back" then "send" repeats the same answers and saves once; changed
    answers are never swallowed by an earlier report.
    """
    earlier = patient.reports.filter(submission_key=key).only("answers").first()
    if earlier is not None and earlier.answers != answers:
        return uuid.uuid4()
    return key


@require_GET
def report(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(
        Report.objects.for_patient_user(request.user).select_related(
            "patient__care_team", "patient__user", "reported_by"
        ),
        pk=pk,
    )
    context = {
        "report": report,
        "team": report.patient.care_team,
        "advice": advice_for(report.triage),
        "explanation": explain(report.answers, report.findings, report.context),
    }
    return render(request, "report.html", context)


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    _require_nurse(request)
    flags = (
        Flag.objects.for_nurse(request.user)
        .unresolved()
        .most_urgent_first()
        .select_related("patient__user", "report", "acknowledged_by")
        .fetch_mode(FETCH_RAISE)
    )
    return render(request, "dashboard.html", {"flags": flags})


@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    _require_nurse(request)
    flag = get_object_or_404(
        Flag.objects.for_nurse(request.user).select_related(
            "patient__user", "report", "acknowledged_by"
        ),
        pk=pk,
    )
    notice = None
    if not flag.acknowledge(request.user):
        who = flag.acknowledged_by
        notice = _("%(name)s had already acknowledged this flag.") % {
            "name": who.get_full_name() or who.get_username()
        }
    if request.htmx:
        return render(request, "dashboard.html#flag-row", {"flag": flag, "notice": notice})
    if notice:
        messages.info(request, notice)
    return redirect("dashboard")


@require_GET
def choose_patient(request: HttpRequest) -> HttpResponse:
    """A carer of several patients picks whom they are answering for."""
    patients = _patients_of(request)
    if not patients.exists():
        raise Http404
    return render(request, "choose_patient.html", {"patients": patients})


@require_GET
def checkin_questions(request: HttpRequest) -> HttpResponse:
    """The follow-up questions of one body system, for htmx to show when its box is ticked."""
    if not _patients_of(request).exists():
        raise Http404
    group = request.GET.get("group")
    if group not in FOLLOW_UP_GROUPS:
        raise Http404
    if group not in request.GET.getlist("changes"):
        return HttpResponse("")
    form = CheckInForm()
    context = {"form": form, "group": form.checklist_group(group, opened=True), "guided": True}
    return render(request, "checkin.html#group-questions", context)
