"""Views: a few lines each, calling named QuerySet methods; who may see what is checked here.

Every lookup starts from ``request.user``: a patient reaches only their own reports, a nurse only
the flags of their own care teams, and anything else is a 404 (we do not confirm it exists).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import FETCH_RAISE
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from tracker import course
from tracker.checkins import record_report
from tracker.forms import CheckInForm
from tracker.models import Flag, Patient, Report


def _patient_of(request: HttpRequest) -> Patient:
    return get_object_or_404(Patient.objects.select_related("care_team"), user=request.user)


def _require_nurse(request: HttpRequest) -> None:
    if not request.user.care_teams.exists():
        raise Http404


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if Patient.objects.filter(user=request.user).exists():
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


def checkin(request: HttpRequest) -> HttpResponse:
    patient = _patient_of(request)
    if request.method == "POST":
        form = CheckInForm(request.POST)
        if form.is_valid():
            report = record_report(
                patient=patient,
                answers=form.answers(),
                reported_by=request.user,
                submission_key=form.cleaned_data["submission_key"],
            )
            url = reverse("report", args=[report.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    else:
        form = CheckInForm()
    template = "checkin.html#checkin-form" if request.htmx else "checkin.html"
    return render(request, template, {"form": form, "patient": patient})


@require_GET
def report(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(
        Report.objects.for_patient_user(request.user).select_related("patient__care_team"), pk=pk
    )
    return render(request, "report.html", {"report": report, "team": report.patient.care_team})


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


def _history_patient(request: HttpRequest, patients: list[Patient]) -> Patient | None:
    """The patient whose history is asked for: ``?patient=`` among the user's own, else the user
    themself, else the only patient they care for; None lets a carer of several choose."""
    chosen = request.GET.get("patient")
    if chosen is not None:
        patient = next((p for p in patients if str(p.pk) == chosen), None)
        if patient is None:
            raise Http404
        return patient
    own = [p for p in patients if p.user_id == request.user.pk]
    if own or len(patients) == 1:
        return (own or patients)[0]
    if not patients:
        raise Http404
    return None


@require_GET
def history(request: HttpRequest) -> HttpResponse:
    patients = list(course.with_course(course.patients_of(request.user)))
    patient = _history_patient(request, patients)
    if patient is None:
        return render(request, "history.html", {"choices": patients})
    return render(request, "history.html", course.patient_history(patient, request.user))


@require_GET
def timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The patient's whole course, for the nurses of the patient's care team only."""
    patient = get_object_or_404(course.with_course(Patient.objects.for_nurse(request.user)), pk=pk)
    # Past this line a nurse has opened this patient's record: the one place to log that.
    return render(request, "timeline.html", course.patient_timeline(patient))
