"""The nurse's worklist on the dashboard: the flags, and the panels beside them.

Drawing the list is the dashboard's whole cost (50 rows of findings in sentences), and a nurse's
screen asks for it every 30 seconds. So each part is drawn once for each *version* of what it shows
and kept (the "worklists" cache, in each process's memory), then sent again as drawn while the
version holds:

- the flags' version: the nurse's flags waiting, overdue and acknowledged too long, their latest
  step (a new check-in joining a flag is a step), the latest change to any flag, patient or
  infusion record;
- the panels' version: the latest check-in and patient of the nurse's teams (who has not checked
  in today), the latest flag step (resolved in the last 12 hours), the same record changes;
- both: the nurse, their teams, the filters and pages asked for, the language, the time zone, and
  the clock in ``VERSION_MINUTES`` steps, so "open for" times and day changes are never further
  behind than that.

Each version is read before its part is, so a change in between costs one more drawing, never a
stale list. The forms in the list carry the session's CSRF token, so the session's CSRF secret is
part of every key: nothing drawn for one session is sent to another.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import reduce
from typing import Any

from django.core.cache import caches
from django.core.paginator import Paginator
from django.db.models import FETCH_RAISE, Count
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from tracker.forms import DashboardFilterForm, ResolveFlagForm
from tracker.models import (
    ROSTER_ANNOTATIONS,
    ROSTER_COLUMNS,
    CareTeam,
    Flag,
    FlagEvent,
    Infusion,
    Level,
    Patient,
    Report,
)

VERSION_MINUTES = 5
RECENTLY_RESOLVED = timedelta(hours=12)
MISSED_PER_PAGE = 20
FLAGS_PER_PAGE = 50
KEPT = caches["worklists"]


class Worklist:
    """One nurse's list as asked for by one request (its filters and pages)."""

    def __init__(self, request: HttpRequest, teams: list[CareTeam]) -> None:
        self.request = request
        self.teams = teams  # the nurse's care teams (request.user.care_teams)
        self.now = timezone.now()
        # Flag.objects.for_nurse, through the teams already read.
        self.flags = Flag.objects.filter(patient__care_team__in=teams)
        common = [
            request.user.pk,
            [team.pk for team in teams],
            sorted(request.GET.items()),
            translation.get_language(),
            timezone.get_current_timezone_name(),
            clock_step(self.now),
            # Any record changed anywhere (rare): names, monitoring, pauses, infusion dates.
            Patient.history.order_by("-history_id").values_list("history_id").first(),
            Infusion.history.order_by("-history_id").values_list("history_id").first(),
            self.latest_step(),
        ]
        self.flag_facts = [*common, *self.waiting_facts(), self.latest_flag_change()]
        self.panel_facts = [
            *common,
            Report.objects.filter(patient__care_team__in=teams)
            .order_by("-pk")
            .values_list("pk")
            .first(),
            Patient.objects.filter(care_team__in=teams).order_by("-pk").values_list("pk").first(),
        ]

    @cached_property
    def filters(self) -> DashboardFilterForm:
        filters = DashboardFilterForm(self.request.GET, teams=self.teams)
        filters.is_valid()
        return filters

    @property
    def chosen(self) -> dict[str, Any]:
        return self.filters.cleaned_data

    @property
    def version(self) -> str:
        """What the dashboard's refresh sends back: the same version, the same list."""
        return digest([self.flag_facts, self.panel_facts])

    @property
    def many_teams(self) -> bool:
        return len(self.teams) > 1 or bool(self.chosen.get("team"))

    @property
    def shown_teams(self) -> list[CareTeam]:
        if self.chosen.get("team"):
            return [team for team in self.teams if team.pk == self.chosen["team"].pk]
        return self.teams

    @property
    def query(self) -> dict[str, str]:
        """The filters asked for (not the pages)."""
        return {k: v for k, v in self.request.GET.items() if k in self.filters.fields and v}

    def latest_step(self) -> int | None:
        found = FlagEvent.objects.filter(flag__in=self.flags).order_by("-pk").values_list("pk")
        return (found.first() or (None,))[0]

    @staticmethod
    def latest_flag_change() -> int | None:
        """Any flag changed anywhere, also outside the nurse's steps (the admin, enrolment)."""
        return Flag.history.order_by("-history_id").values_list("history_id").first()

    def waiting_facts(self) -> list[int]:
        """How many flags wait, and how many of them are overdue or acknowledged too long now."""
        by_pk = {team.pk: team for team in self.teams}
        columns = ("status", "level", "waiting_since", "acknowledged_at", "patient__care_team")
        late = [
            Flag.is_late(status, level, since, acknowledged_at, by_pk[team], self.now)
            for status, level, since, acknowledged_at, team in self.flags.unresolved()
            .with_waiting_since()
            .values_list(*columns)
        ]
        return [
            len(late),
            sum(overdue for overdue, _ in late),
            sum(too_long for _, too_long in late),
        ]

    # Drawing

    def html(self) -> SafeString:
        """The whole list (``dashboard.html#worklist``), each part as kept or drawn now."""
        context = {
            "version": self.version,
            "query": urlencode(self.refresh_query()),
            "flag_list": self.kept("flags", self.flag_facts, "flag-list", self.flag_context),
            "side_panels": self.kept("panels", self.panel_facts, "side-panels", self.panel_context),
        }
        return mark_safe(render_to_string("dashboard.html#worklist", context, self.request))  # noqa: S308

    def context(self, bound: dict[int, ResolveFlagForm]) -> dict[str, Any]:
        """Everything, drawn now: for a resolve form sent back with errors (no JavaScript)."""
        return {
            **self.flag_context(bound),
            **self.panel_context(),
            "version": self.version,
            "query": urlencode(self.refresh_query()),
        }

    def kept(self, part: str, facts: list, name: str, context: Callable[[], dict]) -> SafeString:
        get_token(self.request)  # the session's CSRF secret exists from here on
        secret = hashlib.sha256(self.request.META["CSRF_COOKIE"].encode()).hexdigest()[:20]
        key = f"{part}:{digest(facts)}:{secret}"
        drawn = KEPT.get(key)
        if drawn is None:
            drawn = render_to_string(f"dashboard.html#{name}", context(), self.request)
            KEPT.set(key, drawn, timeout=VERSION_MINUTES * 60)
        return mark_safe(drawn)  # noqa: S308 - our own template's output, kept as drawn

    def refresh_query(self) -> dict[str, str]:
        """What the refresh asks for: the filters and the pages shown."""
        pages = {
            name: self.request.GET[name]
            for name in ("page", "missed")
            if self.request.GET.get(name, "").isdigit() and int(self.request.GET[name]) > 1
        }
        return {**self.query, **pages}

    def flag_context(self, bound: dict[int, ResolveFlagForm] | None = None) -> dict[str, Any]:
        """The flags, most urgent first, a page at a time, in a fixed number of queries."""
        chosen = self.chosen
        waiting = self.flags.unresolved()
        if chosen.get("status"):
            waiting = waiting.filter(status=chosen["status"])
        if chosen.get("team"):
            waiting = waiting.filter(patient__care_team=chosen["team"])
        flags = waiting.most_urgent_first().as_page_of_rows().fetch_mode(FETCH_RAISE)
        if chosen.get("category"):
            # Categories are inside each report's findings (JSON): chosen here, on the short list.
            rows = [flag for flag in flags if chosen["category"] in flag.categories]
            counts = Counter(flag.level for flag in rows)
            if chosen.get("level"):
                rows = [flag for flag in rows if flag.level == chosen["level"]]
        else:
            counts = Counter(dict(waiting.order_by().values_list("level").annotate(Count("pk"))))
            rows = flags.filter(level=chosen["level"]) if chosen.get("level") else flags
        # The counts above give every level's whole number.
        rows = Paginator(rows, FLAGS_PER_PAGE).get_page(self.request.GET.get("page"))
        query = self.query
        return {
            "flags": rows,
            # Each row: the flag, and its resolve form only when one was sent back with errors.
            "rows": [{"flag": flag, "form": (bound or {}).get(flag.pk)} for flag in rows],
            "levels": [
                {
                    "level": level,
                    "count": counts[level],
                    "chosen": chosen.get("level") == level,
                    "query": urlencode({**query, "level": level.value}),
                }
                for level in reversed(Level.flagged())
            ],
            "filtered": bool(query),
            "missed_query": urlencode(query),
        }

    def panel_context(self) -> dict[str, Any]:
        """Who has not checked in today, and the flags resolved in the last 12 hours."""
        teams = self.shown_teams
        missed = (
            Patient.objects.monitored()
            .without_check_in_today([team.time_zone for team in teams])
            .filter(care_team__in=teams)
            .select_related("user", "care_team")
            .order_by("care_team__name", "user__last_name", "user__first_name")
            .fetch_mode(FETCH_RAISE)
        )
        return {
            "missed": Paginator(missed, MISSED_PER_PAGE).get_page(self.request.GET.get("missed")),
            "missed_query": urlencode(self.query),
            "resolved": self.flags.filter(patient__care_team__in=teams)
            .recently_resolved(since=self.now - RECENTLY_RESOLVED)
            .fetch_mode(FETCH_RAISE)[:10],
            "many_teams": self.many_teams,
        }


def digest(facts: list) -> str:
    return hashlib.sha256(repr(facts).encode()).hexdigest()[:20]


def clock_step(now: datetime) -> datetime:
    """``now`` to the 5-minute step: lists kept this long say "5 minutes ago" a little late."""
    return now.replace(second=0, microsecond=0, minute=now.minute - now.minute % VERSION_MINUTES)


def roster_rows_key(patients: list[Patient], now: datetime) -> str:
    """The patient list's rows as a cache key: every column a row shows (``roster()``), the
    language and zone they are shown in, and the 5-minute step of the clock, as the dashboard's
    lists have (a day turns at midnight exactly, "last check-in 3 minutes ago" may lag by as much).
    """
    return digest(
        [
            translation.get_language(),
            timezone.get_current_timezone_name(),
            clock_step(now),
            [
                (
                    patient.pk,
                    *(reduce(getattr, column.split("__"), patient) for column in ROSTER_COLUMNS),
                    *(getattr(patient, name) for name in ROSTER_ANNOTATIONS),
                )
                for patient in patients
            ],
        ]
    )
