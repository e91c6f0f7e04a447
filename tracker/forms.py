"""Forms. Questions, help, ranges and choices come from the one input catalogue in ``symptoms``.

The daily check-in asks the vital signs first (each may be "not measured": missing is never taken
as normal), then which body systems have anything new or worse, then the questions of those systems
only. Each field owns its conversion and range (``tracker.fields``); the page template owns the
layout. An impossible value gets a message next to its field and every other answer stays filled
in; a possible but alarming value (rules reference P4, ``symptoms.alarms``) asks to re-measure and
confirm once, unless a matching symptom is reported. A missing answer is asked for, but never holds
back a red flag (D17): the view sends what there is when the engine says it earns a call.
"""

from __future__ import annotations

import functools
import uuid
import zoneinfo
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import BigIntegerField, Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from symptoms import catalogue
from symptoms.alarms import ALARMS
from symptoms.catalogue import GROUPS, INPUTS, inputs_in_group
from symptoms.validation import validate_report
from tracker import fragments
from tracker.fields import BrainCheckField, ReadingField, TemperatureField, catalogue_field
from tracker.models import CareTeam, Flag, Level, Patient, RiskCategory

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

# The readings of the form, by report code: the form field that holds each.
READINGS = {
    "temperature_c": "temperature",
    "systolic_bp": "systolic_bp",
    "diastolic_bp": "diastolic_bp",
    "heart_rate": "heart_rate",
    "spo2": "spo2",
    "respiratory_rate": "respiratory_rate",
}


# Django's own empty choice of a model field (``BLANK_CHOICE_LABEL``) has no Spanish in Django's
# catalogue; naming it here keeps it, translated, in ours.
BLANK_CHOICE_LABEL = _("- Select an option -")


def _not_measured(label: Any) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False)


def _confirm() -> forms.BooleanField:
    return forms.BooleanField(
        label=_("I measured again and this number is right. Send it."), required=False
    )


def initial_for(patient: Patient) -> dict[str, Any]:
    """What the form starts with for ``patient``: their care team's temperature unit, and a device
    they said they do not have ticked, its reading "could not measure"."""
    initial = {"temperature": [None, patient.care_team.temperature_unit]}
    if not patient.has_bp_cuff:
        initial |= {"no_bp_cuff": True, "bp_not_measured": True}
    if not patient.has_oximeter:
        initial |= {"no_oximeter": True, "spo2_not_measured": True}
    if not patient.has_bp_cuff and not patient.has_oximeter:
        initial |= {"heart_rate_not_measured": True}  # the pulse shows on either
    return initial


def _follow_up_codes(group: str) -> list[str]:
    return [
        item.code
        for item in inputs_in_group(group)
        if item.code not in ALWAYS_ASKED and item.code not in SPECIAL
    ]


