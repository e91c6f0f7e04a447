"""The care workflow's storage: care teams, patients, infusions, reports and flags.

Reads live on the QuerySets (``Flag.objects.for_nurse(user).unresolved()``); every query that a view
makes starts from the user who asks, so a patient sees only their own data and a nurse only the
patients of their own care teams.
"""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from symptoms import Triage
from symptoms.describe import CATEGORY_NAMES, LEVEL_NAMES, Reading, Reason, describe, key_readings
from symptoms.describe import value_text as describe_value
from symptoms.levels import Category


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a time zone name."), params={"value": value})


class Level(models.IntegerChoices):
    """The contract's triage levels, stored as their order so "most urgent first" is a sort."""

    NONE = Triage.NONE, LEVEL_NAMES[Triage.NONE]
    ROUTINE = Triage.ROUTINE, LEVEL_NAMES[Triage.ROUTINE]
    URGENT_TODAY = Triage.URGENT_TODAY, LEVEL_NAMES[Triage.URGENT_TODAY]
    URGENT_NOW = Triage.URGENT_NOW, LEVEL_NAMES[Triage.URGENT_NOW]
    EMERGENCY = Triage.EMERGENCY, LEVEL_NAMES[Triage.EMERGENCY]

    @classmethod
    def flagged(cls) -> list[Level]:
        """Levels that put a report on the nurses' dashboard."""
        return [cls.URGENT_TODAY, cls.URGENT_NOW, cls.EMERGENCY]


class RiskCategory(models.TextChoices):
    """The engine's finding categories, with the names nurses read on the dashboard."""

    CRS = Category.CRS, CATEGORY_NAMES[Category.CRS]
    NEUROTOXICITY = Category.NEUROTOXICITY, CATEGORY_NAMES[Category.NEUROTOXICITY]
    HEMATOLOGIC = Category.HEMATOLOGIC, CATEGORY_NAMES[Category.HEMATOLOGIC]
    INFECTION = Category.INFECTION, CATEGORY_NAMES[Category.INFECTION]
    GVHD = Category.GVHD, CATEGORY_NAMES[Category.GVHD]
    ALLERGIC = Category.ALLERGIC, CATEGORY_NAMES[Category.ALLERGIC]
    GENERAL = Category.GENERAL, CATEGORY_NAMES[Category.GENERAL]


