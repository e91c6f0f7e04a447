"""Views: a few lines each, calling named QuerySet methods; who may see what is checked here.

Every lookup starts from ``request.user``: a patient reaches only their own reports, a nurse only
the flags of their own care teams, and anything else is a 404 (we do not confirm it exists).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import PasswordResetConfirmView
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import FETCH_RAISE, BigIntegerField
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import formats, timezone, translation
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from symptoms import rules as rulebook
from symptoms.describe import category_name, level_name
from symptoms.explain import advice_for, explain, unanswered_names
from symptoms.management.commands import rules as rule_table
from tracker import course, fhir, flags, summaries
from tracker.access import answers_for_patients, is_nurse, nurse_required
from tracker.audit import record_read, record_timeline_opened
from tracker.checkins import (
    assess_now,
    earns_advice_now,
    record_report,
    remember_devices,
    twice_daily_temperature,
)
from tracker.enrolment import (
    MONITORING_STEPS,
    add_infusion,
    enrol_patient,
    invite_carer,
    record_labs,
    remove_carer,
    send_invitation,
    set_carer_reminders,
    set_language,
    set_monitoring,
    update_details,
    update_therapy,
)
from tracker.forms import (
    FOLLOW_UP_GROUPS,
    CarerForm,
    CarerRemindersForm,
    CheckInForm,
    EnrolmentForm,
    InfusionForm,
    LabsForm,
    LanguageForm,
    MonitoringForm,
    NurseNoteForm,
    PatientDetailsForm,
    PauseForm,
    ResolveFlagForm,
    TherapyForm,
    initial_for,
)
from tracker.models import (
    Flag,
    FlagEvent,
    Level,
    NurseNote,
    Patient,
    PatientQuerySet,
    Preferences,
    Report,
    TimelineAccess,
    display_name,
)
from tracker.tokens import invitation_qr_svg, invitation_token_generator, invitation_url
from tracker.worklist import Worklist, roster_rows_key


def _patients_of(request: HttpRequest):
    """The patients ``request.user`` may check in for: themselves, and whoever they care for."""
    return Patient.objects.answered_for_by(request.user).select_related("care_team", "user")


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


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if answers_for_patients(request.user):
        return redirect("checkin")
    if is_nurse(request.user):
        return redirect("dashboard")
    if request.user.is_staff:
        return redirect("admin:index")
    # Logged in, but not (yet) a nurse of any team nor a patient or carer: say so kindly.
    return render(request, "no_team.html")


@login_not_required
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest, patient_pk: int | None = None) -> HttpResponse:
    patient = _patient_of(request, patient_pk)
    if patient is None:
        return redirect("choose_patient")
    sent = earlier = None
    if request.method == "POST":
        form = CheckInForm(request.POST)
        valid = form.is_valid()
        earlier = _earlier_report(patient, request.POST.get("follows"))
        answers = {**(earlier.answers if earlier else {}), **form.answers()}
        # Rules reference D17: a red flag is never held behind the questions left unanswered,
        # nor is "Send what I have"; a short send needs only its own questions.
        send = request.POST.get("send")
        short = SHORT_SENDS.get(send)
        partial = (send == "partial" and not form.blocked) or (short and form.ready(short))
        if valid or partial or earns_advice_now(patient, answers):
            report = record_report(
                patient=patient,
                answers=answers,
                reported_by=request.user,
                submission_key=form.cleaned_data.get("submission_key"),
                unanswered=[c for c in form.unanswered_codes() if c not in answers],
            )
            remember_devices(patient, **form.devices())
            if not valid:
                _keep_draft(request, report, request.POST)
            url = reverse("report", args=[report.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        if form.alarms and earns_advice_now(patient, form.answers(unconfirmed=True)):
            form.hide_missing()  # the confirm is all that stands before the advice
        elif short:
            form.hide_missing(keep=short)
        temperature_only = send == "temperature"
    else:
        earlier = _earlier_report(patient, request.GET.get("after"))
        key, sent = _form_key(request, patient, new="new" in request.GET or earlier is not None)
        temperature_only = "temperature" in request.GET and earlier is None
        form = _follow_up_form(request, earlier, key) if earlier else None
        form = form or CheckInForm(initial={"submission_key": key, **initial_for(patient)})
    template = "checkin.html#checkin-form" if request.htmx else "checkin.html"
    context = {
        "form": form,
        "patient": patient,
        "sent": sent,
        "follows": earlier,
        "temperature_only": temperature_only,
        "twice_daily": twice_daily_temperature(patient),
        "answering_for": patient.user_id != request.user.pk,
        "cares_for_others": _patients_of(request).exclude(pk=patient.pk).exists(),
        "action": reverse("checkin_for", args=[patient.pk]) if patient_pk else reverse("checkin"),
        "alert_action": reverse("checkin_alert_for", args=[patient.pk])
        if patient_pk
        else reverse("checkin_alert"),
    }
    return render(request, template, context)


@transaction.non_atomic_requests
@require_POST
def checkin_alert(request: HttpRequest, patient_pk: int | None = None) -> HttpResponse:
    """The emergency instruction, shown while the form is filled in as soon as its answers so far
    earn an emergency (a person who cannot be woken, a fit): htmx asks on every change.

    It only reads, outside a transaction: asked at every change, it must never hold a lock while
    the same person's check-in is being saved (SQLite locks whole tables)."""
    patient = _patient_of(request, patient_pk)
    if patient is None:
        raise Http404
    form = CheckInForm(request.POST)
    form.is_valid()
    if assess_now(patient, form.answers()).triage < Level.EMERGENCY:
        return HttpResponse("")
    context = {"team": patient.care_team, "advice": advice_for(Level.EMERGENCY)}
    return render(request, "checkin.html#emergency-now", context)


