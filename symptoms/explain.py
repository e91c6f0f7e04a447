"""Plain words for the patient's answer page: what to do now, and why.

The engine's findings speak to nurses (rule ids, grades, thresholds). A patient or carer gets this
instead: one piece of advice per triage level (``ADVICE``, the only place that maps a level to what
the patient is told), one sentence per risk category about what their answers may mean, and the
answers that led there, in the catalogue's own questions. No grades, rule ids or clinical terms.
Every sentence is marked for translation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from symptoms.case import Case
from symptoms.catalogue import INPUTS
from symptoms.levels import Category, Triage
from symptoms.rules import RULES, active_inputs

Label = str | Promise


@dataclass(frozen=True, slots=True)
class Advice:
    """What the patient is told to do for one triage level."""

    level: Triage
    title: Label
    do_now: Label
    call: str  # the number on the big button: "emergency", "team" or "" (none)
    then: Label = ""  # a second step, under the button
    self_care: tuple[Label, ...] = ()

    @property
    def code(self) -> str:
        return self.level.name.lower()

    @property
    def flagged(self) -> bool:
        """A nurse has been told: the report is on the care team's list."""
        return self.level >= Triage.URGENT_TODAY


ADVICE: dict[Triage, Advice] = {
    Triage.EMERGENCY: Advice(
        Triage.EMERGENCY,
        _("Call for emergency help now"),
        _(
            "Call the emergency number or go to the nearest emergency department now. Do not "
            "drive yourself. Show your wallet card."
        ),
        call="emergency",
        then=_("When you can, tell your care team too:"),
    ),
    Triage.URGENT_NOW: Advice(
        Triage.URGENT_NOW,
        _("Phone your care team now"),
        _("Call the 24-hour number now, even at night. Do not wait to see if it gets better."),
        call="team",
        then=_("If you feel very ill, or cannot reach them, call the emergency number:"),
    ),
    Triage.URGENT_TODAY: Advice(
        Triage.URGENT_TODAY,
        _("Contact your care team today"),
        _("Please phone your care team today. A nurse has been told about your check-in."),
        call="team",
        then=_("If you feel worse before then, call straight away."),
    ),
    Triage.ROUTINE: Advice(
        Triage.ROUTINE,
        _("Look after yourself at home"),
        _("Nothing needs a call now. Tell your care team about this at your next visit."),
        call="",
        self_care=(
            _("Rest as much as you need."),
            _("Drink plenty. Small sips often are fine if you feel sick."),
            _("Check your temperature again in 4 hours, and any time you feel hot or shivery."),
            _("Check in again tomorrow, or sooner if anything changes."),
            _("Call your care team at any time if you feel worse or you are worried."),
        ),
    ),
    Triage.NONE: Advice(
        Triage.NONE,
        _("Thank you, nothing to do now"),
        _(
            "Your answers do not need action. Check in again tomorrow, or sooner if anything "
            "changes."
        ),
        call="",
    ),
}

# What a category may mean, said to the patient. Worded as a possibility: only a nurse can tell.
CATEGORY_WHY: dict[Category, Label] = {
    Category.CRS: _(
        "Your new immune cells may be working too hard and making your whole body react. This "
        "is common in the first weeks and treatment works best when it starts early."
    ),
    Category.NEUROTOXICITY: _(
        "The treatment can affect the brain for a while. Changes in thinking, speaking, writing, "
        "moving or waking up need to be checked quickly."
    ),
    Category.HEMATOLOGIC: _(
        "Your blood counts may be low after the treatment. This can make infection, bleeding and "
        "bruising more likely, and can make you tired or dizzy."
    ),
    Category.INFECTION: _(
        "Your body may be fighting an infection. After this treatment an infection can get "
        "serious quickly, so it needs to be checked."
    ),
    Category.GVHD: _(
        "The donor cells may be reacting against your body. This can affect the skin, the tummy "
        "and bowel, or the liver."
    ),
    Category.ALLERGIC: _(
        "You may be having an allergic reaction. Some allergic reactions get worse quickly."
    ),
    Category.GENERAL: _(
        "Some of your answers are side effects your care team wants to know about."
    ),
}

