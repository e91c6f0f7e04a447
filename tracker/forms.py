"""Forms. Questions, help, ranges and choices come from the one input catalogue in ``symptoms``.

The daily check-in asks the vital signs first (each may be "not measured": missing is never taken
as normal), then which body systems have anything new or worse, then the questions of those systems
only. An impossible value gets a message next to its field and every other answer stays filled in;
a possible but alarming value (rules reference P4) asks to re-measure and confirm, unless a matching
symptom is reported, and is then sent as it is: it is never silently dropped.
"""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import BigIntegerField, Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from symptoms import catalogue
from symptoms.catalogue import GROUPS, INPUTS, inputs_in_group
from symptoms.explain import number_text
from symptoms.rules import THRESHOLDS
from symptoms.validation import validate_report
from tracker.models import CareTeam, Patient

# The body systems of the "anything new or worse today?" checklist, in catalogue order.
FOLLOW_UP_GROUPS = tuple(g for g in GROUPS if g not in ("vitals", "free_text"))
# Asked of everyone, after the checklist, so they are not part of a group's follow-up questions.
ALWAYS_ASKED = ("concern", "note")
# Inputs with a form of their own instead of the catalogue's plain field.
SPECIAL = ("ice_score", "rash_bsa_percent")

# The carer-run ICE check (rules reference 4.1): orientation 4, naming 3, command 1, writing 1,
# attention 1 point; the score is the number of right answers.
ICE_ITEMS: tuple[tuple[str, Any], ...] = (
    ("orientation", _("Ask: “What year is it?”")),
    ("orientation", _("Ask: “What month is it?”")),
    ("orientation", _("Ask: “What city are we in?”")),
    ("orientation", _("Ask: “What is the name of the hospital where you had your cells?”")),
    ("naming", _("Point to a first thing, like a watch, and ask: “What is this?”")),
    ("naming", _("Point to a second thing, like a pen, and ask: “What is this?”")),
    ("naming", _("Point to a third thing, like a button, and ask: “What is this?”")),
    ("command", _("Ask: “Show me 2 fingers.” They must do it, not only say it.")),
    ("writing", _("Ask them to write the same sentence they wrote before treatment.")),
    ("attention", _("Ask them to count back from 100 in tens: 100, 90, 80 … down to 10.")),
)
ICE_RIGHT, ICE_WRONG = "right", "wrong"

# The palm rule: the patient's hand with the fingers covers about 1 % of their skin. Each band is
# sent as its upper end, so a rash is never made smaller than the patient said.
RASH_BANDS: tuple[tuple[str, Any], ...] = (
    ("0", _("No rash")),
    ("1", _("Smaller than my palm")),
    ("3", _("1 to 3 palms")),
    ("9", _("4 to 9 palms: up to about one whole arm")),
    ("30", _("10 to 30 palms: up to about my whole back and one arm")),
    ("50", _("More than 30 palms, up to half of my body")),
    ("75", _("More than half of my body")),
)


def _quiet(code: str, answers: Mapping[str, Any]) -> bool:
    item = INPUTS[code]
    value = answers.get(code)
    if value is None:
        return True
    if item.kind == "bool":
        return not value
    return value == item.codes[0]


def _any_reported(*codes: str) -> Callable[[Mapping[str, Any]], bool]:
    return lambda answers: any(not _quiet(code, answers) for code in codes)


def _fever(answers: Mapping[str, Any]) -> bool:
    temperature = answers.get("temperature_c")
    return temperature is not None and temperature >= THRESHOLDS["fever_threshold_c"]


def _either(*tests: Callable[[Mapping[str, Any]], bool]) -> Callable[[Mapping[str, Any]], bool]:
    return lambda answers: any(test(answers) for test in tests)