class CareTeam(models.Model):
    name = models.CharField(max_length=120, unique=True)
    # A number the patient's phone can dial from the red Call button, never "call the ward".
    phone_24h = PhoneNumberField(
        _("24-hour phone number"),
        help_text=_("With the country code, for example +44 20 7946 0000."),
    )
    emergency_number = models.CharField(_("emergency number"), max_length=20)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    temperature_unit = models.CharField(
        _("temperature unit"),
        max_length=1,
        choices=[("C", "°C"), ("F", "°F")],
        default="C",
        help_text=_("The unit the check-in offers first; patients can always choose the other."),
    )
    fever_threshold_c = models.DecimalField(
        _("fever threshold (°C)"),
        max_digits=3,
        decimal_places=1,
        default=38.0,
        validators=[MinValueValidator(37.0), MaxValueValidator(39.0)],
        help_text=_("Site parameter: 38.0 by default; some UK programmes use 37.5."),
    )
    nurses = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="care_teams", blank=True)
    reminder_time = models.TimeField(
        _("check-in reminder time"),
        default=time(10, 0),
        help_text=_("Patients who have not checked in by this local time get a reminder."),
    )
    # How long a flag may wait for a nurse before it is overdue (trial defaults: 15 min, 1 h, 24 h).
    emergency_target = models.DurationField(
        _("response target for emergencies"), default=timedelta(minutes=15)
    )
    urgent_now_target = models.DurationField(
        _("response target for urgent-now flags"), default=timedelta(hours=1)
    )
    urgent_today_target = models.DurationField(
        _("response target for urgent-today flags"), default=timedelta(hours=24)
    )
    # How long an acknowledged flag may stay unresolved before it is overdue again. Emergency 4 h:
    # time to get the patient to hospital and hear how they are; urgent now 8 h: one nursing
    # shift, so nothing acknowledged is handed over unresolved; urgent today 24 h: by the next
    # day's check-in.
    emergency_resolve_target = models.DurationField(
        _("resolve target for emergencies"), default=timedelta(hours=4)
    )
    urgent_now_resolve_target = models.DurationField(
        _("resolve target for urgent-now flags"), default=timedelta(hours=8)
    )
    urgent_today_resolve_target = models.DurationField(
        _("resolve target for urgent-today flags"), default=timedelta(hours=24)
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fever_threshold_c__gte=37.0) & Q(fever_threshold_c__lte=39.0),
                name="care_team_fever_threshold_in_range",
            ),
            models.CheckConstraint(
                condition=Q(emergency_target__gt=timedelta(0))
                & Q(urgent_now_target__gt=timedelta(0))
                & Q(urgent_today_target__gt=timedelta(0)),
                name="care_team_response_targets_positive",
            ),
            models.CheckConstraint(
                condition=Q(emergency_resolve_target__gt=timedelta(0))
                & Q(urgent_now_resolve_target__gt=timedelta(0))
                & Q(urgent_today_resolve_target__gt=timedelta(0)),
                name="care_team_resolve_targets_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def days_back(self, now: datetime, days: int, earlier: timedelta = timedelta()) -> datetime:
        """A moment ``days`` calendar days before ``now`` in the team's zone (after, if negative),
        ``earlier`` (not negative) before the same clock time but never before that day's
        midnight, so its day count stays ``days`` at any hour: demo data and tests made just after
        midnight or across a clock change."""
        zone = self.zone
        day = now.astimezone(zone).date() - timedelta(days=days)
        midnight = datetime.combine(day, time.min, tzinfo=zone)
        moment = now - timedelta(days=days) - earlier
        if moment.astimezone(zone).date() != day:
            moment = midnight if moment < midnight else datetime.combine(day, time.max, tzinfo=zone)
        return moment

    def response_target(self, level: int) -> timedelta:
        """How long a flag of ``level`` may stay unacknowledged before it is overdue."""
        return {
            Level.EMERGENCY: self.emergency_target,
            Level.URGENT_NOW: self.urgent_now_target,
        }.get(Level(level), self.urgent_today_target)

    def resolve_target(self, level: int) -> timedelta:
        """How long a flag of ``level`` may stay acknowledged but unresolved."""
        return {
            Level.EMERGENCY: self.emergency_resolve_target,
            Level.URGENT_NOW: self.urgent_now_resolve_target,
        }.get(Level(level), self.urgent_today_resolve_target)


# What a row of the patient list shows: the name, the team (and its clock, for the day since the
# infusion) and the monitoring status, then what ``roster()`` adds (the rows' cache key reads both).
ROSTER_ANNOTATIONS = (
    "last_check_in",
    "flag_level",
    "latest_infusion_at",
    "latest_infusion_product",
)
ROSTER_COLUMNS = (
    "user__first_name",
    "user__last_name",
    "user__username",
    "care_team__name",
    "care_team__time_zone",
    "monitoring",
    "resumes_at",
)


class PatientQuerySet(models.QuerySet):
    def for_nurse(self, user) -> PatientQuerySet:
        return self.filter(care_team__nurses=user)

    def answered_for_by(self, user) -> PatientQuerySet:
        """The patients ``user`` may check in for and read about: themselves, and whoever they
        care for (a subquery, so no row comes twice). The two indexed lookups are joined with
        UNION: an OR across them would read every patient."""
        own = Patient.objects.filter(user=user).values("pk")
        return self.filter(pk__in=own.union(user.cared_for.values("pk")))

    def monitored(self, at: datetime | None = None) -> PatientQuerySet:
        """Patients being watched at home: monitoring active (or a pause past its planned end)
        and an infusion already given."""
        at = at or timezone.now()
        given = Infusion.objects.filter(patient=OuterRef("pk"), given_at__lte=at)
        return self.filter(Exists(given), Patient.active_at(at))

    def roster(self) -> PatientQuerySet:
        """A nurse's patient list: last check-in, unresolved flag level and the latest infusion
        given (when and what), in one query; only the columns the list shows."""
        reports = Report.objects.filter(patient=OuterRef("pk")).order_by("-submitted_at")
        flags = Flag.objects.filter(patient=OuterRef("pk")).exclude(status=Flag.Status.RESOLVED)
        given = Infusion.objects.filter(
            patient=OuterRef("pk"), given_at__lte=timezone.now()
        ).order_by("-given_at")
        return (
            self.select_related("user", "care_team")
            .only(*ROSTER_COLUMNS)
            .annotate(  # ROSTER_ANNOTATIONS
                last_check_in=Subquery(reports.values("submitted_at")[:1]),
                flag_level=Subquery(flags.values("level")[:1]),
                latest_infusion_at=Subquery(given.values("given_at")[:1]),
                latest_infusion_product=Subquery(given.values("product")[:1]),
            )
        )

    def search(self, words: str) -> PatientQuerySet:
        """Patients whose name, user name or e-mail address holds every word of ``words``."""
        for word in words.split():
            self = self.filter(
                Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
                | Q(user__username__icontains=word)
                | Q(user__email__icontains=word)
            )
        return self

    # The patient list's orders (on ``roster()``), each ending with the name so pages are stable.
    ROSTER_ORDERS = {
        "name": [],
        "check-in": [F("last_check_in").asc(nulls_first=True)],
        "flag": [F("flag_level").desc(nulls_last=True)],
        "day": [F("latest_infusion_at").desc(nulls_last=True)],
    }

    def ordered_by(self, key: str) -> PatientQuerySet:
        order = self.ROSTER_ORDERS.get(key, [])
        return self.order_by(*order, "user__last_name", "user__first_name", "pk")

    def without_check_in_today(
        self, zones: list[str], now: datetime | None = None
    ) -> PatientQuerySet:
        """Patients with no report since midnight in their care team's time zone.

        ``zones`` are the time zones of the care teams asked about (one condition per zone, so the
        list is one query however many patients there are); a patient of another zone is left out.
        """
        now = now or timezone.now()
        midnights = {
            zone: now.astimezone(zoneinfo.ZoneInfo(zone)).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
            for zone in sorted(set(zones))
        }
        if not midnights:
            return self.none()
        # One anti-join on the (patient, newest report) index against each patient's own midnight.
        midnight = Case(
            *[When(care_team__time_zone=zone, then=Value(at)) for zone, at in midnights.items()],
            output_field=models.DateTimeField(),
        )
        since_midnight = Report.objects.filter(
            patient=OuterRef("pk"), submitted_at__gte=OuterRef("midnight")
        )
        latest = Report.objects.filter(patient=OuterRef("pk")).order_by("-submitted_at")
        return (
            self.filter(care_team__time_zone__in=list(midnights))
            .alias(midnight=midnight)
            .filter(~Exists(since_midnight))
            .annotate(last_check_in=Subquery(latest.values("submitted_at")[:1]))
        )


def display_name(user) -> str:
    """How the app names a person to others: their full name, or their user name without one."""
    return user.get_full_name() or user.get_username()


class Patient(models.Model):
    class Monitoring(models.TextChoices):
        ACTIVE = "active", _("active")
        PAUSED = "paused", _("paused (in hospital)")
        ENDED = "ended", _("ended")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patient"
    )
    carers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="cared_for",
        blank=True,
        help_text=_("People who may check in for this patient."),
    )
    # Paused and ended monitoring mute reminders and missed-check-in entries; check-ins still work.
    monitoring = models.CharField(max_length=8, choices=Monitoring, default=Monitoring.ACTIVE)
    pause_reason = models.CharField(_("reason for the pause"), max_length=200, blank=True)
    # A pause ends by itself here (the start of its planned end date, care team's clock): every
    # reader asks ``monitoring_at``/``active_at``, so no job has to remember to resume it.
    resumes_at = models.DateTimeField(_("monitoring resumes"), null=True, blank=True)
    phone = PhoneNumberField(
        _("phone number"),
        blank=True,
        help_text=_("With the country code, for example +44 7700 900123."),
    )
    hospital_number = models.CharField(_("hospital number"), max_length=40, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    remind_carers = models.BooleanField(_("carers get the check-in reminder too"), default=False)
    care_team = models.ForeignKey(CareTeam, on_delete=models.PROTECT, related_name="patients")
    prior_allogeneic_transplant = models.BooleanField(
        _("earlier allogeneic stem-cell transplant"), default=False
    )
    neutropenia_expected = models.BooleanField(default=False)
    crs_treated = models.BooleanField(_("tocilizumab or steroids given for CRS"), default=False)
    baseline = models.JSONField(default=dict, blank=True)
    labs = models.JSONField(_("latest labs"), default=dict, blank=True)
    # The devices at home, as the patient or carer last said on the check-in: without one, its
    # questions come already answered "could not measure", and can be changed.
    has_bp_cuff = models.BooleanField(_("has a blood pressure machine at home"), default=True)
    has_oximeter = models.BooleanField(_("has a finger clip for oxygen at home"), default=True)
    history = HistoricalRecords()

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return display_name(self.user)

    @staticmethod
    def active_at(at: datetime) -> Q:
        """The condition "monitoring is active at ``at``", a pause past its planned end included."""
        return Q(monitoring=Patient.Monitoring.ACTIVE) | Q(
            monitoring=Patient.Monitoring.PAUSED, resumes_at__lte=at
        )

    def monitoring_at(self, at: datetime | None = None) -> str:
        """The monitoring status as it stands at ``at``: a pause past its planned end is over."""
        at = at or timezone.now()
        if (
            self.monitoring == self.Monitoring.PAUSED
            and self.resumes_at is not None
            and self.resumes_at <= at
        ):
            return self.Monitoring.ACTIVE
        return self.monitoring

    @property
    def monitoring_now(self) -> str:
        return self.monitoring_at()

    @property
    def monitoring_now_display(self) -> str:
        return self.Monitoring(self.monitoring_now).label

    @property
    def open_flag(self) -> Level | None:
        """The level of the unresolved flag, from ``PatientQuerySet.roster()``'s annotation."""
        level = getattr(self, "flag_level", None)
        return Level(level) if level else None

    def infusions_given(self, at: datetime) -> list[Infusion]:
        """The infusions given by ``at``, newest first (from prefetched rows when there are)."""
        given = [i for i in self.infusions.all() if i.given_at <= at]
        return sorted(given, key=lambda i: i.given_at, reverse=True)

    @property
    def therapy_now_display(self) -> str:
        """The latest infusion already given and today's day since it, in words ("CAR-T, day 5"),
        from ``PatientQuerySet.roster()``'s annotations."""
        if self.latest_infusion_at is None:
            return gettext("no infusion yet")
        latest = Infusion(product=self.latest_infusion_product, given_at=self.latest_infusion_at)
        return gettext("%(product)s, day %(day)s") % {
            "product": latest.get_product_display(),
            "day": self.days_since(latest, timezone.now()),
        }

    def days_since(self, infusion: Infusion, at: datetime) -> int:
        """Day 0 is the infusion's calendar day in the care team's time zone."""
        zone = self.care_team.zone
        return (at.astimezone(zone).date() - infusion.given_at.astimezone(zone).date()).days

    def therapy_context(self, at: datetime | None = None) -> dict[str, Any]:
        """The engine's context (docs/case-format.md) as it stood at ``at``."""
        at = at or timezone.now()
        infusions = self.infusions_given(at)
        latest = infusions[0] if infusions else None
        hours = (at - latest.given_at).total_seconds() / 3600 if latest else None
        return {
            "product": latest.product if latest else "OTHER",
            "target": latest.car_target or None if latest else None,
            "cell_source": latest.cell_source if latest else "autologous",
            # Donor cells given earlier in this course keep GVHD possible after a later own-cell
            # infusion, so they count as an earlier allogeneic exposure.
            "prior_allogeneic_transplant": self.prior_allogeneic_transplant
            or any(i.is_allogeneic for i in infusions[1:]),
            "days_since_infusion": self.days_since(latest, at) if latest else 0,
            "hours_since_infusion": round(hours, 2) if hours is not None and hours < 72 else None,
            "crs_treated": self.crs_treated,
            "neutropenia_expected": self.neutropenia_expected,
            "labs": dict(self.labs),
            "baseline": dict(self.baseline),
            "site": {"fever_threshold_c": float(self.care_team.fever_threshold_c)},
        }


class Infusion(models.Model):
    class Product(models.TextChoices):
        CAR_T = "CAR-T", "CAR-T"
        CIK = "CIK", _("CIK cells")
        DLI = "DLI", _("donor lymphocyte infusion")
        NK = "NK", _("NK cells")
        TIL = "TIL", "TIL"
        OTHER = "OTHER", _("other")

    class Target(models.TextChoices):
        CD19 = "CD19", "CD19"
        BCMA = "BCMA", "BCMA"
        OTHER = "OTHER", _("other")

    class CellSource(models.TextChoices):
        AUTOLOGOUS = "autologous", _("own cells")
        ALLOGENEIC = "allogeneic", _("donor cells")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="infusions")
    product = models.CharField(max_length=8, choices=Product)
    car_target = models.CharField(_("CAR target"), max_length=8, choices=Target, blank=True)
    cell_source = models.CharField(max_length=12, choices=CellSource)
    given_at = models.DateTimeField(_("date and time of infusion"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-given_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(product="DLI") | Q(cell_source="allogeneic"),
                name="dli_is_donor_cells",
                violation_error_message=_("A donor lymphocyte infusion is always donor cells."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_product_display()} {self.given_at:%Y-%m-%d %H:%M}"

    @property
    def is_allogeneic(self) -> bool:
        return self.cell_source == self.CellSource.ALLOGENEIC or self.product == self.Product.DLI


class ReportQuerySet(models.QuerySet):
    def for_nurse(self, user) -> ReportQuerySet:
        return self.filter(patient__care_team__nurses=user)

    def for_patient_user(self, user) -> ReportQuerySet:
        """Reports about the patient ``user`` is, or cares for."""
        return self.filter(patient__in=Patient.objects.answered_for_by(user))

    def on_day(self, day: date, zone: tzinfo) -> ReportQuerySet:
        """Reports sent on ``day`` by the calendar of ``zone``: "checked in today" for a team."""
        start = datetime.combine(day, time.min, tzinfo=zone)
        end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
        return self.filter(submitted_at__gte=start, submitted_at__lt=end)


class Report(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="reports")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)
    submission_key = models.UUIDField(
        default=uuid.uuid4, unique=True, help_text="One per form, so a resent form saves once."
    )
    answers = models.JSONField(help_text="Report inputs keyed by the contract's codes.")
    context = models.JSONField(help_text="The therapy context the engine saw.")
    triage = models.PositiveSmallIntegerField(choices=Level)
    findings = models.JSONField(default=list)
    ruleset = models.CharField(max_length=40)
    unanswered = models.JSONField(
        default=list,
        blank=True,
        help_text="Codes of the questions not answered: the check-in was sent without them (D17).",
    )
    history = HistoricalRecords()

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(triage__gte=Level.NONE) & Q(triage__lte=Level.EMERGENCY),
                name="report_triage_is_a_level",
            ),
        ]
        # A patient's latest report, and "any report since midnight", read a few index entries
        # instead of every report of the patient.
        indexes = [models.Index(fields=["patient", "-submitted_at"], name="report_patient_latest")]

    def __str__(self) -> str:
        return f"{self.patient} {self.submitted_at:%Y-%m-%d %H:%M}"

    @property
    def level(self) -> Level:
        return Level(self.triage)

    @property
    def days_since_infusion(self) -> int | None:
        return self.context.get("days_since_infusion")

    @property
    def reasons(self) -> list[Reason]:
        """The findings as a nurse reads them (``symptoms.describe``), most urgent first."""
        return describe(self.findings, self.answers, self.context)

    @property
    def key_readings(self) -> list[Reading]:
        return key_readings(self.answers, self.context)

    @property
    def concern(self) -> str:
        """The patient's or carer's worry in words; "" when they said they are not worried."""
        value = self.answers.get("concern")
        return describe_value("concern", value) if value not in (None, "none") else ""

    @property
    def answered_by_patient(self) -> bool:
        return self.reported_by_id == self.patient.user_id


