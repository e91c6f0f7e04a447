"""Forms. Questions, help, ranges and choices come from the one input catalogue in ``symptoms``."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from symptoms.catalogue import INPUTS


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