# The sends that need only some questions: "nothing new since last time", and the temperature-only
# check; each sends the rest as not answered.
SHORT_SENDS = {"quiet": CheckInForm.QUIET_DAY, "temperature": CheckInForm.TEMPERATURE_ONLY}


# "Tell us more" after a check-in sent with questions unanswered (D17) adds a new check-in that
# carries the earlier answers, rather than changing the report a nurse may already be reading:
# every report stays as it was sent, and the new one joins the same flag.
FOLLOW_UP_WINDOW = timedelta(hours=12)
DRAFT_FIELDS_LEFT_OUT = ("csrfmiddlewaretoken", "submission_key", "follows", "send")


def _earlier_report(patient: Patient, pk: Any) -> Report | None:
    """A recent check-in of ``patient`` that a new one completes, or ``None``."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not 0 < pk <= BigIntegerField.MAX_BIGINT:
        return None
    since = timezone.now() - FOLLOW_UP_WINDOW
    return patient.reports.filter(pk=pk, submitted_at__gte=since).first()


def _keep_draft(request: HttpRequest, report: Report, data: QueryDict) -> None:
    """Everything typed, for "tell us more": an impossible value is shown again with its message."""
    draft = {k: data.getlist(k) for k in data if k not in DRAFT_FIELDS_LEFT_OUT}
    request.session["checkin_draft"] = {"report": report.pk, "data": draft}


def _follow_up_form(request: HttpRequest, earlier: Report, key: uuid.UUID) -> CheckInForm | None:
    draft = request.session.get("checkin_draft") or {}
    if draft.get("report") != earlier.pk:
        return CheckInForm(initial={"submission_key": key, **initial_for(earlier.patient)})
    data = QueryDict(mutable=True)
    for name, values in draft["data"].items():
        data.setlist(name, values)
    data.setlist("submission_key", [str(key)])
    return CheckInForm(data)


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
        "unanswered": unanswered_names(report.unanswered),
        "tell_us_more": report.unanswered and _can_follow_up(report),
    }
    return render(request, "report.html", context)


def _can_follow_up(report: Report) -> bool:
    """ "Tell us more" is offered on the latest check-in of the patient, while it is recent."""
    if report.submitted_at < timezone.now() - FOLLOW_UP_WINDOW:
        return False
    return not report.patient.reports.filter(submitted_at__gt=report.submitted_at).exists()


@require_GET
@nurse_required
def dashboard(request: HttpRequest) -> HttpResponse:
    worklist = Worklist(request, list(request.user.care_teams.all()))
    polling = request.htmx and request.htmx.target == "worklist"
    if polling and request.headers.get("X-Worklist-Version") == worklist.version:
        return HttpResponse(status=204)  # htmx leaves the list as it is
    if polling:
        return HttpResponse(worklist.html())
    context = {"filters": worklist.filters, "many_teams": worklist.many_teams}
    return render(request, "dashboard.html", {**context, "worklist": worklist.html()})


@require_POST
@nurse_required
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _flag_of(request, pk)
    notice = None
    if not flags.acknowledge(flag, request.user):
        notice = _("%(name)s had already acknowledged this flag at %(time)s.") % {
            "name": display_name(flag.acknowledged_by),
            "time": _clock(flag.acknowledged_at),
        }
    return _after_flag_action(request, flag, notice)


# The nurse's flag actions. Each answers an htmx request with the flag's row, and a plain form post
# with a redirect back to the dashboard (its filters kept) and a message.


@require_http_methods(["GET", "POST"])
@nurse_required
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _flag_of(request, pk)
    if request.method == "GET":
        # The form, when a nurse opens it: into the row for htmx, else on a page of its own.
        row = {"flag": flag, "form": _resolve_form(flag)}
        if request.htmx:
            return render(request, "dashboard.html#resolve-form", row)
        return render(request, "resolve.html", row)
    form = ResolveFlagForm(request.POST, auto_id=f"flag-{flag.pk}-%s")
    if not form.is_valid():
        if _from_timeline(request):
            return _back_to_timeline(request, flag, None, form=form)
        if request.htmx:
            return render(request, "dashboard.html#flag-row", {"flag": flag, "form": form})
        worklist = Worklist(request, list(request.user.care_teams.all()))
        context = {
            "filters": worklist.filters,
            "many_teams": worklist.many_teams,
            **worklist.context(bound={pk: form}),
        }
        return render(request, "dashboard.html", context)
    data = form.cleaned_data
    notice = None
    if not flags.resolve(
        flag, request.user, data["outcome"], data["note"], report_id=data["report"]
    ):
        if flag.status == Flag.Status.RESOLVED:
            notice = _("%(name)s had already resolved this flag at %(time)s.") % {
                "name": display_name(flag.resolved_by),
                "time": _clock(flag.resolved_at),
            }
        else:
            notice = _(
                "A new check-in came in at %(time)s. Please read it before you resolve this flag."
            ) % {"time": _clock(flag.report.submitted_at)}
            return _resolve_again(request, flag, data, notice)
    return _after_flag_action(request, flag, notice)


@require_POST
@nurse_required
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _flag_of(request, pk)
    notice = None
    if not flags.reopen(flag, request.user):
        event = flag.latest_event(FlagEvent.Action.REOPENED)
        if flag.status != Flag.Status.RESOLVED and event is not None:
            notice = _("%(name)s had already reopened this flag at %(time)s.") % {
                "name": display_name(event.by),
                "time": _clock(event.at),
            }
        else:
            notice = _("This patient already has a flag on the list. Please work on that one.")
    return _after_flag_action(request, flag, notice)


def _flag_of(request: HttpRequest, pk: int) -> Flag:
    return get_object_or_404(Flag.objects.for_nurse(request.user).as_rows(), pk=pk)


def _resolve_again(
    request: HttpRequest, flag: Flag, data: dict[str, Any], notice: str
) -> HttpResponse:
    """A new check-in joined while the nurse was resolving: with htmx, the form again, their outcome
    and note kept, now for the new check-in, which they read before they send it again."""
    if not request.htmx:
        return _after_flag_action(request, flag, notice)
    form = ResolveFlagForm(
        auto_id=f"flag-{flag.pk}-%s",
        initial={"report": flag.report_id, "outcome": data["outcome"], "note": data["note"]},
    )
    if _from_timeline(request):
        return _back_to_timeline(request, flag, notice, form=form)
    return render(
        request, "dashboard.html#flag-row", {"flag": flag, "form": form, "notice": notice}
    )


def _resolve_form(flag: Flag) -> ResolveFlagForm:
    return ResolveFlagForm(auto_id=f"flag-{flag.pk}-%s", initial={"report": flag.report_id})


def _after_flag_action(request: HttpRequest, flag: Flag, notice: str | None) -> HttpResponse:
    if _from_timeline(request):
        return _back_to_timeline(request, flag, notice)
    if request.htmx:
        return render(request, "dashboard.html#flag-row", {"flag": flag, "notice": notice})
    if notice:
        messages.warning(request, notice)
    else:
        messages.success(request, _done_message(flag))
    url = reverse("dashboard")
    return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)


# The same flag actions asked from the patient's timeline ("?from=timeline"): the same views and
# checks; the answer is the timeline's flag card (htmx) or the timeline itself.


def _from_timeline(request: HttpRequest) -> bool:
    return request.GET.get("from") == "timeline"


def _back_to_timeline(
    request: HttpRequest, flag: Flag, notice: str | None, *, form: ResolveFlagForm | None = None
) -> HttpResponse:
    if request.htmx:
        card = course.flag_histories().get(pk=flag.pk)
        card.resolve_form = form or _resolve_form(card)
        context = {"flag": card, "notice": notice, "zone": flag.patient.care_team.zone}
        return render(request, "timeline.html#flag-history", context)
    if form is not None:
        return render(request, "resolve.html", {"flag": flag, "form": form})
    if notice:
        messages.warning(request, notice)
    else:
        messages.success(request, _done_message(flag))
    url = reverse("timeline", args=[flag.patient_id])
    return redirect(f"{url}#flag-history-{flag.pk}")


def _with_resolve_forms(context: dict[str, Any]) -> dict[str, Any]:
    for flag in context["flags"]:
        if flag.status != Flag.Status.RESOLVED:
            flag.resolve_form = _resolve_form(flag)
    return context


def _done_message(flag: Flag) -> str:
    params = {"patient": flag.patient.name, "time": _clock(timezone.now())}
    if flag.status == Flag.Status.RESOLVED:
        return _("You resolved the flag for %(patient)s at %(time)s.") % params
    if flag.status == Flag.Status.ACKNOWLEDGED:
        return _("You acknowledged the flag for %(patient)s at %(time)s.") % params
    return _("You reopened the flag for %(patient)s at %(time)s.") % params


def _clock(moment: datetime) -> str:
    return formats.time_format(timezone.localtime(moment), "H:i")


# -- Enrolment and the patient's care page (nurses of the patient's care team) --------------------


@require_http_methods(["GET", "POST"])
@nurse_required
def enrol(request: HttpRequest) -> HttpResponse:
    form = EnrolmentForm(request.POST or None, nurse=request.user)
    if request.method == "POST" and form.is_valid():
        patient = enrol_patient(**form.enrolment(), by=request.user)
        if patient.user.email:
            notice = _("%(name)s is enrolled. We sent them an e-mail to choose a password.")
        else:
            notice = _(
                "%(name)s is enrolled. Show them the invitation at the bedside to choose a "
                "password."
            )
        messages.success(request, notice % {"name": patient.name})
        return _to_care_page(request, patient)
    template = "enrol.html#enrol-form" if request.htmx else "enrol.html"
    return render(request, template, {"form": form})


def _patient_for_nurse(request: HttpRequest, pk: int) -> Patient:
    return get_object_or_404(
        Patient.objects.for_nurse(request.user).select_related("user", "care_team"), pk=pk
    )


def _to_care_page(request: HttpRequest, patient: Patient) -> HttpResponse:
    url = reverse("patient_care", args=[patient.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _care_page(
    request: HttpRequest,
    patient: Patient,
    *,
    fragment: str = "",
    status: int = 200,
    **forms: Any,
) -> HttpResponse:
    zone = patient.care_team.zone
    context = {
        "patient": patient,
        "infusions": patient.infusions.all(),
        "carers": patient.carers.order_by("last_name", "first_name"),
        "language": Preferences.language_of(patient.user) or settings.LANGUAGE_CODE,
        "infusion_form": forms.get("infusion_form") or InfusionForm(),
        "labs_form": forms.get("labs_form")
        or LabsForm(initial=LabsForm.initial_from(patient.labs)),
        "therapy_form": forms.get("therapy_form")
        or TherapyForm(initial=TherapyForm.initial_from(patient)),
        "details_form": forms.get("details_form")
        or PatientDetailsForm(
            initial={
                "phone": patient.phone,
                "hospital_number": patient.hospital_number,
                "date_of_birth": patient.date_of_birth,
            }
        ),
        "language_form": LanguageForm(initial={"language": Preferences.language_of(patient.user)}),
        "carer_form": forms.get("carer_form") or CarerForm(),
        "reminders_form": CarerRemindersForm(initial={"remind_carers": patient.remind_carers}),
        "pause_form": forms.get("pause_form") or PauseForm(zone=zone),
        "monitoring_form": forms.get("monitoring_form"),
        "monitoring_steps": MONITORING_STEPS[patient.monitoring_now],
    }
    template = f"patient_care.html#{fragment}" if request.htmx and fragment else "patient_care.html"
    return render(request, template, context, status=status)


@require_GET
@nurse_required
def patient_care(request: HttpRequest, pk: int) -> HttpResponse:
    return _care_page(request, _patient_for_nurse(request, pk))


@require_POST
@nurse_required
def patient_add_infusion(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_for_nurse(request, pk)
    form = InfusionForm(request.POST, zone=patient.care_team.zone)
    if not form.is_valid():
        return _care_page(request, patient, fragment="infusion-form", infusion_form=form)
    add_infusion(patient=patient, **form.infusion(), by=request.user)
    messages.success(request, _("The infusion is saved."))
    return _to_care_page(request, patient)


@require_POST
@nurse_required
def patient_labs(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_for_nurse(request, pk)
    form = LabsForm(request.POST)
    if not form.is_valid():
        return _care_page(request, patient, fragment="labs-form", labs_form=form)
    record_labs(patient=patient, labs=form.labs(), by=request.user)
    messages.success(request, _("The lab values are saved."))
    return _to_care_page(request, patient)


@require_POST
@nurse_required
def patient_therapy(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_for_nurse(request, pk)
    form = TherapyForm(request.POST)
    if not form.is_valid():
        return _care_page(request, patient, fragment="therapy-form", therapy_form=form)
    update_therapy(patient=patient, **form.therapy(), by=request.user)
    messages.success(request, _("The treatment is saved. The next check-in is assessed with it."))
    return _to_care_page(request, patient)


@require_POST
@nurse_required
def patient_details(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_for_nurse(request, pk)
    form = PatientDetailsForm(request.POST)
    if not form.is_valid():
        return _care_page(request, patient, fragment="details-form", details_form=form)
    update_details(patient=patient, **form.details(), by=request.user)
    messages.success(request, _("The patient's details are saved."))
    return _to_care_page(request, patient)


@require_POST
@nurse_required
def patient_language(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_for_nurse(request, pk)
    form = LanguageForm(request.POST)
    if form.is_valid():
        set_language(patient=patient, language=form.cleaned_data["language"])
        messages.success(request, _("The patient's language is saved."))
    return _to_care_page(request, patient)


@require_POST
@nurse_required
def patient_carers(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_for_nurse(request, pk)
    form = CarerForm(request.POST)
    if not form.is_valid():
        return _care_page(request, patient, fragment="carer-form", carer_form=form)
    carer = invite_carer(patient=patient, **form.cleaned_data, by=request.user)
    messages.success(
        request,
        _("We sent %(name)s an e-mail to choose a password.") % {"name": display_name(carer)},
    )
    return _to_care_page(request, patient)


@require_POST
@nurse_required
def patient_carer_reminders(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_for_nurse(request, pk)
    form = CarerRemindersForm(request.POST)
    if form.is_valid():
        set_carer_reminders(
            patient=patient, remind_carers=form.cleaned_data["remind_carers"], by=request.user
        )
        messages.success(request, _("The reminder choice is saved."))
    return _to_care_page(request, patient)


@require_POST
@nurse_required
def patient_carer_remove(request: HttpRequest, pk: int, carer_pk: int) -> HttpResponse:
    patient = _patient_for_nurse(request, pk)
    carer = get_object_or_404(patient.carers.all(), pk=carer_pk)
    remove_carer(patient=patient, carer=carer, by=request.user)
    messages.success(
        request, _("%(name)s no longer checks in for this patient.") % {"name": display_name(carer)}
    )
    return _to_care_page(request, patient)


@require_POST
@nurse_required
def patient_pause(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_for_nurse(request, pk)
    form = PauseForm(request.POST, zone=patient.care_team.zone)
    if Patient.Monitoring.PAUSED not in MONITORING_STEPS[patient.monitoring_now]:
        messages.info(request, _("Monitoring was already changed. Here is how it stands now."))
        return _to_care_page(request, patient)
    if not form.is_valid():
        return _care_page(request, patient, fragment="pause-form", pause_form=form)
    set_monitoring(
        patient=patient,
        monitoring=Patient.Monitoring.PAUSED,
        reason=form.cleaned_data["reason"],
        resumes_at=form.resumes_at(),
        by=request.user,
    )
    messages.success(request, _("Monitoring is paused."))
    return _to_care_page(request, patient)


@require_POST
@nurse_required
def patient_monitoring(request: HttpRequest, pk: int) -> HttpResponse:
    """Resumes, ends or undoes an end. Ending asks first: the page comes back with what ending
    means and a button that confirms it."""
    patient = _patient_for_nurse(request, pk)
    form = MonitoringForm(request.POST)
    valid = form.is_valid()
    chosen = form.cleaned_data.get("monitoring")
    if (
        chosen == Patient.Monitoring.PAUSED
        or chosen not in MONITORING_STEPS[patient.monitoring_now]
    ):
        messages.info(request, _("Monitoring was already changed. Here is how it stands now."))
        return _to_care_page(request, patient)
    if not valid:  # ending, not yet confirmed
        return _care_page(request, patient, monitoring_form=form)
    undo = patient.monitoring_now == Patient.Monitoring.ENDED
    set_monitoring(patient=patient, monitoring=chosen, by=request.user)
    if undo:
        notice = _("Monitoring has started again.")
    elif chosen == Patient.Monitoring.ENDED:
        notice = _("Monitoring has ended. You can undo this on this page.")
    else:
        notice = _("Monitoring is active again.")
    messages.success(request, notice)
    return _to_care_page(request, patient)


@require_POST
@nurse_required
def patient_invite(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_for_nurse(request, pk)
    if not patient.user.email:
        return redirect("patient_bedside_invitation", pk=patient.pk)
    send_invitation(user=patient.user)
    messages.success(request, _("We sent a new link to choose a password."))
    return _to_care_page(request, patient)


@require_GET
@nurse_required
def patient_bedside_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    """The invitation link and its QR code, for the patient to scan at the bedside (a patient
    without e-mail, or one who forgot their password). Like the e-mail's link it works once and
    for a few days; the page is never cached."""
    patient = _patient_for_nurse(request, pk)
    url = invitation_url(patient.user)
    context = {"patient": patient, "url": url, "qr": invitation_qr_svg(url)}
    response = render(request, "bedside_invitation.html", context)
    response["Cache-Control"] = "no-store"
    return response


@method_decorator(login_not_required, name="dispatch")
class SetPasswordView(PasswordResetConfirmView):
    """The invitation link: Django's password-reset confirmation with the invitation's token.

    The token moves from the address into the session before the form shows, so it never leaks in
    a Referer header. Once the password is set the patient is logged in and goes to the check-in.
    """

    token_generator = invitation_token_generator
    template_name = "registration/set_password.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("home")

    def get_user(self, uidb64: str):
        """The invited user; their page is in the language the nurse chose for them."""
        user = super().get_user(uidb64)
        if user is not None and (language := Preferences.language_of(user)):
            translation.activate(language)
            self.request.LANGUAGE_CODE = language
        return user

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
    patients = list(course.with_course(Patient.objects.answered_for_by(request.user)))
    patient = _history_patient(request, patients)
    if patient is None:
        return render(request, "history.html", {"choices": patients})
    return render(request, "history.html", course.patient_history(patient, request.user))


def _copy_of(request: HttpRequest, make) -> HttpResponse:
    """The own copy of the patient ``?patient=`` names (as on the history page); a carer of
    several who names none goes to the history page to choose."""
    patients = list(course.with_course(Patient.objects.answered_for_by(request.user)))
    patient = _history_patient(request, patients)
    return redirect("history") if patient is None else make(patient)


@require_GET
def history_copy(request: HttpRequest) -> HttpResponse:
    """The patient's own copy of every check-in, to print or save as a PDF (no nurses' notes)."""
    return _copy_of(
        request,
        lambda patient: render(request, "copy.html", summaries.patient_copy(patient, request.user)),
    )


@require_GET
def history_fhir(request: HttpRequest) -> HttpResponse:
    """The patient's own copy as a FHIR R4 file, in the language of whoever downloads it."""
    language = translation.get_language()
    return _copy_of(
        request,
        lambda patient: _fhir_file(
            fhir.bundle(fhir.read_record(patient), staff=False, language=language)
        ),
    )