class FlagQuerySet(models.QuerySet):
    def for_nurse(self, user) -> FlagQuerySet:
        return self.filter(patient__care_team__nurses=user)

    def unresolved(self) -> FlagQuerySet:
        return self.exclude(status=Flag.Status.RESOLVED)

    def most_urgent_first(self) -> FlagQuerySet:
        return self.order_by("-level", "opened_at")

    def with_waiting_since(self) -> FlagQuerySet:
        """Adds ``waiting_since``: when it last needed a nurse (opened, raised or reopened)."""
        needs_a_nurse = FlagEvent.objects.filter(
            flag=OuterRef("pk"), action__in=FlagEvent.WAIT_STARTS
        ).order_by("-at")
        return self.annotate(
            waiting_since=Coalesce(Subquery(needs_a_nurse.values("at")[:1]), F("opened_at"))
        )

    # What a dashboard row shows besides the flag itself.
    ROW_RELATIONS = (
        "patient__user",
        "patient__care_team",
        "report__reported_by",
        "level_report",
        "acknowledged_by",
        "resolved_by",
    )

    def as_rows(self) -> FlagQuerySet:
        """Everything a dashboard row shows, in the same query as the flag (for one flag)."""
        return self.with_waiting_since().select_related(*self.ROW_RELATIONS)

    def as_page_of_rows(self) -> FlagQuerySet:
        """The same for a page of rows: the flags alone, then what they show by id, one short
        query for each kind. At scale, one query joining all nine tables costs PostgreSQL more to
        plan (~6 ms) than these take together to run."""
        return self.with_waiting_since().prefetch_related(*self.ROW_RELATIONS)

    def recently_resolved(self, since: datetime) -> FlagQuerySet:
        return (
            self.filter(status=Flag.Status.RESOLVED, resolved_at__gte=since)
            .order_by("-resolved_at")
            .select_related("patient__user", "resolved_by")
        )


