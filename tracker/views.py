"""Views: a few lines each, calling named QuerySet methods; who may see what is checked here.

Every lookup starts from ``request.user``: a patient reaches only their own reports, a nurse only
the flags of their own care teams, and anything else is a 404 (we do not confirm it exists).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import FETCH_RAISE
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from tracker.checkins import record_report
from tracker.forms import CheckInForm, DashboardFilterForm, ResolveFlagForm
from tracker.models import CareTeam, Flag, FlagEvent, Level, Patient, Report


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
    context = _dashboard_context(request)
    polling = request.htmx and request.htmx.target == "worklist"
    return render(request, "dashboard.html#worklist" if polling else "dashboard.html", context)


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


@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    flag = _flag_of(request, pk)
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
    flags = (
        Flag.objects.for_nurse(request.user)
        .with_waiting_since()
        .select_related(
            "patient__user",
            "patient__care_team",
            "report__reported_by",
            "acknowledged_by",
            "resolved_by",
        )
    )
    return get_object_or_404(flags, pk=pk)


def _dashboard_context(request: HttpRequest, *, bound: dict[int, ResolveFlagForm] | None = None):
    """Everything the dashboard shows, in a fixed number of queries however many flags there are."""
    teams = _nurse_teams(request)
    filters = DashboardFilterForm(request.GET, teams=teams)
    filters.is_valid()
    chosen = filters.cleaned_data
    flags = Flag.objects.for_nurse(request.user).for_dashboard()
    if chosen.get("status"):
        flags = flags.filter(status=chosen["status"])
    if chosen.get("team"):
        flags = flags.filter(patient__care_team=chosen["team"])
        teams = [t for t in teams if t.pk == chosen["team"].pk]
    # Categories are inside each report's findings (JSON): chosen here, on the short list.
    rows = [
        flag
        for flag in flags.fetch_mode(FETCH_RAISE)
        if not chosen.get("category") or chosen["category"] in flag.categories
    ]
    counts = Counter(flag.level for flag in rows)
    if chosen.get("level"):
        rows = [flag for flag in rows if flag.level == chosen["level"]]
    for flag in rows:
        flag.resolve_form = (bound or {}).get(flag.pk) or ResolveFlagForm(
            auto_id=f"flag-{flag.pk}-%s", initial={"report": flag.report_id}
        )
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
    missed = (
        Patient.objects.for_nurse(request.user)
        .monitored()
        .without_check_in_today([team.time_zone for team in teams])
        .filter(care_team__in=teams)
        .select_related("user", "care_team")
        .order_by("care_team__name", "user__last_name", "user__first_name")
        .fetch_mode(FETCH_RAISE)
    )
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
        "query": urlencode(query),
        "missed": missed,
        "resolved": resolved,
        "many_teams": len(teams) > 1 or bool(chosen.get("team")),
    }


def _after_flag_action(request: HttpRequest, flag: Flag, notice: str | None) -> HttpResponse:
    if request.htmx:
        if flag.status != Flag.Status.RESOLVED:
            flag.resolve_form = ResolveFlagForm(
                auto_id=f"flag-{flag.pk}-%s", initial={"report": flag.report_id}
            )
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