# P4: an alarming reading with a matching symptom is sent straight away, without asking to
# re-measure first. The threshold is the rules' own, so the form and the engine agree. A fever
# with low oxygen is the pattern of CRS grade 2 or worse: it is never held back for a re-measure.
ALARMS: dict[str, tuple[Callable[[float], bool], Callable[[Mapping[str, Any]], bool]]] = {
    "spo2": (
        lambda v: v <= THRESHOLDS["spo2_emergency"],
        _either(
            _fever,
            _any_reported(
                "breathlessness", "wheeze", "airway_swelling", "confusion", "alertness", "chills"
            ),
        ),
    ),
    "temperature_c": (
        lambda v: v <= THRESHOLDS["temp_low_c"],
        _any_reported("chills", "feels_feverish", "confusion", "alertness", "dizziness"),
    ),
}


def fahrenheit_to_celsius(value: Decimal) -> Decimal:
    return ((value - 32) * 5 / 9).quantize(Decimal("0.1"))


def celsius_to_fahrenheit(value: float) -> Decimal:
    return (Decimal(str(value)) * 9 / 5 + 32).quantize(Decimal("0.1"))


class ReadingField(forms.DecimalField):
    """A number with a decimal part, as a person types it in their language: 38.5 or 38,5.

    A plain text box (with the phone's number keyboard), not ``type="number"``: a browser drops a
    number it cannot parse in its own locale ("38,5" in an English browser) and sends an empty box,
    which would read as "not measured". A comma is read as the decimal mark in every language (a
    reading has no thousands), and the value is shown back in the user's own format.
    """

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, str):
            value = value.strip()
            if value.count(",") == 1 and "." not in value:
                value = value.replace(",", ".")
        return super().to_python(value)


def catalogue_field(code: str, **overrides: Any) -> forms.Field:
    """A form field for one report input, as the catalogue describes it; range checks in clean."""
    item = INPUTS[code]
    common: dict[str, Any] = {"label": item.question, "help_text": item.help, "required": False}
    if item.kind == "choice":
        field: forms.Field = forms.ChoiceField(
            choices=list(item.choices), widget=forms.RadioSelect, **common
        )
    elif item.kind == "bool":
        field = forms.BooleanField(**common)
    elif item.kind == "int":
        field = forms.IntegerField(
            widget=forms.NumberInput(attrs={"inputmode": "numeric"}), **common
        )
    elif item.kind == "number":
        field = ReadingField(max_digits=5, decimal_places=1, **common)
    else:
        field = forms.CharField(
            max_length=item.max_length,
            widget=forms.Textarea(attrs={"rows": 3}),
            **common,
        )
    for name, value in overrides.items():
        setattr(field, name, value)
    field.code = code
    field.unit = item.unit
    return field


def _not_measured(label: Any) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False)


def _confirm() -> forms.BooleanField:
    return forms.BooleanField(
        label=_("I measured again and this number is right. Send it."), required=False
    )


def _follow_up_codes(group: str) -> list[str]:
    return [
        item.code
        for item in inputs_in_group(group)
        if item.code not in ALWAYS_ASKED and item.code not in SPECIAL
    ]