class Flag(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        RESOLVED = "resolved", _("resolved")

    class Outcome(models.TextChoices):
        SELF_CARE = "self_care", _("advised self-care")
        PHONE = "phone", _("phone assessment")
        CLINIC = "clinic", _("same-day clinic review")
        EMERGENCY_DEPARTMENT = "ed", _("sent to the emergency department")
        ADMITTED = "admitted", _("admitted")
        NO_ACTION = "no_action", _("no action needed")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="flags")
    report = models.ForeignKey(
        Report, on_delete=models.PROTECT, related_name="flags", help_text="The latest report."
    )
    # A calmer check-in joining an emergency must not hide why the flag is an emergency.
    level_report = models.ForeignKey(
        Report,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The report that set the flag's level; the latest one may be less urgent.",
    )
    level = models.PositiveSmallIntegerField(choices=Level)
    status = models.CharField(max_length=12, choices=Status, default=Status.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome, blank=True)
    note = models.TextField(_("note"), blank=True)
    history = HistoricalRecords()

    objects = FlagQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=Level.flagged()), name="flag_level_is_urgent"
            ),
            models.CheckConstraint(
                condition=Q(status="open")
                | Q(acknowledged_by__isnull=False, acknowledged_at__isnull=False),
                name="flag_acknowledged_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=~Q(status="resolved")
                | Q(resolved_by__isnull=False, resolved_at__isnull=False),
                name="flag_resolved_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=~Q(status="resolved") | ~Q(outcome=""),
                name="flag_resolved_has_an_outcome",
            ),
            # A new report from a patient with an unresolved flag joins that flag.
            models.UniqueConstraint(
                fields=["patient"],
                condition=~Q(status="resolved"),
                name="one_unresolved_flag_per_patient",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-level", "opened_at"]),
            # "Resolved in the last 12 hours" reads only the recent ones.
            models.Index(fields=["resolved_at"], name="flag_resolved_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} flag for {self.patient}"

    @property
    def level_code(self) -> str:
        return Level(self.level).name

    @property
    def categories(self) -> list[str]:
        """The risk categories of the report that set the level and of the latest, each once."""
        findings = [*self.level_report.findings, *self.later_findings]
        return list(dict.fromkeys(f["category"] for f in findings if f.get("category")))

    @property
    def later_findings(self) -> list[dict]:
        """The latest report's findings when it is not the one that set the level."""
        return self.report.findings if self.has_later_report else []

    @property
    def has_later_report(self) -> bool:
        return self.report_id != self.level_report_id

    @property
    def category_labels(self) -> list[str]:
        return [RiskCategory(c).label if c in RiskCategory else c for c in self.categories]

    @property
    def reasons(self) -> list[Reason]:
        """What the report that set the level found, in sentences."""
        return self.level_report.reasons

    @property
    def later_reasons(self) -> list[Reason]:
        return self.report.reasons if self.has_later_report else []

    @property
    def answered_by_patient(self) -> bool:
        return self.report.reported_by_id == self.patient.user_id

    @property
    def set_by_an_earlier_report(self) -> bool:
        """The level came from an earlier report; the latest one is less urgent."""
        return self.report.triage < self.level

    @property
    def news_since_acknowledged(self) -> bool:
        """A check-in joined after the nurse acknowledged it (a more urgent one reopens it)."""
        return (
            self.status == self.Status.ACKNOWLEDGED
            and self.acknowledged_at is not None
            and self.report.submitted_at > self.acknowledged_at
        )

    @property
    def is_overdue(self) -> bool:
        return self.overdue_at(timezone.now())

    def overdue_at(self, now: datetime) -> bool:
        """Still waiting for a nurse at ``now``, past the care team's response target for its
        level (needs ``FlagQuerySet.with_waiting_since()``)."""
        return self.is_late(self.status, self.level, self.waiting_since, None, self.team, now)[0]

    @property
    def is_unresolved_too_long(self) -> bool:
        return self.unresolved_too_long_at(timezone.now())

    def unresolved_too_long_at(self, now: datetime) -> bool:
        """Acknowledged but still not resolved at ``now``, past the team's resolve target."""
        return self.is_late(self.status, self.level, None, self.acknowledged_at, self.team, now)[1]

    @property
    def team(self) -> CareTeam:
        return self.patient.care_team

    @classmethod
    def is_late(
        cls,
        status: str,
        level: int,
        waiting_since: datetime | None,
        acknowledged_at: datetime | None,
        team: CareTeam,
        now: datetime,
    ) -> tuple[bool, bool]:
        """(overdue, unresolved too long) at ``now`` for a flag with these values: read from a
        row without making the flag (``tracker.worklist`` asks it of every waiting flag)."""
        overdue = (
            status == cls.Status.OPEN
            and waiting_since is not None
            and now - waiting_since >= team.response_target(level)
        )
        too_long = (
            status == cls.Status.ACKNOWLEDGED
            and acknowledged_at is not None
            and now - acknowledged_at >= team.resolve_target(level)
        )
        return overdue, too_long

    @property
    def steps_fingerprint(self) -> str:
        """Everything the timeline's table of this flag's steps shows but the language and the
        time zone, as one text: every stored column of each step and the name of who took it (a
        name can change). The same text draws the same table, so the table is kept under it
        (``{% cache %}`` hashes it into the key)."""
        return repr(
            [
                (
                    [getattr(event, f.attname) for f in FlagEvent._meta.concrete_fields],
                    display_name(event.by) if event.by else None,
                )
                for event in self.events.all()
            ]
        )

    def latest_event(self, action: str) -> FlagEvent | None:
        return self.events.filter(action=action).select_related("by").order_by("-at", "-pk").first()


class FlagEvent(models.Model):
    """One step in a flag's life, kept so the timeline can show what the team did and when."""

    class Action(models.TextChoices):
        OPENED = "opened", _("opened")
        JOINED = "joined", _("a new report joined")
        RAISED = "raised", _("level raised by a new report")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        RESOLVED = "resolved", _("resolved")
        REOPENED = "reopened", _("reopened")

    # The steps that (re)start a flag's wait for a nurse at its current level.
    WAIT_STARTS = (Action.OPENED, Action.RAISED, Action.REOPENED)

    flag = models.ForeignKey(Flag, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=12, choices=Action)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the system did it (a new report)."),
    )
    level = models.PositiveSmallIntegerField(choices=Level)
    report = models.ForeignKey(
        Report, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=12, choices=Flag.Outcome, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


# -- Enrolment, notifications and the audit trail --------------------------------------------------


class Notification(models.Model):
    """An e-mail to a care team's nurses about a flag, kept so that each is sent only once.

    An alert goes out when a flag opens at, or is raised to, a level that needs a nurse within the
    hour; an escalation when the flag is still unacknowledged past the team's response target. One
    of each per flag and level, which the unique constraint keeps true even if cron overlaps.
    """

    class Kind(models.TextChoices):
        ALERT = "alert", _("urgent flag opened or raised")
        ESCALATION = "escalation", _("still unacknowledged past the response target")
        UNRESOLVED = "unresolved", _("acknowledged but unresolved past the resolve target")
        NEWS = "news", _("new check-in after it was acknowledged")

    flag = models.ForeignKey(Flag, on_delete=models.PROTECT, related_name="notifications")
    kind = models.CharField(max_length=12, choices=Kind)
    level = models.PositiveSmallIntegerField(choices=Level)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveSmallIntegerField(
        default=0, help_text=_("How many nurses the e-mail went to.")
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["flag", "kind", "level"], name="one_notification_per_flag_kind_level"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_level_display()})"


class CheckInReminder(models.Model):
    """The one reminder a patient gets on a day (the care team's date) they have not checked in."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="reminders")
    day = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "day"], name="one_reminder_per_patient_day"),
        ]

    def __str__(self) -> str:
        return f"{self.patient} {self.day:%Y-%m-%d}"


class NurseNote(models.Model):
    """A nurse's note on the patient's record, not tied to a flag (a phone call, a plan, a
    handover). For the care team only: never in the patient's own pages or copies."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="nurse_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(_("written at"), default=timezone.now)
    text = models.TextField(_("note"), max_length=2000)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-written_at", "-pk"]
        indexes = [models.Index(fields=["patient", "-written_at"], name="nurse_note_by_patient")]

    def __str__(self) -> str:
        return f"{self.patient} {self.written_at:%Y-%m-%d %H:%M}"


class TimelineAccess(models.Model):
    """A nurse read a patient's record: who, whose, when, and what (the timeline, the printable
    summary or the FHIR export)."""

    class What(models.TextChoices):
        TIMELINE = "timeline", _("timeline opened")
        SUMMARY = "summary", _("printable summary opened")
        FHIR = "fhir", _("FHIR export downloaded")

    nurse = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="timeline_accesses")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    what = models.CharField(max_length=8, choices=What, default=What.TIMELINE)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "timeline accesses"

    def __str__(self) -> str:
        return f"{self.nurse}: {self.get_what_display()} {self.patient} {self.at:%Y-%m-%d %H:%M}"


