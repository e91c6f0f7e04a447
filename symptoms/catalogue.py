"""The input catalogue: every report input and every context key of the triage contract.

This is the one place that says what an input is called, what type it has, which values it
accepts, which body system it belongs to and how the patient is asked about it. The web forms, the
validation of case files (``symptoms.validation``) and the management commands all read it, so a
code, a range or a choice is written exactly once.

Codes, types and ranges are those of the case-file format (``docs/case-format.md``). The questions
and help texts are our own plain words (aimed at a reading age of about 12); they are deliberately
not PRO-CTCAE wording, which NCI does not allow us to redistribute. Every user-facing string is
marked for translation with ``gettext_lazy`` so that importing this module needs no configured
settings.

Choices are listed from least to most severe, so a choice's index is its severity rank
(``severity()``); ``is_worse()`` compares two values of one input in the clinical sense.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

Kind = Literal["number", "int", "bool", "choice", "text", "object"]
# Which way a numeric value gets clinically worse: "higher", "lower", or "outward" (further from the
# ``normal`` band on either side). Empty for inputs without an order (text, context facts).
Worse = Literal["higher", "lower", "outward", ""]

Label = str | Promise

NOTE_MAX_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class Input:
    """One input: a report value the patient gives, or a context value the care team records."""

    code: str
    kind: Kind
    group: str
    question: Label
    help: Label
    unit: Label = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[tuple[str, Label], ...] = ()
    worse: Worse = ""
    normal: tuple[float, float] | None = None
    nullable: bool = False
    required: bool = False
    default: Any = None
    fields: Mapping[str, Input] = field(default_factory=dict, hash=False, compare=False)

    @property
    def max_length(self) -> int | None:
        """For text, the most characters allowed (held in ``maximum``)."""
        return int(self.maximum) if self.kind == "text" and self.maximum is not None else None

    @property
    def codes(self) -> tuple[str, ...]:
        """The choice codes, least severe first."""
        return tuple(code for code, _label in self.choices)

    def label_for(self, value: str) -> Label:
        return dict(self.choices)[value]


def _inputs(*items: Input) -> dict[str, Input]:
    return {item.code: item for item in items}


# -- Body-system groups, in the order a form asks them ---------------------------------------------

GROUPS: dict[str, Label] = {
    "vitals": _("Your measurements"),
    "whole_body": _("How your body feels"),
    "brain": _("Thinking, waking and moving (a carer usually answers these)"),
    "gut": _("Tummy and bowel"),
    "skin": _("Skin, allergy and liver"),
    "bleeding": _("Bleeding and bruising"),
    "infection": _("Signs of infection"),
    "free_text": _("Anything else"),
}

# Shared choice lists.
_SEVERITY_4 = (
    ("none", _("No")),
    ("mild", _("Yes, a little")),
    ("moderate", _("Yes, it makes my usual things hard to do")),
    ("severe", _("Yes, it is very bad: I can't look after myself")),
)

_BREATHLESSNESS = (
    ("none", _("No")),
    ("moderate_exertion", _("Only when I walk fast or climb stairs")),
    ("minimal_exertion", _("When I do small things, like getting dressed or crossing a room")),
    ("at_rest", _("Even when I sit still or lie down")),
)

_SPREAD = (
    ("none", _("No")),
    ("local", _("Yes, in one place")),
    ("widespread", _("Yes, in many places or all over")),
)


# -- Report inputs, in contract order --------------------------------------------------------------

INPUTS: dict[str, Input] = _inputs(
    # Vital signs
    Input(
        "temperature_c",
        "number",
        "vitals",
        _("What is your temperature?"),
        _(
            "Use your thermometer under the tongue. If you took a medicine for fever in the "
            "last 6 hours, say so below."
        ),
        unit="°C",
        minimum=30.0,
        maximum=43.0,
        worse="outward",
        # 36.0 °C is already low (rules fire at ≤ 36.0); 37.0 °C is the lowest site fever threshold.
        normal=(36.1, 37.0),
    ),
    Input(
        "systolic_bp",
        "int",
        "vitals",
        _("What is the top number of your blood pressure?"),
        _(
            "Sit still for 5 minutes, then measure. The top number is the bigger one, "
            "like 120 in 120/80."
        ),
        unit="mmHg",
        minimum=50,
        maximum=260,
        worse="lower",
    ),
    Input(
        "diastolic_bp",
        "int",
        "vitals",
        _("What is the bottom number of your blood pressure?"),
        _("The bottom number is the smaller one, like 80 in 120/80."),
        unit="mmHg",
        minimum=20,
        maximum=160,
        worse="lower",
    ),
    Input(
        "heart_rate",
        "int",
        "vitals",
        _("What is your pulse?"),
        _(
            "Your blood pressure machine or finger clip shows it. Sit still for 5 minutes "
            "before you measure."
        ),
        unit=_("beats a minute"),
        minimum=25,
        maximum=250,
        worse="outward",
        normal=(50, 100),
    ),
    Input(
        "spo2",
        "int",
        "vitals",
        _("What is your oxygen level?"),
        _(
            "Rest for 5 minutes and warm your hands. Put the finger clip on and wait until the "
            "number next to the % sign stops changing."
        ),
        unit="%",
        minimum=50,
        maximum=100,
        worse="lower",
    ),
    Input(
        "respiratory_rate",
        "int",
        "vitals",
        _("How many breaths do you take in one minute?"),
        _(
            "Your carer can count how many times your chest rises in one whole minute "
            "while you rest."
        ),
        unit=_("breaths a minute"),
        minimum=4,
        maximum=60,
        worse="outward",
        normal=(12, 20),
    ),
    Input(
        "antipyretic_last_6h",
        "bool",
        "vitals",
        _("Have you taken a medicine that can lower a fever in the last 6 hours?"),
        _(
            "For example paracetamol, ibuprofen or a steroid. These medicines can hide a "
            "fever, so we need to know."
        ),
    ),
    # Whole body and breathing
    Input(
        "chills",
        "choice",
        "whole_body",
        _("Have you felt cold and shivery?"),
        _("Shaking all over that you cannot stop is called rigors."),
        choices=(
            ("none", _("No")),
            ("shivering", _("Yes, I have been shivering")),
            ("rigors", _("Yes, my whole body shakes and I can't stop it")),
        ),
    ),
    Input(
        "feels_feverish",
        "bool",
        "whole_body",
        _("Do you feel hot or feverish?"),
        _("Answer even if your thermometer shows a normal number."),
    ),
    Input(
        "fatigue",
        "choice",
        "whole_body",
        _("How tired do you feel?"),
        _("Compare with how you usually feel."),
        choices=(
            ("none", _("No more tired than usual")),
            ("relieved_by_rest", _("Tired, but rest helps")),
            (
                "limits_usual_activities",
                _("Too tired to do my usual things, like cooking or shopping"),
            ),
            ("limits_self_care", _("Too tired to wash, dress or eat on my own")),
        ),
    ),
    Input(
        "breathlessness",
        "choice",
        "whole_body",
        _("Are you short of breath?"),
        _("This means you can't catch your breath, or you have to breathe harder than usual."),
        choices=_BREATHLESSNESS,
    ),
    Input(
        "dizziness",
        "choice",
        "whole_body",
        _("Have you felt dizzy or fainted?"),
        _("Fainting means you fell down or blacked out, even for a moment."),
        choices=(
            ("none", _("No")),
            ("on_standing", _("I feel dizzy when I stand up")),
            ("fainted", _("I fainted or passed out")),
        ),
    ),
    Input(
        "headache",
        "choice",
        "whole_body",
        _("Do you have a headache?"),
        _("If a very bad headache started suddenly, please also say so in the brain questions."),
        choices=_SEVERITY_4,
    ),
    Input(
        "concern",
        "choice",
        "whole_body",
        _("How worried are you, or the person who looks after you?"),
        _("Trust your feelings. You and your carer know best what is normal for you."),
        choices=(
            ("none", _("We are not worried")),
            ("worried", _("We are worried about how things are going")),
            ("very_unwell", _("I feel very unwell, or my carer is very worried about me")),
        ),
    ),
    # Brain and nerves (a carer usually answers these)
    Input(
        "ice_score",
        "int",
        "brain",
        _("What was the score of today's brain check, from 0 to 10?"),
        _(
            "The carer asks the same questions you practised before treatment: the year, "
            "month, city and hospital; the names of 3 things; a simple instruction; writing a "
            "sentence; counting back from 100 in tens. Give one point for each right answer."
        ),
        unit=_("points"),
        minimum=0,
        maximum=10,
        worse="lower",
    ),
    Input(
        "alertness",
        "choice",
        "brain",
        _("How awake is the person?"),
        _("Compare with how they usually are at this time of day."),
        choices=(
            ("alert", _("Awake, as usual")),
            ("sleepier_wakes_self", _("Sleepier than usual, but wakes up on their own")),
            ("wakes_to_voice", _("Only wakes up when you talk to them")),
            ("wakes_to_touch", _("Only wakes up when you touch or shake them")),
            ("unrousable", _("Cannot be woken up")),
        ),
    ),
    Input(
        "confusion",
        "bool",
        "brain",
        _("Is the person confused or mixed up?"),
        _("For example, they don't know where they are, or say things that don't make sense."),
    ),
    Input(
        "word_finding_trouble",
        "bool",
        "brain",
        _("Do they have trouble finding words or speaking?"),
        _("For example, they stop in the middle of a sentence, or use the wrong words."),
    ),
    Input(
        "handwriting_changed",
        "bool",
        "brain",
        _("Has their handwriting changed?"),
        _("Ask them to write the same sentence as before treatment, and compare the two."),
    ),
    Input(
        "tremor",
        "bool",
        "brain",
        _("Are their hands or body trembling?"),
        _("A shake they did not have before treatment."),
    ),
    Input(
        "seizure",
        "bool",
        "brain",
        _("Have they had a fit (seizure)?"),
        _("For example, jerking of the arms or legs, or staring and not answering for a while."),
    ),
    Input(
        "new_weakness",
        "bool",
        "brain",
        _("Is there new weakness in the face, an arm or a leg?"),
        _("For example, one side of the face droops, or they can't lift one arm."),
    ),
    Input(
        "vision_change",
        "bool",
        "brain",
        _("Has their eyesight suddenly changed?"),
        _("For example, blurred or double vision, or part of what they see is missing."),
    ),
    Input(
        "sudden_severe_headache",
        "bool",
        "brain",
        _("Did a very bad headache start suddenly?"),
        _("The worst headache they have ever had, which came on within seconds or minutes."),
    ),
    Input(
        "movement_changes",
        "bool",
        "brain",
        _("Have you noticed changes in how they move or behave?"),
        _(
            "For example, they move slowly, take small shuffling steps, show less expression "
            "in their face, write smaller, or their personality has changed."
        ),
    ),
    # Stomach and bowel
    Input(
        "nausea",
        "choice",
        "gut",
        _("Do you feel sick (nausea)?"),
        _("Think about the last 24 hours."),
        choices=(
            ("none", _("No")),
            ("appetite_loss", _("I don't feel like eating, but I still eat as usual")),
            ("reduced_intake", _("I am eating and drinking less than usual")),
            ("unable_to_keep_fluids", _("I can't keep drinks down")),
        ),
    ),
    Input(
        "vomiting_episodes_24h",
        "int",
        "gut",
        _("How many times have you been sick (vomited) in the last 24 hours?"),
        _("Count each time. Enter 0 if you have not been sick."),
        unit=_("times"),
        minimum=0,
        maximum=40,
        worse="higher",
    ),
    Input(
        "loose_stools_24h",
        "int",
        "gut",
        _("How many loose or watery poos have you had in the last 24 hours?"),
        _("Count each one. Enter 0 if you have had none."),
        unit=_("times"),
        minimum=0,
        maximum=40,
        worse="higher",
    ),
    Input(
        "stool_blood",
        "bool",
        "gut",
        _("Have you seen blood in your poo, or is your poo black?"),
        _("Red blood, or black and sticky poo that looks like tar."),
    ),
    Input(
        "abdominal_pain",
        "choice",
        "gut",
        _("Do you have tummy pain?"),
        _("Pain anywhere in your belly."),
        choices=_SEVERITY_4,
    ),
    # Skin, allergy and liver
    Input(
        "rash_bsa_percent",
        "number",
        "skin",
        _("How much of your skin has a rash?"),
        _(
            "Mark the rash on the body map. Your hand, with the fingers, covers about 1% of "
            "your skin. Enter 0 if you have no rash."
        ),
        unit="%",
        minimum=0,
        maximum=100,
        worse="higher",
    ),
    Input(
        "rash_blisters",
        "bool",
        "skin",
        _("Does the rash have blisters, or is the skin peeling?"),
        _("Blisters are bubbles of fluid under the skin."),
    ),
    Input(
        "mucosal_sores",
        "bool",
        "skin",
        _("Do you have sores in your mouth, your eyes or your private parts?"),
        _("Painful spots, ulcers or redness inside the mouth, in the eyes or around the genitals."),
    ),
    Input(
        "itching",
        "bool",
        "skin",
        _("Is your skin itchy?"),
        _("Anywhere on your body."),
    ),
    Input(
        "flushing",
        "bool",
        "skin",
        _("Has your face or skin suddenly gone red and hot?"),
        _("This is called flushing."),
    ),
    Input(
        "airway_swelling",
        "bool",
        "skin",
        _("Are your lips, tongue or throat swollen, or is your voice hoarse?"),
        _("Also answer yes if it suddenly feels hard to swallow."),
    ),
    Input(
        "wheeze",
        "bool",
        "skin",
        _("Is your breathing noisy or wheezy?"),
        _("A whistling or rattling sound when you breathe."),
    ),
    Input(
        "jaundice",
        "bool",
        "skin",
        _("Is your skin or the white of your eyes yellow, or is your pee dark?"),
        _("Dark pee looks like tea or cola."),
    ),
    Input(
        "hives",
        "choice",
        "skin",
        _("Do you have hives?"),
        _("Hives are raised, itchy bumps or welts on the skin."),
        choices=_SPREAD,
    ),
    # Bleeding
    Input(
        "bruising",
        "choice",
        "bleeding",
        _("Do you have bruises you can't explain?"),
        _("Bruises that appeared without a knock or a fall."),
        choices=_SPREAD,
    ),
    Input(
        "petechiae",
        "bool",
        "bleeding",
        _("Do you have tiny red or purple spots on your skin?"),
        _("Spots as small as a pinhead that don't fade when you press a clear glass on them."),
    ),
    Input(
        "bleeding_gums",
        "bool",
        "bleeding",
        _("Are your gums bleeding?"),
        _("For example, when you brush your teeth."),
    ),
    Input(
        "blood_in_urine",
        "bool",
        "bleeding",
        _("Is there blood in your pee, or is your pee pink or red?"),
        _("Look at the colour in the toilet or in a clear cup."),
    ),
    Input(
        "vomiting_blood",
        "bool",
        "bleeding",
        _("Have you vomited blood, or something that looks like coffee grounds?"),
        _("Dark brown bits in the vomit can be old blood."),
    ),
    Input(
        "coughing_blood",
        "bool",
        "bleeding",
        _("Have you coughed up blood?"),
        _("Even a small streak of blood counts."),
    ),
    Input(
        "bleeding_uncontrolled",
        "bool",
        "bleeding",
        _("Is any bleeding not stopping?"),
        _(
            "Answer yes if any bleeding, a nosebleed too, has not stopped after 10 minutes "
            "of pressing firmly on it."
        ),
    ),
    Input(
        "nosebleed",
        "bool",
        "bleeding",
        _("Have you had a nosebleed that stopped?"),
        _(
            "If a nosebleed has not stopped after 10 minutes of firm pressure, answer yes to "
            "the question about bleeding that is not stopping."
        ),
    ),
    # Infection signs
    Input(
        "productive_cough",
        "bool",
        "infection",
        _("Do you have a cough that brings up phlegm?"),
        _("Phlegm is thick mucus that you cough up from your chest."),
    ),
    Input(
        "burning_urination",
        "bool",
        "infection",
        _("Does it burn or sting when you pee?"),
        _("Or do you need to pee much more often than usual?"),
    ),
    Input(
        "line_site_redness",
        "bool",
        "infection",
        _("Is the skin around your line red, swollen or sore?"),
        _("Your line is the thin tube in your chest or arm used for your treatment."),
    ),
    Input(
        "sore_throat",
        "bool",
        "infection",
        _("Do you have a sore throat?"),
        _("It hurts to swallow or your throat feels raw."),
    ),
    # Free text
    Input(
        "note",
        "text",
        "free_text",
        _("Is there anything else you want your care team to know?"),
        _(
            "Write it in your own words. A nurse will read it, but maybe not straight away. "
            "If you need help now, phone your care team."
        ),
        maximum=NOTE_MAX_LENGTH,
    ),
)


# -- Context (recorded by the care team at enrolment; never typed by the patient) ------------------

LABS: dict[str, Input] = _inputs(
    Input(
        "anc",
        "number",
        "labs",
        _("Neutrophils (ANC)"),
        _("The latest absolute neutrophil count."),
        unit="× 10⁹/L",
        minimum=0,
        maximum=50,
        worse="lower",
    ),
    Input(
        "platelets",
        "number",
        "labs",
        _("Platelets"),
        _("The latest platelet count."),
        unit="× 10⁹/L",
        minimum=0,
        maximum=1500,
        worse="lower",
    ),
    Input(
        "hemoglobin",
        "number",
        "labs",
        _("Haemoglobin"),
        _("The latest haemoglobin."),
        unit="g/dL",
        minimum=2,
        maximum=20,
        worse="lower",
    ),
)

BASELINE: dict[str, Input] = _inputs(
    Input(
        "systolic_bp",
        "int",
        "baseline",
        _("Usual systolic blood pressure"),
        _("Measured seated before the infusion."),
        unit="mmHg",
        minimum=50,
        maximum=260,
    ),
    Input(
        "heart_rate",
        "int",
        "baseline",
        _("Usual resting pulse"),
        _("Measured at rest before the infusion."),
        unit=_("beats a minute"),
        minimum=25,
        maximum=250,
    ),
    Input(
        "spo2",
        "int",
        "baseline",
        _("Usual oxygen level"),
        _("Measured at rest before the infusion."),
        unit="%",
        minimum=50,
        maximum=100,
    ),
    Input(
        "loose_stools_per_day",
        "int",
        "baseline",
        _("Usual loose stools a day"),
        _("Before the infusion; enter 0 if the patient usually has none."),
        unit=_("a day"),
        minimum=0,
        maximum=10,
    ),
    Input(
        "ice_score",
        "int",
        "baseline",
        _("Brain-check (ICE) score before the infusion"),
        _("The carer-run check with the same questions as at home."),
        unit=_("points"),
        minimum=0,
        maximum=10,
    ),
    Input(
        "breathlessness",
        "choice",
        "baseline",
        _("Usual breathlessness"),
        _("How breathless the patient usually was before the infusion."),
        choices=_BREATHLESSNESS,
    ),
)

SITE: dict[str, Input] = _inputs(
    Input(
        "fever_threshold_c",
        "number",
        "site",
        _("Fever threshold"),
        _("The temperature from which this centre counts a fever (38.0 °C unless set)."),
        unit="°C",
        minimum=37.0,
        maximum=39.0,
        default=38.0,
    ),
)

CONTEXT: dict[str, Input] = _inputs(
    Input(
        "product",
        "choice",
        "therapy",
        _("Cell product of the most recent infusion"),
        _("Choose the product given most recently."),
        choices=(
            ("CAR-T", _("CAR-T cells")),
            ("CIK", _("Cytokine-induced killer (CIK) cells")),
            ("DLI", _("Donor lymphocyte infusion (DLI)")),
            ("NK", _("Natural killer (NK) cells, CAR-NK included")),
            ("TIL", _("Tumour-infiltrating lymphocytes (TIL)")),
            ("OTHER", _("Another cell product")),
        ),
        required=True,
    ),
    Input(
        "target",
        "choice",
        "therapy",
        _("CAR target"),
        _("Leave empty when not known or not a CAR product."),
        choices=(
            ("CD19", _("CD19")),
            ("BCMA", _("BCMA")),
            ("OTHER", _("Another target")),
        ),
        nullable=True,
    ),
    Input(
        "cell_source",
        "choice",
        "therapy",
        _("Source of the cells"),
        _("The patient's own cells, or a donor's."),
        choices=(
            ("autologous", _("The patient's own cells (autologous)")),
            ("allogeneic", _("A donor's cells (allogeneic)")),
        ),
        required=True,
    ),
    Input(
        "prior_allogeneic_transplant",
        "bool",
        "therapy",
        _("Earlier allogeneic stem-cell transplant"),
        _("Graft-versus-host disease is possible even after the patient's own cells."),
    ),
    Input(
        "days_since_infusion",
        "int",
        "therapy",
        _("Days since the most recent infusion"),
        _("Day 0 is the day of the infusion."),
        unit=_("days"),
        minimum=0,
        required=True,
    ),
    Input(
        "hours_since_infusion",
        "number",
        "therapy",
        _("Hours since the most recent infusion"),
        _("For the first 72 hours, when the time of the infusion is known."),
        unit=_("hours"),
        minimum=0,
        nullable=True,
    ),
    Input(
        "crs_treated",
        "bool",
        "therapy",
        _("Tocilizumab or steroids given for CRS"),
        _("After this, fever is no longer needed for the CRS rules."),
    ),
    Input(
        "neutropenia_expected",
        "bool",
        "therapy",
        _("Neutrophils expected below 1.0 × 10⁹/L"),
        _("Set while the team expects the neutrophil count to be low."),
    ),
    Input(
        "labs",
        "object",
        "labs",
        _("Latest blood results"),
        _("Entered by the team; each value optional."),
        fields=LABS,
    ),
    Input(
        "baseline",
        "object",
        "baseline",
        _("Values before the infusion"),
        _("Each value optional."),
        fields=BASELINE,
    ),
    Input(
        "site",
        "object",
        "site",
        _("Centre settings"),
        _("Parameters set for the treating centre."),
        fields=SITE,
    ),
)


# -- Helpers ---------------------------------------------------------------------------------------


def inputs_in_group(group: str) -> list[Input]:
    """The report inputs of one body-system group, in contract order."""
    if group not in GROUPS:
        raise KeyError(group)
    return [item for item in INPUTS.values() if item.group == group]


def severity(code: str, value: Any) -> int:
    """The severity rank of a choice (its index, least severe first), or of a bool (0 or 1)."""
    item = INPUTS[code]
    if item.kind == "choice":
        return item.codes.index(value)
    if item.kind == "bool":
        return int(bool(value))
    raise TypeError(f"{code} is a {item.kind} input; use is_worse() for numbers")


def _distance_from_normal(item: Input, value: float) -> float:
    low, high = item.normal or (value, value)
    return max(low - value, value - high, 0.0)


def is_worse(code: str, old: Any, new: Any) -> bool:
    """True when ``new`` is clinically worse than ``old`` for this report input.

    Choices: a later choice. Bools: False to True. Numbers with ``worse = "higher"`` or ``"lower"``:
    that direction. ``"outward"`` (temperature, pulse, breathing rate): further from the ``normal``
    band, on the same side as ``old`` or from inside the band; a jump from one side to the other is
    not called worse or better. Text is never worse.
    """
    item = INPUTS[code]
    if item.kind in ("choice", "bool"):
        return severity(code, new) > severity(code, old)
    if item.kind not in ("number", "int"):
        return False
    if item.worse == "higher":
        return new > old
    if item.worse == "lower":
        return new < old
    if item.worse == "outward" and item.normal is not None:
        low, high = item.normal
        if _distance_from_normal(item, new) <= _distance_from_normal(item, old):
            return False
        if low <= old <= high:
            return True
        return (old > high and new > old) or (old < low and new < old)
    return False