class CheckInForm(forms.Form):
    """The daily check-in: vital signs, a checklist of body systems, their follow-up questions."""

    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    temperature = catalogue_field("temperature_c")
    temperature_unit = forms.ChoiceField(
        label=_("Unit"),
        choices=[("C", "°C"), ("F", "°F")],
        initial="C",
        widget=forms.RadioSelect,
    )
    temperature_not_measured = _not_measured(_("I could not measure my temperature"))
    temperature_confirmed = _confirm()
    systolic_bp = catalogue_field("systolic_bp")
    diastolic_bp = catalogue_field("diastolic_bp")
    bp_not_measured = _not_measured(_("I could not measure my blood pressure"))
    heart_rate = catalogue_field("heart_rate")
    heart_rate_not_measured = _not_measured(_("I could not measure my pulse"))
    spo2 = catalogue_field("spo2")
    spo2_not_measured = _not_measured(_("I could not measure my oxygen level"))
    spo2_confirmed = _confirm()
    respiratory_rate = catalogue_field("respiratory_rate")
    antipyretic_last_6h = forms.TypedChoiceField(
        label=INPUTS["antipyretic_last_6h"].question,
        help_text=INPUTS["antipyretic_last_6h"].help,
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )

    changes = forms.MultipleChoiceField(
        label=_("Is anything new or worse today?"),
        help_text=_("Tick each part that has changed. You will get a few questions about it."),
        choices=[(g, GROUPS[g]) for g in FOLLOW_UP_GROUPS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    rash_bsa_percent = forms.TypedChoiceField(
        label=INPUTS["rash_bsa_percent"].question,
        help_text=_(
            "Your hand, with the fingers, covers about 1 in 100 parts of your skin. "
            "Think how many of your hands the rash would cover."
        ),
        choices=RASH_BANDS,
        coerce=float,
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,
    )
    concern = catalogue_field("concern", required=True)
    note = catalogue_field("note")

    # Vital signs taken as they are typed: (field, its "not measured" box, what to ask when empty).
    SIMPLE_VITALS = (
        (
            "systolic_bp",
            "bp_not_measured",
            _("Please write your blood pressure, or tick “I could not measure my blood pressure”."),
        ),
        (
            "heart_rate",
            "heart_rate_not_measured",
            _("Please write your pulse, or tick “I could not measure my pulse”."),
        ),
        (
            "spo2",
            "spo2_not_measured",
            _("Please write your oxygen level, or tick “I could not measure my oxygen level”."),
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4())
        for group in FOLLOW_UP_GROUPS:
            for code in _follow_up_codes(group):
                self.fields[code] = catalogue_field(code)
        for index, (_domain, prompt) in enumerate(ICE_ITEMS, start=1):
            self.fields[f"ice_{index}"] = forms.ChoiceField(
                label=prompt,
                choices=[(ICE_RIGHT, _("Right")), (ICE_WRONG, _("Wrong, or no answer"))],
                widget=forms.RadioSelect,
                required=False,
            )
        self.alarms: list[str] = []

    # -- Layout, read by the template ---------------------------------------------------------

    def group_fields(self, group: str) -> list[forms.BoundField]:
        return [self[code] for code in _follow_up_codes(group)]

    def ice_fields(self) -> list[forms.BoundField]:
        return [self[f"ice_{i}"] for i in range(1, len(ICE_ITEMS) + 1)]

    def checklist_group(self, group: str, opened: bool) -> dict[str, Any]:
        """One body system of the checklist with its questions, as the template lays it out."""
        fields = self.group_fields(group)
        return {
            "code": group,
            "label": GROUPS[group],
            "open": opened,
            "questions": [f for f in fields if not isinstance(f.field, forms.BooleanField)],
            "ticks": [f for f in fields if isinstance(f.field, forms.BooleanField)],
            "ice": self.ice_fields() if group == "brain" else [],
            "rash": self["rash_bsa_percent"] if group == "skin" else None,
        }

    def checklist(self) -> list[dict[str, Any]]:
        opened = self.ticked_groups()
        return [self.checklist_group(g, g in opened) for g in FOLLOW_UP_GROUPS]

    def _answered(self, group: str) -> bool:
        """Whether any question of ``group`` has an answer in the submitted data."""
        names = _follow_up_codes(group)
        if group == "brain":
            names += [f"ice_{i}" for i in range(1, len(ICE_ITEMS) + 1)]
        if group == "skin":
            names.append("rash_bsa_percent")
        return any(self.data.get(name) not in (None, "") for name in names)

    def _ticked(self) -> set[str]:
        data = self.data
        ticked = data.getlist("changes") if hasattr(data, "getlist") else data.get("changes", [])
        return set(ticked)

    def ticked_groups(self) -> list[str]:
        """Groups ticked in the checklist, or with any answer typed in (JavaScript off)."""
        if not self.is_bound:
            return []
        ticked = self._ticked()
        return [g for g in FOLLOW_UP_GROUPS if g in ticked or self._answered(g)]

    # -- Validation ---------------------------------------------------------------------------

    def _range_error(
        self, field: str, code: str, value: Any, unit: str = "", shown: Any = None
    ) -> bool:
        """Adds a message when ``value`` is outside the catalogue's range for ``code``."""
        item = INPUTS[code]
        if item.minimum <= value <= item.maximum:
            return False
        low, high = number_text(item.minimum), number_text(item.maximum)
        if unit == "F":
            low, high = celsius_to_fahrenheit(item.minimum), celsius_to_fahrenheit(item.maximum)
        shown_unit = "°F" if unit == "F" else str(item.unit)
        self.add_error(
            field,
            _(
                "%(value)s %(unit)s cannot be right. It must be between %(low)s and %(high)s "
                "%(unit)s. Please measure again."
            )
            % {
                "value": formats.localize(value if shown is None else shown),
                "unit": shown_unit,
                "low": formats.localize(low),
                "high": formats.localize(high),
            },
        )
        return True

    def _measured(self, data: dict[str, Any], field: str, not_measured: str, ask: Any) -> bool:
        """True when ``field`` has a value; asks for a value or the "not measured" tick."""
        if data.get(field) is not None:
            return True
        if field not in self.errors and not data.get(not_measured):
            self.add_error(field, ask)
        return False

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        vitals: dict[str, Any] = {}

        if self._measured(
            data,
            "temperature",
            "temperature_not_measured",
            _("Please write your temperature, or tick “I could not measure my temperature”."),
        ):
            unit = data.get("temperature_unit", "C")
            value: Decimal = data["temperature"]
            celsius = fahrenheit_to_celsius(value) if unit == "F" else value
            if not self._range_error(
                "temperature", "temperature_c", float(celsius), unit, shown=value
            ):
                vitals["temperature_c"] = float(celsius)
        for code, not_measured, ask in self.SIMPLE_VITALS:
            if self._measured(data, code, not_measured, ask) and not self._range_error(
                code, code, data[code]
            ):
                vitals[code] = data[code]
        diastolic = data.get("diastolic_bp")
        if diastolic is not None and not self._range_error(
            "diastolic_bp", "diastolic_bp", diastolic
        ):
            if data.get("systolic_bp") is None and "systolic_bp" not in self.errors:
                self.add_error("systolic_bp", _("Please write the top number too."))
            elif "systolic_bp" in vitals and diastolic >= vitals["systolic_bp"]:
                self.add_error(
                    "diastolic_bp",
                    _("The bottom number should be smaller than the top one. Please check them."),
                )
            else:
                vitals["diastolic_bp"] = diastolic
        for code in ("respiratory_rate", "vomiting_episodes_24h", "loose_stools_24h"):
            if data.get(code) is not None:
                self._range_error(code, code, data[code])

        empty = [
            GROUPS[g] for g in FOLLOW_UP_GROUPS if g in self._ticked() and not self._answered(g)
        ]
        if empty:
            self.add_error(
                "changes",
                _(
                    "You ticked “%(parts)s”. Please answer at least one question about it, or "
                    "untick it."
                )
                % {"parts": "”, “".join(str(label) for label in empty)},
            )
        answered = [data.get(f"ice_{i}") for i in range(1, len(ICE_ITEMS) + 1)]
        if any(answered) and not all(answered):
            self.add_error(
                "ice_1",
                _(
                    "Please answer every step of the brain check, or leave them all empty if you "
                    "could not do it."
                ),
            )
        data["vitals"] = vitals
        symptoms = self._symptoms(data)
        for code, field, confirmed in (
            ("spo2", "spo2", "spo2_confirmed"),
            ("temperature_c", "temperature", "temperature_confirmed"),
        ):
            value = vitals.get(code)
            alarming, matched = ALARMS[code]
            if value is None or not alarming(value) or data.get(confirmed):
                continue
            if matched({**symptoms, **vitals}):
                continue
            self.alarms.append(field)
            self.add_error(field, self._alarm_message(code, value))
        return data

    def _alarm_message(self, code: str, value: float) -> Any:
        if code == "spo2":
            return _(
                "%(value)s%% is a low oxygen level. Please rest for 5 minutes, warm your hands and "
                "measure again. If the number is the same, or you feel unwell, do not wait: tick "
                "the box below and send."
            ) % {"value": formats.localize(value)}
        return _(
            "%(value)s °C is a low temperature. Please measure again under your tongue. If the "
            "number is the same, or you feel unwell, do not wait: tick the box below and send."
        ) % {"value": formats.localize(value)}

    def _symptoms(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The follow-up answers as the engine reads them (``False`` only in opened groups)."""
        opened = self.ticked_groups()
        answers: dict[str, Any] = {}
        for group in FOLLOW_UP_GROUPS:
            for code in _follow_up_codes(group):
                value = data.get(code)
                if INPUTS[code].kind == "bool":
                    if value or group in opened:
                        answers[code] = bool(value)
                elif value not in (None, ""):
                    answers[code] = value
        ice = [data.get(f"ice_{i}") for i in range(1, len(ICE_ITEMS) + 1)]
        if all(ice):
            answers["ice_score"] = sum(answer == ICE_RIGHT for answer in ice)
        if data.get("rash_bsa_percent") is not None:
            answers["rash_bsa_percent"] = data["rash_bsa_percent"]
        if data.get("concern"):
            answers["concern"] = data["concern"]
        if data.get("note", "").strip():
            answers["note"] = data["note"].strip()
        return answers

    def answers(self) -> dict[str, Any]:
        """The report inputs keyed by the contract's codes; nothing unanswered is filled in."""
        data = self.cleaned_data
        answers = {**data["vitals"]}
        if data.get("respiratory_rate") is not None:
            answers["respiratory_rate"] = data["respiratory_rate"]
        answers["antipyretic_last_6h"] = data["antipyretic_last_6h"]
        answers.update(self._symptoms(data))
        # The last safety net: the engine must never see a value the contract does not allow.
        return validate_report(answers)


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
    return ReadingField(
        min_value=Decimal(str(item.minimum)),
        max_value=Decimal(str(item.maximum)),
        max_digits=6,
        decimal_places=2,
        **common,
    )


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


# No immune-cell infusion recorded here is older than this (the first donor lymphocyte infusions);
# an earlier date is a typing slip in the year, and year 1 cannot even be stored east of Greenwich.
EARLIEST_INFUSION = date(1990, 1, 1)


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
        if day and day < EARLIEST_INFUSION:
            self.add_error("infusion_date", _("Please check the year of the infusion."))
        elif day and at and zone:
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


class TherapyForm(forms.Form):
    """What the triage must know beyond the infusions: history, treatment given, baselines.

    The care page edits it whenever it changes (tocilizumab given, neutropenia now expected); the
    next check-in's assessment uses it.
    """

    prefix_baseline = "baseline_"
    THERAPY_FLAGS = ("prior_allogeneic_transplant", "neutropenia_expected", "crs_treated")

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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, item in catalogue.BASELINE.items():
            self.fields[self.prefix_baseline + code] = context_field(item)

    @property
    def baseline_fields(self) -> list[forms.BoundField]:
        return [self[self.prefix_baseline + code] for code in catalogue.BASELINE]

    @property
    def flag_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.THERAPY_FLAGS]

    def therapy(self) -> dict[str, Any]:
        """The keyword arguments of ``update_therapy`` (and part of ``enrol_patient``'s)."""
        data = self.cleaned_data
        baseline = {code: data.get(self.prefix_baseline + code) for code in catalogue.BASELINE}
        return {
            **{name: data[name] for name in self.THERAPY_FLAGS},
            "baseline": {
                code: _context_value(v) for code, v in baseline.items() if v not in (None, "")
            },
        }

    @classmethod
    def initial_from(cls, patient: Patient) -> dict[str, Any]:
        return {
            **{name: getattr(patient, name) for name in cls.THERAPY_FLAGS},
            **{
                cls.prefix_baseline + code: value
                for code, value in patient.baseline.items()
                if code in catalogue.BASELINE
            },
        }


# Nobody under care here was born before this; an earlier date is a slip in the year.
EARLIEST_BIRTH = date(1900, 1, 1)


class PatientDetailsForm(forms.Form):
    """Who the patient is to the hospital: phone, hospital number, date of birth."""

    phone = PhoneNumberField(
        label=_("Phone number"),
        help_text=_("With the country code, for example +44 7700 900123."),
        required=False,
    )
    hospital_number = forms.CharField(label=_("Hospital number"), max_length=40, required=False)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_hospital_number(self) -> str:
        return self.cleaned_data["hospital_number"].strip()

    def clean_date_of_birth(self) -> date | None:
        born = self.cleaned_data["date_of_birth"]
        if born and not EARLIEST_BIRTH <= born <= timezone.localdate():
            raise forms.ValidationError(_("Please check the date of birth."))
        return born

    def details(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "phone": data["phone"] or "",
            "hospital_number": data["hospital_number"],
            "date_of_birth": data["date_of_birth"],
        }


def _new_email(email: str) -> str:
    """``email`` normalised, or a form error when someone already has an account with it."""
    email = email.strip().lower()
    user_model = get_user_model()
    taken = Q(username__iexact=email) | Q(email__iexact=email)
    if email and user_model.objects.filter(taken).exists():
        raise forms.ValidationError(_("Someone already has an account with this e-mail address."))
    return email


class EnrolmentForm(InfusionForm, LabsForm, TherapyForm, PatientDetailsForm):
    """A new patient: who they are, their care team, the first infusion, baselines and labs."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_(
            "The invitation goes here; it is also the patient's user name. Without one, show "
            "the invitation at the bedside from the care page."
        ),
        required=False,
    )
    care_team = forms.ModelChoiceField(label=_("Care team"), queryset=CareTeam.objects.none())
    language = forms.ChoiceField(
        label=_("Language"),
        help_text=_("The patient's pages and e-mails, the invitation too, are in this language."),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        required=False,  # left out, the site's language
    )

    def __init__(self, *args: Any, nurse, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = nurse.care_teams.all()
        self.fields["care_team"].queryset = teams
        if len(teams) == 1:
            self.fields["care_team"].initial = teams[0].pk

    def infusion_zone(self) -> zoneinfo.ZoneInfo | None:
        team = self.cleaned_data.get("care_team")
        return team.zone if team else None

    def clean_email(self) -> str:
        return _new_email(self.cleaned_data["email"])

    def enrolment(self) -> dict[str, Any]:
        """The keyword arguments of ``enrol_patient``."""
        data = self.cleaned_data
        return {
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "email": data["email"],
            "care_team": data["care_team"],
            "language": data.get("language") or settings.LANGUAGE_CODE,
            **self.infusion(),
            **self.therapy(),
            **self.details(),
            "labs": self.labs(),
        }


class CarerRemindersForm(forms.Form):
    remind_carers = forms.BooleanField(
        label=_("Carers get the daily check-in reminder too"),
        help_text=_("Only carers who have chosen a password get it."),
        required=False,
    )


class LanguageForm(forms.Form):
    """The language of the patient's pages and e-mails, set by the nurse."""

    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class CarerForm(forms.Form):
    """Someone who may check in for the patient; they get their own invitation."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("Their invitation goes here; it is also their user name."),
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE
    )

    def clean_email(self) -> str:
        return _new_email(self.cleaned_data["email"])


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
    report = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=BigIntegerField.MAX_BIGINT
    )


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


class MonitoringForm(forms.Form):
    """Resume, end (``confirm`` once the nurse has seen what ending means) or undo an end."""

    monitoring = forms.ChoiceField(choices=Patient.Monitoring.choices)
    confirm = forms.BooleanField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("monitoring") == Patient.Monitoring.ENDED and not data.get("confirm"):
            raise forms.ValidationError(
                _("Please confirm that monitoring ends."), code="confirm_end"
            )
        return data


# The longest a pause may be planned ahead; past it, a nurse should look at the patient again.
LONGEST_PAUSE_DAYS = 90


class PauseForm(forms.Form):
    """A stay in hospital (or another reason) and the day monitoring should start again."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("For example: admitted to the ward for CRS."),
        error_messages={"required": _("Please say why monitoring pauses.")},
    )
    resume_on = forms.DateField(
        label=_("Planned end of the pause"),
        help_text=_(
            "Monitoring starts again by itself on this day. Leave it empty to resume by hand."
        ),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, zone: zoneinfo.ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Please say why monitoring pauses."))
        return reason

    def clean_resume_on(self) -> date | None:
        day = self.cleaned_data["resume_on"]
        if day is None:
            return None
        today = timezone.now().astimezone(self.zone).date()
        if day <= today:
            raise forms.ValidationError(_("Please choose a day after today."))
        if (day - today).days > LONGEST_PAUSE_DAYS:
            raise forms.ValidationError(
                _("Please choose a day within %(days)s days.") % {"days": LONGEST_PAUSE_DAYS}
            )
        return day

    def resumes_at(self) -> datetime | None:
        day = self.cleaned_data["resume_on"]
        return datetime.combine(day, time.min, tzinfo=self.zone) if day else None


# -- Care-team settings ---------------------------------------------------------------------------


class HoursMinutesWidget(forms.MultiWidget):
    """Two number boxes, hours and minutes, instead of Django's raw "1 00:00:00"."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        def box(unit: str) -> forms.NumberInput:
            return forms.NumberInput({"min": "0", "placeholder": unit, "aria-label": unit})

        super().__init__({"hours": box(_("hours")), "minutes": box(_("minutes"))}, attrs)

    def decompress(self, value: timedelta | None) -> list[int | None]:
        if not value:
            return [None, None]
        minutes = int(value.total_seconds() // 60)
        return [minutes // 60, minutes % 60]


class HoursMinutesField(forms.MultiValueField):
    """A duration typed as hours and minutes; either box may stay empty (as 0), not both."""

    widget = HoursMinutesWidget

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("max_length", None)
        fields = (
            forms.IntegerField(min_value=0, max_value=24 * 14, required=False),
            forms.IntegerField(min_value=0, max_value=59, required=False),
        )
        if not kwargs.get("help_text"):
            kwargs["help_text"] = _("Hours and minutes, for example 1 hour 0 minutes.")
        super().__init__(fields, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[int | None]) -> timedelta | None:
        if not data_list or all(v in (None, "") for v in data_list):
            return None
        hours, minutes = (v or 0 for v in data_list)
        duration = timedelta(hours=hours, minutes=minutes)
        if duration <= timedelta(0):
            raise forms.ValidationError(_("Please enter a time longer than 0 minutes."))
        return duration


class CareTeamForm(forms.ModelForm):
    """A care team's settings, for the admin: a dialable 24-hour phone, targets in hours and
    minutes."""

    class Meta:
        model = CareTeam
        fields = [
            "name",
            "phone_24h",
            "emergency_number",
            "time_zone",
            "fever_threshold_c",
            "nurses",
            "reminder_time",
            "emergency_target",
            "urgent_now_target",
            "urgent_today_target",
        ]
        field_classes = {
            "emergency_target": HoursMinutesField,
            "urgent_now_target": HoursMinutesField,
            "urgent_today_target": HoursMinutesField,
        }
