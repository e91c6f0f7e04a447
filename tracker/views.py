"""Views: a few lines each, calling named QuerySet methods; who may see what is checked here.

Every lookup starts from ``request.user``: a patient reaches only their own reports, a nurse only
the flags of their own care teams, and anything else is a 404 (we do not confirm it exists).
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import PasswordResetConfirmView
from django.core.paginator import Paginator
from django.db.models import FETCH_RAISE, Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import formats, timezone, translation
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from symptoms.explain import advice_for, explain
from tracker import course
from tracker.access import answers_for_patients, is_nurse
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
from tracker.forms import (
    FOLLOW_UP_GROUPS,
    CheckInForm,
    DashboardFilterForm,
    EnrolmentForm,
    InfusionForm,
    LabsForm,
    MonitoringForm,
    ResolveFlagForm,
)
from tracker.models import (
    CareTeam,
    Flag,
    FlagEvent,
    Level,
    Patient,
    PatientQuerySet,
    Preferences,
    Report,
)
from tracker.tokens import invitation_token_generator


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


def _require_nurse(request: HttpRequest) -> None:
    if not is_nurse(request.user):
        raise Http404


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if answers_for_patients(request.user):
        return redirect("checkin")
    if is_nurse(request.user):
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
    # Asked before the list is read: a change in between costs one more drawing, never a miss.
    version = _worklist_version(request)
    polling = request.htmx and request.htmx.target == "worklist"
    if polling and request.headers.get("X-Worklist-Version") == version:
        return HttpResponse(status=204)  # htmx leaves the list as it is
    context = {**_dashboard_context(request), "version": version}
    return render(request, "dashboard.html#worklist" if polling else "dashboard.html", context)


# The refresh's version also moves on every few minutes, so "open for" times stay near the truth.
VERSION_MINUTES = 5


def _worklist_version(request: HttpRequest) -> str:
    """What the nurse's list depends on, in a few indexed reads: their latest flag step and
    report, how many flags are waiting and overdue, the query, the language and the time."""
    now = timezone.now()
    flags = Flag.objects.for_nurse(request.user)
    waiting = list(
        flags.unresolved()
        .with_waiting_since()
        .values_list(
            "status",
            "level",
            "waiting_since",
            "patient__care_team__emergency_target",
            "patient__care_team__urgent_now_target",
            "patient__care_team__urgent_today_target",
        )
    )
    overdue = sum(
        status == Flag.Status.OPEN
        and now - since
        >= {Level.EMERGENCY: emergency, Level.URGENT_NOW: urgent_now}.get(level, urgent_today)
        for status, level, since, emergency, urgent_now, urgent_today in waiting
    )
    facts = [
        request.user.pk,
        translation.get_language(),
        sorted(request.GET.items()),
        now.replace(second=0, microsecond=0, minute=now.minute - now.minute % VERSION_MINUTES),
        len(waiting),
        overdue,
        FlagEvent.objects.filter(flag__in=flags).order_by("-pk").values_list("pk").first(),
        Report.objects.for_nurse(request.user).order_by("-pk").values_list("pk").first(),
        Patient.objects.for_nurse(request.user).order_by("-pk").values_list("pk").first(),
    ]
    return hashlib.sha256(repr(facts).encode()).hexdigest()[:20]


@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _flag_of(request, pk)
    notice = None
    if not flag.acknowledge(request.user):
        notice = _("%(name)s had already acknowledged this flag at %(time)s.") % {
            "name": _name(flag.acknowledged_by),
            "time": _clock(flag.acknowledged_at),
        }
    return _after_flag_action(request, flag, notice)


# The nurse's flag actions. Each answers an htmx request with the flag's row, and a plain form post
# with a redirect back to the dashboard (its filters kept) and a message.

RECENTLY_RESOLVED = timedelta(hours=12)
MISSED_PER_PAGE = 20
FLAGS_PER_PAGE = 50


@require_http_methods(["GET", "POST"])
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _flag_of(request, pk)
    if request.method == "GET":
        # The form, when a nurse opens it: into the row for htmx, else on a page of its own.
        flag.resolve_form = _resolve_form(flag)
        if request.htmx:
            return render(request, "dashboard.html#resolve-form", {"flag": flag})
        return render(request, "resolve.html", {"flag": flag})
    form = ResolveFlagForm(request.POST, auto_id=f"flag-{flag.pk}-%s")
    if not form.is_valid():
        flag.resolve_form = form
        if request.htmx:
            return render(request, "dashboard.html#flag-row", {"flag": flag})
        return render(request, "dashboard.html", _dashboard_context(request, bound={pk: form}))
    data = form.cleaned_data
    notice = None
    if not flag.resolve(request.user, data["outcome"], data["note"], report_id=data["report"]):
        if flag.status == Flag.Status.RESOLVED:
            notice = _("%(name)s had already resolved this flag at %(time)s.") % {
                "name": _name(flag.resolved_by),
                "time": _clock(flag.resolved_at),
            }
        else:
            notice = _(
                "A new check-in came in at %(time)s. Please read it before you resolve this flag."
            ) % {"time": _clock(flag.report.submitted_at)}
    return _after_flag_action(request, flag, notice)


@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _flag_of(request, pk)
    notice = None
    if not flag.reopen(request.user):
        event = flag.latest_event(FlagEvent.Action.REOPENED)
        if flag.status != Flag.Status.RESOLVED and event is not None:
            notice = _("%(name)s had already reopened this flag at %(time)s.") % {
                "name": _name(event.by),
                "time": _clock(event.at),
            }
        else:
            notice = _("This patient already has a flag on the list. Please work on that one.")
    return _after_flag_action(request, flag, notice)


def _nurse_teams(request: HttpRequest) -> list[CareTeam]:
    teams = list(request.user.care_teams.all())
    if not teams:
        raise Http404
    return teams


def _flag_of(request: HttpRequest, pk: int) -> Flag:
    return get_object_or_404(Flag.objects.for_nurse(request.user).as_rows(), pk=pk)


def _dashboard_context(request: HttpRequest, *, bound: dict[int, ResolveFlagForm] | None = None):
    """Everything the dashboard shows, in a fixed number of queries however many flags there are."""
    teams = _nurse_teams(request)
    filters = DashboardFilterForm(request.GET, teams=teams)
    filters.is_valid()
    chosen = filters.cleaned_data
    waiting = Flag.objects.for_nurse(request.user).unresolved()
    if chosen.get("status"):
        waiting = waiting.filter(status=chosen["status"])
    if chosen.get("team"):
        waiting = waiting.filter(patient__care_team=chosen["team"])
        teams = [t for t in teams if t.pk == chosen["team"].pk]
    flags = waiting.most_urgent_first().as_rows().fetch_mode(FETCH_RAISE)
    if chosen.get("category"):
        # Categories are inside each report's findings (JSON): chosen here, on the short list.
        rows = [flag for flag in flags if chosen["category"] in flag.categories]
        counts = Counter(flag.level for flag in rows)
        if chosen.get("level"):
            rows = [flag for flag in rows if flag.level == chosen["level"]]
    else:
        counts = Counter(dict(waiting.order_by().values_list("level").annotate(Count("pk"))))
        rows = flags.filter(level=chosen["level"]) if chosen.get("level") else flags
    # Most urgent first, a page at a time: the counts above give every level's whole number.
    rows = Paginator(rows, FLAGS_PER_PAGE).get_page(request.GET.get("page"))
    for flag in rows:
        flag.resolve_form = (bound or {}).get(flag.pk)  # only a form sent back with errors
    query = {k: v for k, v in request.GET.items() if k in filters.fields and v}
    levels = [
        {
            "level": level,
            "count": counts[level],
            "chosen": chosen.get("level") == level,
            "query": urlencode({**query, "level": level.value}),
        }
        for level in reversed(Level.flagged())
    ]
    missed_list = (
        Patient.objects.for_nurse(request.user)
        .monitored()
        .without_check_in_today([team.time_zone for team in teams])
        .filter(care_team__in=teams)
        .select_related("user", "care_team")
        .order_by("care_team__name", "user__last_name", "user__first_name")
        .fetch_mode(FETCH_RAISE)
    )
    missed = Paginator(missed_list, MISSED_PER_PAGE).get_page(request.GET.get("missed"))
    resolved = (
        Flag.objects.for_nurse(request.user)
        .recently_resolved(since=timezone.now() - RECENTLY_RESOLVED)
        .fetch_mode(FETCH_RAISE)[:10]
    )
    return {
        "flags": rows,
        "filters": filters,
        "levels": levels,
        "filtered": bool(query),
        "query": urlencode(
            {
                **query,
                **({"page": rows.number} if rows.number > 1 else {}),
                **({"missed": missed.number} if missed.number > 1 else {}),
            }
        ),
        "missed_query": urlencode(query),
        "missed": missed,
        "resolved": resolved,
        "many_teams": len(teams) > 1 or bool(chosen.get("team")),
    }


def _resolve_form(flag: Flag) -> ResolveFlagForm:
    return ResolveFlagForm(auto_id=f"flag-{flag.pk}-%s", initial={"report": flag.report_id})


def _after_flag_action(request: HttpRequest, flag: Flag, notice: str | None) -> HttpResponse:
    if request.htmx:
        return render(request, "dashboard.html#flag-row", {"flag": flag, "notice": notice})
    if notice:
        messages.warning(request, notice)
    else:
        messages.success(request, _done_message(flag))
    url = reverse("dashboard")
    return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)


def _done_message(flag: Flag) -> str:
    params = {"patient": flag.patient.name, "time": _clock(timezone.now())}
    if flag.status == Flag.Status.RESOLVED:
        return _("You resolved the flag for %(patient)s at %(time)s.") % params
    if flag.status == Flag.Status.ACKNOWLEDGED:
        return _("You acknowledged the flag for %(patient)s at %(time)s.") % params
    return _("You reopened the flag for %(patient)s at %(time)s.") % params


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _clock(moment: datetime) -> str:
    return formats.time_format(timezone.localtime(moment), "H:i")


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
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("home")

    def get_user(self, uidb64: str):
        """The invited user; their page is in the language the nurse chose for them."""
        user = super().get_user(uidb64)
        language = Preferences.language_of(user) if user is not None else None
        if language in dict(settings.LANGUAGES):
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


@require_GET
def timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The patient's whole course, for the nurses of the patient's care team only."""
    patient = get_object_or_404(course.with_course(Patient.objects.for_nurse(request.user)), pk=pk)
    record_timeline_opened(nurse=request.user, patient=patient)
    asked = request.GET.get("days", str(course.TIMELINE_DAYS))
    days = None if asked == "all" else int(asked) if asked.isdigit() else course.TIMELINE_DAYS
    if days not in course.TIMELINE_WINDOWS:
        days = course.TIMELINE_DAYS
    return render(request, "timeline.html", course.patient_timeline(patient, days=days))


@require_GET
def patients(request: HttpRequest) -> HttpResponse:
    """Every patient of the nurse's care teams, with a way into each timeline and care page."""
    _require_nurse(request)
    words = request.GET.get("q", "").strip()
    order = request.GET.get("order", "name")
    if order not in PatientQuerySet.ROSTER_ORDERS:
        order = "name"
    rows = (
        Patient.objects.for_nurse(request.user)
        .search(words)
        .roster()
        .ordered_by(order)
        .fetch_mode(FETCH_RAISE)
    )
    page = Paginator(rows, PATIENTS_PER_PAGE).get_page(request.GET.get("page"))
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
    context = {"form": form, "group": form.checklist_group(group, opened=True), "guided": True}
    return render(request, "checkin.html#group-questions", context)


# -- Languages (h5) --------------------------------------------------------------------------------


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
    if chosen not in dict(settings.LANGUAGES):
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

    It names no patient and no care team: whoever typed the user name may not be its owner.
    """
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"minutes": minutes, "failures": settings.AXES_FAILURE_LIMIT}
    return render(request, "registration/lockout.html", context, status=429)