class CheckInForm(forms.Form):
    """The daily check-in: vital signs, a checklist of body systems, their follow-up questions."""

    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    temperature = TemperatureField()
    temperature_not_measured = _not_measured(_("I could not measure my temperature"))
    temperature_confirmed = _confirm()
    systolic_bp = catalogue_field("systolic_bp")
    diastolic_bp = catalogue_field("diastolic_bp")
    bp_not_measured = _not_measured(_("I could not measure my blood pressure"))
    no_bp_cuff = _not_measured(_("I have no blood pressure machine at home"))
    heart_rate = catalogue_field("heart_rate")
    heart_rate_not_measured = _not_measured(_("I could not measure my pulse"))
    spo2 = catalogue_field("spo2")
    spo2_not_measured = _not_measured(_("I could not measure my oxygen level"))
    no_oximeter = _not_measured(_("I have no finger clip for oxygen at home"))
    spo2_confirmed = _confirm()
    respiratory_rate = catalogue_field("respiratory_rate")
    antipyretic_last_6h = forms.TypedChoiceField(
        label=INPUTS["antipyretic_last_6h"].question,
        help_text=INPUTS["antipyretic_last_6h"].help,
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,  # asked for in clean(), so a red flag is never held behind it (D17)
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
    concern = catalogue_field("concern")
    note = catalogue_field("note")

    # Asked of every check-in: (field, its report codes, its "not measured" box, what to ask).
    MEASURED = (
        (
            "temperature",
            ("temperature_c",),
            "temperature_not_measured",
            _("Please write your temperature, or tick “I could not measure my temperature”."),
        ),
        (
            "systolic_bp",
            ("systolic_bp", "diastolic_bp"),
            "bp_not_measured",
            _("Please write your blood pressure, or tick “I could not measure my blood pressure”."),
        ),
        (
            "heart_rate",
            ("heart_rate",),
            "heart_rate_not_measured",
            _("Please write your pulse, or tick “I could not measure my pulse”."),
        ),
        (
            "spo2",
            ("spo2",),
            "spo2_not_measured",
            _("Please write your oxygen level, or tick “I could not measure my oxygen level”."),
        ),
    )
    # The devices a reading needs, any one of them (the pulse shows on either): without them all,
    # the reading is not asked for.
    DEVICES = {
        "systolic_bp": ("no_bp_cuff",),
        "spo2": ("no_oximeter",),
        "heart_rate": ("no_bp_cuff", "no_oximeter"),
    }
    CHOSEN = ("antipyretic_last_6h", "concern")
    # "Nothing new since last time" still needs the temperature (or "could not measure") and the
    # two questions the rules ask at every entry: fever medicine, which can hide a fever (rules
    # reference P5), and worry (P7, AGG-05/05b). The rest is sent as not answered, never normal.
    QUIET_DAY = ("temperature", "antipyretic_last_6h", "concern")
    # The short twice-daily temperature check (CAR-T days 0–14): the reading, and P5's question.
    TEMPERATURE_ONLY = ("temperature", "antipyretic_last_6h")
    # P4: the readings that wait for one confirm, and the box that confirms each.
    CONFIRMS = (
        ("temperature", "temperature_c", "temperature_confirmed"),
        ("spo2", "spo2", "spo2_confirmed"),
    )
    # Different on every page, so drawn outside the cached markup (``cache_key``).
    NOT_CACHED = ("submission_key",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4())
        for group in FOLLOW_UP_GROUPS:
            for code in _follow_up_codes(group):
                self.fields[code] = catalogue_field(code)
        self.fields["ice"] = BrainCheckField(
            tuple(prompt for _domain, prompt in ICE_ITEMS), label=_("The brain check")
        )
        self.alarms: list[str] = []  # fields whose alarming reading waits for a confirm (P4)
        self.held: dict[str, Any] = {}  # those readings, by code, kept out of the answers
        self.unanswered: list[str] = []  # codes of questions left unanswered or unusable
        self.missing: set[str] = set()  # fields whose only error is "please answer this"

    # -- Layout, read by the template ---------------------------------------------------------

    def group_fields(self, group: str) -> list[forms.BoundField]:
        return [self[code] for code in _follow_up_codes(group)]

    def checklist_group(self, group: str, opened: bool, *, guided: bool = False) -> dict[str, Any]:
        """One body system of the checklist with its questions, as the template lays it out;
        ``guided`` shows the brain check one step at a time (JavaScript on)."""
        fields = self.group_fields(group)
        return {
            "code": group,
            "label": GROUPS[group],
            "open": opened,
            "questions": [f for f in fields if not isinstance(f.field, forms.BooleanField)],
            "ticks": [f for f in fields if isinstance(f.field, forms.BooleanField)],
            "ice": self["ice"] if group == "brain" else None,
            "rash": self["rash_bsa_percent"] if group == "skin" else None,
            "guided": guided,
        }

    @functools.cached_property
    def cache_key(self) -> str | None:
        """The key of this form's drawn markup in the cache (``tracker.fragments``), or ``None``
        when it must be drawn afresh: a form with answers (sent back with errors, a draft) is
        never cached. An unbound form is drawn from its fields, its starting values (the team's
        temperature unit, the devices the patient has) and the language: the key holds them all.
        """
        if self.is_bound:
            return None
        initial = {
            name: self.get_initial_for_field(field, name)
            for name, field in self.fields.items()
            if name not in self.NOT_CACHED
        }
        language = translation.get_language()
        return fragments.fragment_key(
            type(self).__qualname__,
            language,
            self.prefix,
            self.auto_id,
            self.use_required_attribute,
            sorted(initial.items()),
            _form_version(type(self)),
            fragments.sources_stamp(language),
        )

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

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        self._ask_for_missing(data)
        self._check_blood_pressure(data)
        self._check_checklist()
        if data.get("alertness") == "unrousable":
            # No brain check is asked of a person who cannot be woken (rules reference 4.3).
            self.errors.pop("ice", None)
            data["ice"] = None
        elif "ice" in self.errors:
            self.missing.add("ice")
            self.unanswered.append("ice_score")
        self._check_alarms(data)
        return data

    def _ask(self, field: str, message: Any) -> None:
        """An answer is missing: asked for, but it never holds back a red flag (D17)."""
        self.add_error(field, message)
        self.missing.add(field)

    def _ask_for_missing(self, data: dict[str, Any]) -> None:
        for field, codes, not_measured, ask in self.MEASURED:
            devices = self.DEVICES.get(field, ())
            no_device = bool(devices) and all(data.get(missing) for missing in devices)
            if data.get(field) is None and not data.get(not_measured) and not no_device:
                if field not in self.errors:
                    self._ask(field, ask)
                self.unanswered += codes
        for field in self.CHOSEN:
            if data.get(field) in (None, "") and field not in self.errors:
                self._ask(field, forms.Field.default_error_messages["required"])
                self.unanswered.append(field)

    def _check_blood_pressure(self, data: dict[str, Any]) -> None:
        systolic, diastolic = data.get("systolic_bp"), data.get("diastolic_bp")
        if diastolic is None:
            return
        if systolic is None and "systolic_bp" not in self.errors:
            self._ask("systolic_bp", _("Please write the top number too."))
        elif systolic is not None and diastolic >= systolic:
            # Which number is wrong cannot be told: neither is sent.
            self.add_error(
                "diastolic_bp",
                _("The bottom number should be smaller than the top one. Please check them."),
            )
            data["systolic_bp"] = None
            self.unanswered += ["systolic_bp", "diastolic_bp"]

    def _check_checklist(self) -> None:
        empty = [
            GROUPS[g] for g in FOLLOW_UP_GROUPS if g in self._ticked() and not self._answered(g)
        ]
        if empty:
            self._ask(
                "changes",
                _(
                    "You ticked “%(parts)s”. Please answer at least one question about it, or "
                    "untick it."
                )
                % {"parts": "”, “".join(str(label) for label in empty)},
            )

    def _check_alarms(self, data: dict[str, Any]) -> None:
        """P4: an alarming reading without a matching symptom waits for one confirm."""
        answers = self.answers(unconfirmed=True)
        for field, code, confirmed in self.CONFIRMS:
            if data.get(confirmed) or not ALARMS[code].needs_confirm(answers):
                continue
            self.alarms.append(field)
            self.held[code] = answers[code]
            self.unanswered.append(code)
            self.add_error(field, self._alarm_message(code, answers[code]))

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

    @property
    def blocked(self) -> bool:
        """Whether an answer is wrong (impossible, or waiting for a confirm), not only missing."""
        return any(field not in self.missing for field in self.errors)

    def ready(self, needed: tuple[str, ...]) -> bool:
        """Whether a short check-in can be sent: the questions it ``needed`` are answered."""
        return not self.blocked and not self.missing & set(needed)

    def hide_missing(self, *, keep: tuple[str, ...] = ()) -> None:
        """Leaves only the errors that matter now: the advice does not wait for the rest."""
        for field in self.missing & set(self.errors) - set(keep):
            del self.errors[field]

    # -- The report ---------------------------------------------------------------------------

    def answers(self, *, unconfirmed: bool = False) -> dict[str, Any]:
        """The report inputs keyed by the contract's codes; nothing unanswered is filled in.

        On a form with errors these are the answers that can be used (D17: a red flag among them
        is sent at once); an alarming reading waiting for its confirm is left out, unless
        ``unconfirmed``.
        """
        data = self.cleaned_data
        answers: dict[str, Any] = dict(self.held) if unconfirmed else {}
        for code, field in READINGS.items():
            value = data.get(field)
            if value is None:
                continue
            if code == "diastolic_bp" and data.get("systolic_bp") is None:
                continue
            answers[code] = float(value) if isinstance(value, Decimal) else value
        if data.get("antipyretic_last_6h") is not None:
            answers["antipyretic_last_6h"] = data["antipyretic_last_6h"]
        opened = self.ticked_groups()
        for group in FOLLOW_UP_GROUPS:
            for code in _follow_up_codes(group):
                value = data.get(code)
                if INPUTS[code].kind == "bool":
                    if value or group in opened:
                        answers[code] = bool(value)
                elif value not in (None, ""):
                    answers[code] = value
        if data.get("ice") is not None:
            answers["ice_score"] = data["ice"]
        if data.get("rash_bsa_percent") is not None:
            answers["rash_bsa_percent"] = data["rash_bsa_percent"]
        if data.get("concern"):
            answers["concern"] = data["concern"]
        if data.get("note", "").strip():
            answers["note"] = data["note"].strip()
        # The last safety net: the engine must never see a value the contract does not allow.
        return validate_report(answers)

    def devices(self) -> dict[str, bool]:
        """The devices at home, as this check-in says (remembered for the next one)."""
        data = self.cleaned_data
        return {"bp_cuff": not data.get("no_bp_cuff"), "oximeter": not data.get("no_oximeter")}

    def unanswered_codes(self) -> list[str]:
        """The questions not answered (or not usable), in catalogue order, for the report."""
        return [code for code in INPUTS if code in self.unanswered]


@functools.cache
def _form_version(form_class: type[forms.Form]) -> str:
    """The version of a form's questions as the code defines them, found once per process."""
    form = form_class()
    return fragments.fragment_key(fragments.describe(form[name] for name in form.fields))


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


# -- Flags and the dashboard (nurses) --------------------------------------------------------------


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


class SecondFactorCodeForm(forms.Form):
    """A code from an authenticator app (six digits), or a recovery code (letters and digits)."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


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
            "temperature_unit",
            "nurses",
            "reminder_time",
            "emergency_target",
            "urgent_now_target",
            "urgent_today_target",
            "emergency_resolve_target",
            "urgent_now_resolve_target",
            "urgent_today_resolve_target",
        ]
        field_classes = {
            "emergency_target": HoursMinutesField,
            "urgent_now_target": HoursMinutesField,
            "urgent_today_target": HoursMinutesField,
            "emergency_resolve_target": HoursMinutesField,
            "urgent_now_resolve_target": HoursMinutesField,
            "urgent_today_resolve_target": HoursMinutesField,
        }


class NurseNoteForm(forms.Form):
    """A note on the patient's record, not tied to a flag."""

    text = forms.CharField(
        label=_("Note for the care team"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Please write the note first.")},
    )