# Answers that deserve their own sentence, said before the categories' ones.
INPUT_WHY: dict[str, Label] = {
    "concern": _(
        "You told us you are worried. That counts: you and the people around you know best what "
        "is normal for you."
    ),
}

# Short names for the numbers, so "what you told us" reads as a list of readings.
READING_NAMES: dict[str, Label] = {
    "temperature_c": _("Your temperature"),
    "systolic_bp": _("Your blood pressure (top number)"),
    "diastolic_bp": _("Your blood pressure (bottom number)"),
    "heart_rate": _("Your pulse"),
    "spo2": _("Your oxygen level"),
    "respiratory_rate": _("Breaths in one minute"),
    "ice_score": _("Brain check score, out of 10"),
    "vomiting_episodes_24h": _("Times you were sick in 24 hours"),
    "loose_stools_24h": _("Loose or watery poos in 24 hours"),
    "rash_bsa_percent": _("How much of your skin has a rash"),
}

# The questions a check-in can be sent without (rules reference D17), as the result page lists them.
UNANSWERED_NAMES: dict[str, Label] = {
    "temperature_c": _("Your temperature"),
    "systolic_bp": _("Your blood pressure"),
    "diastolic_bp": _("Your blood pressure"),
    "heart_rate": _("Your pulse"),
    "spo2": _("Your oxygen level"),
    "antipyretic_last_6h": _("Medicine for fever in the last 6 hours"),
    "ice_score": _("The brain check"),
    "concern": _("How worried you are"),
}

_RULES = {row.id: row for row in RULES}


@dataclass(frozen=True, slots=True)
class Answer:
    """One thing the patient told us that led to the advice."""

    code: str
    question: Label
    answer: Label | str


@dataclass(frozen=True, slots=True)
class Explanation:
    reasons: tuple[Label, ...]  # one sentence per category, most urgent first
    answers: tuple[Answer, ...]  # the answers the findings were about, in catalogue order


def number_text(value: float) -> str:
    """A reading as people write it in the active language: 35, 38.5, or 38,5 in Spanish."""
    return formats.localize(Decimal(f"{value:g}"))


def unanswered_names(codes: Sequence[str]) -> tuple[Label, ...]:
    """Plain names of the questions a check-in was sent without, each once, in asking order."""
    names = (
        UNANSWERED_NAMES.get(code) or INPUTS[code].question for code in codes if code in INPUTS
    )
    return tuple(dict.fromkeys(names))


def advice_for(level: int) -> Advice:
    return ADVICE[Triage(level)]


def answer(code: str, value: Any) -> Answer:
    """One answer in the patient's words: the catalogue's question (or a reading's short name)
    and the answer as they chose or typed it."""
    item = INPUTS[code]
    if item.kind == "text":
        return Answer(code, item.question, str(value))
    if item.kind == "choice":
        return Answer(code, item.question, item.label_for(value))
    if item.kind == "bool":
        return Answer(code, item.question, _("Yes") if value else _("No"))
    shown = number_text(value)
    unit = str(item.unit)
    text = f"{shown}%" if unit == "%" else f"{shown} {unit}".strip()
    return Answer(code, READING_NAMES.get(code, item.question), text)


def explain(
    answers: Mapping[str, Any],
    findings: Sequence[Mapping[str, Any]],
    context: Mapping[str, Any] | None = None,
) -> Explanation:
    """Plain reasons for stored findings (``Finding.as_dict()``) about ``answers``."""
    known = [
        f for f in findings if f["category"] in CATEGORY_WHY and f["triage"] in Triage.__members__
    ]
    ordered = sorted(known, key=lambda f: -Triage[f["triage"]])
    categories = dict.fromkeys(Category(f["category"]) for f in ordered)
    active = active_inputs(Case(context=context or {}, report=answers))
    about: set[str] = set()
    for finding in ordered:
        row = _RULES.get(finding["rule"])
        if row is not None:
            about |= row.reads & active
    own = [INPUT_WHY[code] for code in INPUT_WHY if code in about]
    if own and categories == {Category.GENERAL: None}:
        categories = {}  # the answer's own sentence says it better than "side effects"
    return Explanation(
        reasons=(*own, *(CATEGORY_WHY[c] for c in categories)),
        answers=tuple(answer(code, answers[code]) for code in INPUTS if code in about),
    )
