"""Forms. Questions, help, ranges and choices come from the one input catalogue in ``symptoms``."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from symptoms import catalogue
from symptoms.catalogue import INPUTS
from tracker.models import CareTeam, Patient


def catalogue_field(code: str, **overrides: Any) -> forms.Field:
    """A form field for one report input, as the catalogue describes it."""
    item = INPUTS[code]
    common: dict[str, Any] = {"label": item.question, "help_text": item.help}
    if item.kind == "choice":
        field: forms.Field = forms.TypedChoiceField(
            choices=list(item.choices), widget=forms.RadioSelect, **common
        )
    elif item.kind == "bool":
        field = forms.TypedChoiceField(
            choices=[("yes", _("Yes")), ("no", _("No"))],
            coerce=lambda v: v == "yes",
            widget=forms.RadioSelect,
            **common,
        )
    elif item.kind == "int":
        field = forms.IntegerField(min_value=item.minimum, max_value=item.maximum, **common)
    elif item.kind == "number":
        field = forms.DecimalField(
            min_value=Decimal(str(item.minimum)),
            max_value=Decimal(str(item.maximum)),
            decimal_places=1,
            max_digits=4,
            **common,
        )
        field.widget.attrs.update({"inputmode": "decimal", "step": "0.1"})
    else:
        field = forms.CharField(max_length=item.maximum, widget=forms.Textarea, **common)
    for name, value in overrides.items():
        setattr(field, name, value)
    return field


def fahrenheit_to_celsius(value: Decimal) -> Decimal:
    return ((value - 32) * 5 / 9).quantize(Decimal("0.1"))


def celsius_to_fahrenheit(value: float) -> Decimal:
    return (Decimal(str(value)) * 9 / 5 + 32).quantize(Decimal("0.1"))


class CheckInForm(forms.Form):
    """The daily check-in: temperature, then the four symptoms every patient is asked about."""

    SYMPTOMS = ("chills", "fatigue", "bruising", "rash_bsa_percent")

    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    temperature = forms.DecimalField(
        label=INPUTS["temperature_c"].question,
        help_text=INPUTS["temperature_c"].help,
        required=False,
        max_digits=4,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1"}),
    )
    temperature_unit = forms.ChoiceField(
        label=_("Unit"),
        choices=[("C", "°C"), ("F", "°F")],
        initial="C",
        widget=forms.RadioSelect,
    )
    temperature_not_measured = forms.BooleanField(
        label=_("I could not measure my temperature"), required=False
    )
    chills = catalogue_field("chills")
    fatigue = catalogue_field("fatigue")
    bruising = catalogue_field("bruising")
    rash_bsa_percent = catalogue_field(
        "rash_bsa_percent",
        help_text=_(
            "Your hand, with the fingers, covers about 1% of your skin. Count how many hands "
            "the rash would cover. Enter 0 if you have no rash."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4())

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        value: Decimal | None = data.get("temperature")
        if data.get("temperature_not_measured"):
            data["temperature_c"] = None
            return data
        if value is None:
            if "temperature" not in self.errors:
                self.add_error(
                    "temperature",
                    _("Please write your temperature, or tick “I could not measure it”."),
                )
            return data
        item = INPUTS["temperature_c"]
        low, high = Decimal(str(item.minimum)), Decimal(str(item.maximum))
        unit = data.get("temperature_unit", "C")
        celsius = fahrenheit_to_celsius(value) if unit == "F" else value
        if not low <= celsius <= high:
            if unit == "F":
                low, high = celsius_to_fahrenheit(item.minimum), celsius_to_fahrenheit(item.maximum)
            self.add_error(
                "temperature",
                _(
                    "%(value)s °%(unit)s cannot be right. A body temperature is between "
                    "%(low)s and %(high)s °%(unit)s. Please measure again."
                )
                % {"value": value, "unit": unit, "low": low, "high": high},
            )
            return data
        data["temperature_c"] = float(celsius)
        return data

    def answers(self) -> dict[str, Any]:
        """The report inputs keyed by the contract's codes; nothing unanswered is filled in."""
        data = self.cleaned_data
        answers: dict[str, Any] = {}
        if data.get("temperature_c") is not None:
            answers["temperature_c"] = data["temperature_c"]
        for code in self.SYMPTOMS:
            value = data.get(code)
            if value is not None:
                answers[code] = float(value) if isinstance(value, Decimal) else value
        return answers