@require_GET
@nurse_required
def patient_fhir(request: HttpRequest, pk: int) -> HttpResponse:
    """The staff FHIR R4 export, for the nurses of the patient's care team only; logged.

    Read-only; the questions are in the patient's language, as they were asked."""
    patient = get_object_or_404(Patient.objects.for_nurse(request.user), pk=pk)
    record_read(nurse=request.user, patient=patient, what=TimelineAccess.What.FHIR)
    return _fhir_file(fhir.bundle(fhir.read_record(patient), staff=True))


@require_GET
@nurse_required
def patient_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """One or two printed pages of the course for the chart, for the patient's nurses; logged."""
    patient = get_object_or_404(course.with_course(Patient.objects.for_nurse(request.user)), pk=pk)
    record_read(nurse=request.user, patient=patient, what=TimelineAccess.What.SUMMARY)
    return render(request, "summary.html", summaries.chart_summary(patient))


def _fhir_file(bundle: dict[str, Any]) -> HttpResponse:
    response = HttpResponse(
        json.dumps(bundle, ensure_ascii=False, indent=2),
        content_type="application/fhir+json; charset=utf-8",
    )
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="check-ins-{day}.fhir.json"'
    return response


@require_GET
@nurse_required
def timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The patient's whole course, for the nurses of the patient's care team only."""
    patient = get_object_or_404(course.with_course(Patient.objects.for_nurse(request.user)), pk=pk)
    record_timeline_opened(nurse=request.user, patient=patient)
    asked = request.GET.get("days", str(course.TIMELINE_DAYS))
    days = None if asked == "all" else int(asked) if asked.isdigit() else course.TIMELINE_DAYS
    if days not in course.TIMELINE_WINDOWS:
        days = course.TIMELINE_DAYS
    context = _with_resolve_forms(course.patient_timeline(patient, days=days))
    context["note_form"] = NurseNoteForm(auto_id="note-%s")
    return render(request, "timeline.html", context)


@require_POST
def patient_note(request: HttpRequest, pk: int) -> HttpResponse:
    """A nurse's note on the record, not tied to a flag; back to the timeline's notes."""
    patient = _patient_for_nurse(request, pk)
    form = NurseNoteForm(request.POST)
    if form.is_valid():
        NurseNote.objects.create(
            patient=patient, author=request.user, text=form.cleaned_data["text"]
        )
        messages.success(request, _("Your note is on the record."))
    else:
        messages.warning(request, " ".join(form.errors["text"]))
    days = request.GET.get("days", "")
    query = f"?days={days}" if days == "all" or days.isdigit() else ""  # the window the nurse had
    return redirect(f"{reverse('timeline', args=[patient.pk])}{query}#notes")


@require_GET
@nurse_required
def patients(request: HttpRequest) -> HttpResponse:
    """Every patient of the nurse's care teams, with a way into each timeline and care page."""
    words = request.GET.get("q", "").strip()
    order = request.GET.get("order", "name")
    if order not in PatientQuerySet.ROSTER_ORDERS:
        order = "name"
    # The page is picked by sorting the patients' keys alone, then only its own patients are
    # read in full: sorting every patient's whole row for 50 of them is what made a page slow.
    keys = (
        Patient.objects.for_nurse(request.user)
        .search(words)
        .roster()
        .ordered_by(order)
        .values_list("pk", flat=True)
    )
    page = Paginator(keys, PATIENTS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(
        Patient.objects.filter(pk__in=page.object_list)
        .roster()
        .ordered_by(order)
        .fetch_mode(FETCH_RAISE)
    )
    kept = {k: v for k, v in {"q": words, "order": order}.items() if v and v != "name"}
    context = {
        "patients": page,
        "words": words,
        "order": order,
        "orders": [
            {"key": key, "label": label, "query": urlencode({**kept, "order": key})}
            for key, label in ROSTER_ORDER_LABELS.items()
        ],
        "query": urlencode(kept),
        "rows_key": roster_rows_key(page.object_list, timezone.now()),
    }
    return render(request, "patients.html", context)


PATIENTS_PER_PAGE = 50
ROSTER_ORDER_LABELS = {
    "name": gettext_lazy("Name"),
    "check-in": gettext_lazy("Longest without a check-in"),
    "flag": gettext_lazy("Most urgent flag"),
    "day": gettext_lazy("Fewest days since infusion"),
}


@require_GET
@nurse_required
def rule_book(request: HttpRequest) -> HttpResponse:
    """The triage rule table for the care team, one anchor per rule id (a finding's rule tag
    links here): the same table as ``manage.py rules`` and docs/rules.md."""
    sections: dict[str, list] = {}
    for row in rulebook.RULES:
        shown = {
            "id": row.id,
            "when": row.when,
            "category": category_name(row.category),
            "level": level_name(row.triage),
            "grade": row.grade,
            "sources": ", ".join(row.sources),
        }
        sections.setdefault(rule_table.prefix(row.id), []).append(shown)
    context = {
        "version": rulebook.RULESET_VERSION,
        "sections": [
            (key, rule_table.SECTION_TITLES.get(key, key), rows) for key, rows in sections.items()
        ],
    }
    return render(request, "rules.html", context)


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
    if not answers_for_patients(request.user):
        raise Http404
    group = request.GET.get("group")
    if group not in FOLLOW_UP_GROUPS:
        raise Http404
    if group not in request.GET.getlist("changes"):
        return HttpResponse("")
    form = CheckInForm()
    context = {"form": form, "group": form.checklist_group(group, opened=True, guided=True)}
    return render(request, "checkin.html#group-questions-cached", context)


# -- Languages -------------------------------------------------------------------------------------


@login_not_required
@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switches the language and goes back to the same page.

    A logged-in user's choice is kept with them (``Preferences``), so it follows them to another
    device and through logging out and in; a cookie keeps it for the login page, or for anyone not
    logged in. htmx gets a full reload: every word on the page changes.
    """
    chosen = request.POST.get("language", "")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("home") if request.user.is_authenticated else reverse("login")
    response = HttpResponseClientRedirect(back) if request.htmx else redirect(back)
    if not Preferences.is_supported(chosen):
        return response
    if request.user.is_authenticated:
        Preferences.choose(request.user, chosen)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        chosen,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE or request.is_secure(),
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a login while the user name is locked (AXES_LOCKOUT_CALLABLE).

    It names no patient and no care team: whoever typed the user name may not be its owner. Wrong
    codes from an authenticator app lock out the same way (``tracker.second_factor_views``).
    """
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        "minutes": minutes,
        "failures": settings.AXES_FAILURE_LIMIT,
        "wrong_code": getattr(request, "second_factor_locked_out", False),
    }
    return render(request, "registration/lockout.html", context, status=429)
