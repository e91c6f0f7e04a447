"""Views: a few lines each, calling named QuerySet methods; who may see what is checked here.

Every lookup starts from ``request.user``: a patient reaches only their own reports, a nurse only
the flags of their own care teams, and anything else is a 404 (we do not confirm it exists).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import PasswordResetConfirmView
from django.db.models import FETCH_RAISE
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from tracker import course
from tracker.audit import record_timeline_opened
from tracker.checkins import record_report
from tracker.enrolment import (
    MONITORING_STEPS,
    add_infusion,
    enrol_patient,
    record_labs,
    send_invitation,
    set_monitoring,
)
from tracker.forms import CheckInForm, EnrolmentForm, InfusionForm, LabsForm, MonitoringForm
from tracker.models import Flag, Patient, Report
from tracker.tokens import invitation_token_generator


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


# -- Enrolment and the patient's care page (nurses of the patient's care team) --------------------


@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    _require_nurse(request)
    form = EnrolmentForm(request.POST or None, nurse=request.user)
    if request.method == "POST" and form.is_valid():
        patient = enrol_patient(**form.enrolment(), by=request.user)
        messages.success(
            request,
            _("%(name)s is enrolled. We sent them an e-mail to choose a password.")
            % {"name": patient.name},
        )
        return _to_care_page(request, patient)
    template = "enrol.html#enrol-form" if request.htmx else "enrol.html"
    return render(request, template, {"form": form})


def _patient_for_nurse(request: HttpRequest, pk: int) -> Patient:
    _require_nurse(request)
    return get_object_or_404(
        Patient.objects.for_nurse(request.user).select_related("user", "care_team"), pk=pk
    )


def _to_care_page(request: HttpRequest, patient: Patient) -> HttpResponse:
    url = reverse("patient_care", args=[patient.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _care_page(
    request: HttpRequest, patient: Patient, *, fragment: str = "", **forms: Any
) -> HttpResponse:
    context = {
        "patient": patient,
        "infusions": patient.infusions.all(),
        "infusion_form": forms.get("infusion_form") or InfusionForm(),
        "labs_form": forms.get("labs_form")
        or LabsForm(initial=LabsForm.initial_from(patient.labs)),
        "monitoring_steps": MONITORING_STEPS[patient.monitoring],
    }
    template = f"patient_care.html#{fragment}" if request.htmx and fragment else "patient_care.html"
    return render(request, template, context)


@require_GET
def patient_care(request: HttpRequest, pk: int) -> HttpResponse:
    return _care_page(request, _patient_for_nurse(request, pk))


@require_POST
def patient_add_infusion(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_for_nurse(request, pk)
    form = InfusionForm(request.POST, zone=patient.care_team.zone)
    if not form.is_valid():
        return _care_page(request, patient, fragment="infusion-form", infusion_form=form)
    add_infusion(patient=patient, **form.infusion(), by=request.user)
    messages.success(request, _("The infusion is saved."))
    return _to_care_page(request, patient)


@require_POST
def patient_labs(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_for_nurse(request, pk)
    form = LabsForm(request.POST)
    if not form.is_valid():
        return _care_page(request, patient, fragment="labs-form", labs_form=form)
    record_labs(patient=patient, labs=form.labs(), by=request.user)
    messages.success(request, _("The lab values are saved."))
    return _to_care_page(request, patient)


@require_POST
def patient_monitoring(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_for_nurse(request, pk)
    form = MonitoringForm(request.POST)
    if form.is_valid() and form.cleaned_data["monitoring"] in MONITORING_STEPS[patient.monitoring]:
        set_monitoring(patient=patient, monitoring=form.cleaned_data["monitoring"], by=request.user)
        messages.success(
            request,
            _("Monitoring is now %(status)s.") % {"status": patient.get_monitoring_display()},
        )
    else:
        messages.info(request, _("Monitoring was already changed. Here is how it stands now."))
    return _to_care_page(request, patient)


@require_POST
def patient_invite(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_for_nurse(request, pk)
    send_invitation(user=patient.user)
    messages.success(request, _("We sent a new link to choose a password."))
    return _to_care_page(request, patient)


@method_decorator(login_not_required, name="dispatch")
class SetPasswordView(PasswordResetConfirmView):
    """The invitation link: Django's password-reset confirmation with the invitation's token.

    The token moves from the address into the session before the form shows, so it never leaks in
    a Referer header. Once the password is set the patient is logged in and goes to the check-in.
    """

    token_generator = invitation_token_generator
    template_name = "registration/set_password.html"
    post_reset_login = True
    success_url = reverse_lazy("home")

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        if not self.validlink:
            kwargs["status"] = 404
        return super().render_to_response(context, **kwargs)


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
    record_timeline_opened(nurse=request.user, patient=patient)
    return render(request, "timeline.html", course.patient_timeline(patient))