# -- Enrolment and the patient's care page (nurses) ------------------------------------------------
# Ranges, choices and labels of the therapy context come from the catalogue's CONTEXT, LABS and
# BASELINE, the same entries the engine validates against.


def context_field(item: catalogue.Input) -> forms.Field:
    """An optional form field for one baseline or lab value of the catalogue."""
    shown = item.unit and str(item.unit) not in str(item.question)
    label = f"{item.question} ({item.unit})" if shown else item.question
    common: dict[str, Any] = {"label": label, "help_text": item.help, "required": False}
    if item.kind == "choice":
        return forms.ChoiceField(choices=[("", _("Not known")), *item.choices], **common)
    if item.kind == "int":
        return forms.IntegerField(min_value=item.minimum, max_value=item.maximum, **common)
    field = forms.DecimalField(
        min_value=Decimal(str(item.minimum)),
        max_value=Decimal(str(item.maximum)),
        max_digits=6,
        decimal_places=2,
        **common,
    )
    field.widget.attrs.update({"inputmode": "decimal", "step": "any"})
    return field


def _context_value(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


class LabsForm(forms.Form):
    """The latest blood results; an empty box means the value is not known."""

    prefix_labs = "labs_"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, item in catalogue.LABS.items():
            self.fields[self.prefix_labs + code] = context_field(item)

    @property
    def lab_fields(self) -> list[forms.BoundField]:
        return [self[self.prefix_labs + code] for code in catalogue.LABS]

    def labs(self) -> dict[str, Any]:
        values = {code: self.cleaned_data.get(self.prefix_labs + code) for code in catalogue.LABS}
        return {code: _context_value(v) for code, v in values.items() if v not in (None, "")}

    @classmethod
    def initial_from(cls, labs: dict[str, Any]) -> dict[str, Any]:
        return {
            cls.prefix_labs + code: value for code, value in labs.items() if code in catalogue.LABS
        }


class InfusionForm(forms.Form):
    """One infusion; its date and time are read in the care team's time zone."""

    product = forms.ChoiceField(
        label=_("Cell product"), choices=catalogue.CONTEXT["product"].choices
    )
    car_target = forms.ChoiceField(
        label=catalogue.CONTEXT["target"].question,
        help_text=catalogue.CONTEXT["target"].help,
        choices=[("", _("None or not known")), *catalogue.CONTEXT["target"].choices],
        required=False,
    )
    cell_source = forms.ChoiceField(
        label=catalogue.CONTEXT["cell_source"].question,
        help_text=_("A donor lymphocyte infusion (DLI) is always a donor's cells."),
        choices=catalogue.CONTEXT["cell_source"].choices,
        widget=forms.RadioSelect,
    )
    infusion_date = forms.DateField(
        label=_("Date of the infusion"), widget=forms.DateInput(attrs={"type": "date"})
    )
    infusion_time = forms.TimeField(
        label=_("Time of the infusion"),
        help_text=_("In the care team's time zone."),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, *args: Any, zone: zoneinfo.ZoneInfo | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone

    def infusion_zone(self) -> zoneinfo.ZoneInfo | None:
        return self.zone

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("product") == "DLI":
            data["cell_source"] = "allogeneic"
        day, at, zone = data.get("infusion_date"), data.get("infusion_time"), self.infusion_zone()
        if day and at and zone:
            data["given_at"] = datetime.combine(day, at, tzinfo=zone)
            if data["given_at"] > timezone.now():
                self.add_error(
                    "infusion_date",
                    _("This is in the future. Record an infusion once it has been given."),
                )
        return data

    def infusion(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "product": data["product"],
            "car_target": data["car_target"],
            "cell_source": data["cell_source"],
            "given_at": data["given_at"],
        }


class EnrolmentForm(InfusionForm, LabsForm):
    """A new patient: who they are, their care team, the first infusion, baselines and labs."""

    prefix_baseline = "baseline_"

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("The invitation goes here; it is also the patient's user name."),
    )
    care_team = forms.ModelChoiceField(label=_("Care team"), queryset=CareTeam.objects.none())
    prior_allogeneic_transplant = forms.BooleanField(
        label=catalogue.CONTEXT["prior_allogeneic_transplant"].question,
        help_text=catalogue.CONTEXT["prior_allogeneic_transplant"].help,
        required=False,
    )
    neutropenia_expected = forms.BooleanField(
        label=catalogue.CONTEXT["neutropenia_expected"].question,
        help_text=catalogue.CONTEXT["neutropenia_expected"].help,
        required=False,
    )
    crs_treated = forms.BooleanField(
        label=catalogue.CONTEXT["crs_treated"].question,
        help_text=catalogue.CONTEXT["crs_treated"].help,
        required=False,
    )

    def __init__(self, *args: Any, nurse, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = nurse.care_teams.all()
        self.fields["care_team"].queryset = teams
        if len(teams) == 1:
            self.fields["care_team"].initial = teams[0].pk
        for code, item in catalogue.BASELINE.items():
            self.fields[self.prefix_baseline + code] = context_field(item)

    @property
    def baseline_fields(self) -> list[forms.BoundField]:
        return [self[self.prefix_baseline + code] for code in catalogue.BASELINE]

    def infusion_zone(self) -> zoneinfo.ZoneInfo | None:
        team = self.cleaned_data.get("care_team")
        return team.zone if team else None

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        user_model = get_user_model()
        if user_model.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists():
            raise forms.ValidationError(
                _("Someone already has an account with this e-mail address.")
            )
        return email

    def enrolment(self) -> dict[str, Any]:
        """The keyword arguments of ``enrol_patient``."""
        data = self.cleaned_data
        baseline = {code: data.get(self.prefix_baseline + code) for code in catalogue.BASELINE}
        return {
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "email": data["email"],
            "care_team": data["care_team"],
            **self.infusion(),
            "prior_allogeneic_transplant": data["prior_allogeneic_transplant"],
            "neutropenia_expected": data["neutropenia_expected"],
            "crs_treated": data["crs_treated"],
            "baseline": {
                code: _context_value(v) for code, v in baseline.items() if v not in (None, "")
            },
            "labs": self.labs(),
        }


class MonitoringForm(forms.Form):
    """Pause (a stay in hospital), resume, or end a patient's monitoring."""

    monitoring = forms.ChoiceField(choices=Patient.Monitoring.choices)


# The nurse's forms, with their own imports, kept below the patient's check-in form.
from tracker.models import CareTeam, Flag, Level, RiskCategory  # noqa: E402


class ResolveFlagForm(forms.Form):
    """What the nurse did about a flag. ``report`` is the report they were looking at."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=Flag.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose what happened.")},
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    report = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DashboardFilterForm(forms.Form):
    """The dashboard's filters; they live in the URL so a filtered view can be shared or kept."""

    level = forms.TypedChoiceField(
        label=_("Level"),
        choices=[("", _("All levels"))]
        + [(lv.value, lv.label) for lv in reversed(Level.flagged())],
        coerce=int,
        empty_value=None,
        required=False,
    )
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", _("All categories")), *RiskCategory.choices],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            ("", _("Open and acknowledged")),
            (Flag.Status.OPEN.value, _("Open only")),
            (Flag.Status.ACKNOWLEDGED.value, _("Acknowledged only")),
        ],
        required=False,
    )
    team = forms.ModelChoiceField(
        label=_("Care team"),
        queryset=CareTeam.objects.none(),
        empty_label=_("All my teams"),
        required=False,
    )

    def __init__(self, *args: Any, teams: list[CareTeam], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["team"]
        field.queryset = CareTeam.objects.filter(pk__in=[t.pk for t in teams])
        # The nurse's teams are already loaded: offer them without another query.
        field.choices = [("", field.empty_label)] + [(t.pk, t.name) for t in teams]