# -- Languages -------------------------------------------------------------------------------------


class Preferences(models.Model):
    """What a user chose for themself: the language of their pages and of the e-mails they get.

    Kept in the database, not only in a cookie, so the choice follows them to another phone and
    through logging out and in, and so e-mails sent by the worker (no request) use it too.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    # One of settings.LANGUAGES; not a choices list here, so adding a language needs no migration.
    language = models.CharField(_("language"), max_length=8, default=settings.LANGUAGE_CODE)

    class Meta:
        verbose_name_plural = "preferences"

    def __str__(self) -> str:
        return f"{self.user} {self.language}"

    @staticmethod
    def is_supported(language: str | None) -> bool:
        """Whether the app speaks ``language`` (one of ``settings.LANGUAGES``)."""
        return language in dict(settings.LANGUAGES)

    @classmethod
    def language_of(cls, user) -> str | None:
        """The language ``user`` chose, or None when they have not chosen one the app speaks."""
        language = cls.objects.filter(user=user).values_list("language", flat=True).first()
        return language if cls.is_supported(language) else None

    @classmethod
    def choose(cls, user, language: str) -> Preferences:
        preferences, _created = cls.objects.update_or_create(
            user=user, defaults={"language": language}
        )
        return preferences


# -- Signing in: the second factor and ending sessions ---------------------------------------------


class SignInVersion(models.Model):
    """A number each of the user's sessions must carry: raising it ends every session at once.

    Django ends a user's other sessions when their password changes (the session keeps a hash of
    it). This does the same for what the password hash does not cover: logging out everywhere, and
    a change of the second factor. A user without a row is at version 0.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_in_version"
    )
    number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.user} v{self.number}"

    @classmethod
    def of(cls, user) -> int:
        return cls.objects.filter(user=user).values_list("number", flat=True).first() or 0

    @classmethod
    def raise_for(cls, user) -> int:
        """Ends every session of ``user``; returns the new number."""
        with transaction.atomic():
            version, _ = cls.objects.select_for_update().get_or_create(user=user)
            version.number = F("number") + 1
            version.save(update_fields=["number"])
            version.refresh_from_db(fields=["number"])
        return version.number


class SecondFactorEvent(models.Model):
    """The audit trail of second factors: set up, used, failed, reset. Axes keeps the passwords'."""

    class Kind(models.TextChoices):
        SET_UP = "set_up", "set up"
        VERIFIED = "verified", "code accepted"
        RECOVERY_CODE_USED = "recovery_code_used", "recovery code accepted"
        FAILED = "failed", "wrong code"
        LOCKED_OUT = "locked_out", "locked out"
        RESET = "reset", "reset by staff"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"
