"""Words for nurses: the engine's findings and answers as short clinical sentences.

The engine speaks in codes (``temperature_c``, ``URGENT_NOW``, ``HEMATOLOGIC``) and in English
``why`` strings written for the rule book. This module is the one place that turns them into what a
nurse reads on the dashboard, the timeline and the admin: "Temperature 38.6 °C (≥ 38.0) on day 3
after CAR-T", "Cytokine release syndrome (CRS)", "Urgent now". The sentences are built from the
finding's rule and the report's own answers and context, not from the ``why`` text, so every word is
translated and every number is written the way the reader's language writes it. The ``why`` stays
available as the precise detail.

The patient's page has its own, plainer words in ``symptoms.explain``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from symptoms.case import Case
from symptoms.catalogue import INPUTS, LABS, Label, severity
from symptoms.explain import number_text
from symptoms.levels import Category, Triage
from symptoms.rules import AGGREGATE, HISTORY, RULES, THRESHOLDS, active_inputs

LEVEL_NAMES: dict[Triage, Label] = {
    Triage.NONE: _("Nothing to report"),
    Triage.ROUTINE: _("Routine"),
    Triage.URGENT_TODAY: _("Urgent today"),
    Triage.URGENT_NOW: _("Urgent now"),
    Triage.EMERGENCY: _("Emergency"),
}

CATEGORY_NAMES: dict[Category, Label] = {
    Category.CRS: _("Cytokine release syndrome (CRS)"),
    Category.NEUROTOXICITY: _("Neurotoxicity"),
    Category.HEMATOLOGIC: _("Blood counts"),
    Category.INFECTION: _("Infection"),
    Category.GVHD: _("Graft-versus-host disease (GVHD)"),
    Category.ALLERGIC: _("Infusion or allergic reaction"),
    Category.GENERAL: _("General"),
}

# Each input as a nurse would write it on a chart; the catalogue's questions are the patient's.
NAMES: dict[str, Label] = {
    "temperature_c": _("Temperature"),
    "systolic_bp": _("Systolic BP"),
    "diastolic_bp": _("Diastolic BP"),
    "heart_rate": _("Pulse"),
    "spo2": _("SpO2"),
    "respiratory_rate": _("Breathing rate"),
    "antipyretic_last_6h": _("Fever medicine in the last 6 h"),
    "chills": _("Chills"),
    "feels_feverish": _("Feels feverish"),
    "fatigue": _("Fatigue"),
    "breathlessness": _("Breathless"),
    "dizziness": _("Dizziness"),
    "headache": _("Headache"),
    "concern": _("Concern"),
    "ice_score": _("ICE score"),
    "alertness": _("Alertness"),
    "confusion": _("Confusion"),
    "word_finding_trouble": _("Trouble finding words"),
    "handwriting_changed": _("Handwriting changed"),
    "tremor": _("Tremor"),
    "seizure": _("Seizure"),
    "new_weakness": _("New weakness"),
    "vision_change": _("Vision change"),
    "sudden_severe_headache": _("Sudden severe headache"),
    "movement_changes": _("Movement or personality change"),
    "nausea": _("Nausea"),
    "vomiting_episodes_24h": _("Vomiting in 24 h"),
    "loose_stools_24h": _("Loose stools in 24 h"),
    "stool_blood": _("Blood in stool"),
    "abdominal_pain": _("Abdominal pain"),
    "rash_bsa_percent": _("Rash, body surface"),
    "rash_blisters": _("Blisters or peeling skin"),
    "mucosal_sores": _("Mouth, eye or genital sores"),
    "itching": _("Itching"),
    "flushing": _("Flushing"),
    "airway_swelling": _("Lip, tongue or throat swelling"),
    "wheeze": _("Wheeze"),
    "jaundice": _("Yellow skin or eyes, or dark urine"),
    "hives": _("Hives"),
    "bruising": _("Bruising"),
    "petechiae": _("Petechiae"),
    "bleeding_gums": _("Bleeding gums"),
    "blood_in_urine": _("Blood in urine"),
    "vomiting_blood": _("Vomiting blood"),
    "coughing_blood": _("Coughing blood"),
    "bleeding_uncontrolled": _("Bleeding that does not stop"),
    "nosebleed": _("Nosebleed"),
    "productive_cough": _("Productive cough"),
    "burning_urination": _("Burning on passing urine"),
    "line_site_redness": _("Redness at the line site"),
    "sore_throat": _("Sore throat"),
    "note": _("Note"),
}

# The choices in a nurse's words (the catalogue's labels are the patient's answers).
CHOICE_WORDS: dict[str, Label] = {
    "none": _("none"),
    "shivering": _("shivering"),
    "rigors": _("rigors"),
    "relieved_by_rest": _("relieved by rest"),
    "limits_usual_activities": _("limits usual activities"),
    "limits_self_care": _("limits self-care"),
    "moderate_exertion": _("on moderate exertion"),
    "minimal_exertion": _("on minimal exertion"),
    "at_rest": _("at rest"),
    "on_standing": _("on standing"),
    "fainted": _("fainted"),
    "mild": _("mild"),
    "moderate": _("moderate"),
    "severe": _("severe"),
    "worried": _("patient or carer worried"),
    "very_unwell": _("feels very unwell"),
    "alert": _("alert"),
    "sleepier_wakes_self": _("sleepier, wakes by self"),
    "wakes_to_voice": _("wakes only to voice"),
    "wakes_to_touch": _("wakes only to touch"),
    "unrousable": _("cannot be woken"),
    "appetite_loss": _("appetite loss"),
    "reduced_intake": _("eating and drinking less"),
    "unable_to_keep_fluids": _("cannot keep fluids down"),
    "local": _("in one place"),
    "widespread": _("widespread"),
}

# Units as a chart writes them, where the catalogue's are the patient's words.
UNITS: dict[str, str] = {
    "heart_rate": "/min",
    "respiratory_rate": "/min",
    "ice_score": "/10",
}

PRODUCT_NAMES: dict[str, Label] = {
    "CAR-T": _("CAR-T"),
    "CIK": _("CIK cells"),
    "DLI": _("DLI"),
    "NK": _("NK cells"),
    "TIL": _("TIL"),
    "OTHER": _("the cell product"),
}

# Rules about other findings or earlier reports: a sentence of their own, then the symptoms named.
RULE_TITLES: dict[str, Label] = {
    "GVHD-07": _("Nausea, poor appetite or vomiting on 3 days in a row"),
    "GVHD-09": _("GVHD with dizziness or low blood pressure"),
    "IR-04": _("A symptom that had improved is worse again"),
    "AGG-01": _("Two or more amber symptoms within 24 h"),
    "AGG-02": _("Urgent findings on more than one symptom"),
    "AGG-03": _("Two grades worse than the previous check-in"),
    "AGG-04": _("Better than the previous check-in"),
}

# Lab values a rule's condition depends on (said with the finding, from the context).
_LAB_WORDS = {"anc": re.compile(r"\bANC\b"), "platelets": re.compile(r"\bplatelets\b")}
# Rules whose condition depends on the time since the infusion (found in their own condition).
_TIMED = re.compile(r"days? \d|CAR-T day|within \d+ h|after \d+ h|than \d+ h|\d+-h infusion")

_RULES = {row.id: row for row in RULES}
T = THRESHOLDS


@dataclass(frozen=True, slots=True)
class Reading:
    """One answer as a nurse reads it: "Temperature", "38.6 °C", and the limit it passed."""

    code: str
    name: str
    value: str
    limit: str = ""
    unusual: bool = False

    def __str__(self) -> str:
        text = f"{self.name} {self.value}".strip()
        return f"{text} ({self.limit})" if self.limit else text


@dataclass(frozen=True, slots=True)
class Reason:
    """One sentence about one or more findings that say the same thing about this report."""

    sentence: str
    level: Triage
    categories: tuple[str, ...]
    rules: tuple[str, ...]
    detail: str  # the engine's own reasons, in the rule book's English

    @property
    def level_name(self) -> str:
        return str(LEVEL_NAMES[self.level])

    @property
    def level_code(self) -> str:
        """For a CSS class, never shown."""
        return self.level.name.lower()


def _decimal(value: float, places: int | None = None) -> str:
    if places is None:
        return number_text(value)
    return formats.localize(Decimal(f"{value:.{places}f}"))


def _number(code: str, value: float) -> str:
    return _decimal(value, 1 if code == "temperature_c" else None)


def _with_unit(shown: str, unit: str) -> str:
    return f"{shown} {unit}".strip() if unit not in ("", "/10", "/min") else f"{shown}{unit}"


# The vital-sign limits the rules use, most severe first: (comparison, threshold name).
LIMITS: dict[str, tuple[tuple[str, str], ...]] = {
    "systolic_bp": (("<", "sbp_low"),),
    "spo2": (("≤", "spo2_emergency"), ("≤", "spo2_call")),
    "heart_rate": ((">", "hr_high"),),
    "respiratory_rate": (("≥", "rr_high"), ("≤", "rr_low")),
    "ice_score": (("≤", "ice_emergency_max"), ("<", "ice_full")),
    "temperature_c": (("≤", "temp_hypothermia_c"), ("≤", "temp_low_c")),
}
_COMPARE = {"<": operator.lt, "≤": operator.le, ">": operator.gt, "≥": operator.ge}


def limit(code: str, value: Any, context: Mapping[str, Any] | None = None) -> str:
    """The rule threshold a vital sign is past, as "≥ 38.0"; "" when it is past none."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return ""
    places = 1 if code == "temperature_c" else None
    if code == "temperature_c":
        fever = Case(context=context or {}, report={}).fever_threshold_c
        if value >= fever:
            return f"≥ {_decimal(fever, places)}"
    for sign, name in LIMITS.get(code, ()):
        if _COMPARE[sign](value, T[name]):
            return f"{sign} {_decimal(T[name], places)}"
    return ""


def is_abnormal(code: str, value: Any) -> bool:
    """True when a report value is not the usual, healthy answer for that input."""
    item = INPUTS[code]
    if item.kind in ("choice", "bool"):
        return severity(code, value) > 0
    if item.kind not in ("number", "int"):
        return False
    if item.normal is not None:
        low, high = item.normal
        return not low <= value <= high
    if item.worse == "higher":
        return value > (item.minimum or 0)
    if item.worse == "lower" and item.maximum is not None:
        return value < item.maximum
    return False


def value_text(code: str, value: Any) -> str:
    """An answer's value in the nurse's words and the reader's number format."""
    item = INPUTS[code]
    if item.kind == "choice":
        return str(CHOICE_WORDS.get(value, value))
    if item.kind == "bool":
        return gettext("yes") if value else gettext("no")
    if item.kind == "text":
        return str(value)
    unit = UNITS.get(code, str(item.unit))
    return _with_unit(_number(code, value), unit)


def reading(code: str, value: Any, context: Mapping[str, Any] | None = None) -> Reading:
    item = INPUTS[code]
    past = limit(code, value, context) if item.kind in ("number", "int") else ""
    return Reading(
        code=code,
        name=str(NAMES.get(code, item.question)),
        value=value_text(code, value),
        limit=past,
        # A vital sign is marked only past a rule's threshold (37.1 °C is outside the chart's band
        # but fires nothing); counts and symptoms whenever they are not the healthy answer.
        unusual=bool(past) or (item.normal is None and is_abnormal(code, value)),
    )


def answer_words(answers: Mapping[str, Any], context: Mapping[str, Any] | None = None):
    """Every answer but the note, in catalogue order, as readings."""
    return [
        reading(code, answers[code], context)
        for code in INPUTS
        if code in answers and code != "note" and answers[code] is not None
    ]


KEY_READINGS = ("temperature_c", "systolic_bp", "spo2", "ice_score")


def key_readings(answers: Mapping[str, Any], context: Mapping[str, Any] | None = None):
    """Temperature, blood pressure, SpO2 and ICE when given: what a nurse looks at first."""
    shown = []
    for code in KEY_READINGS:
        value = answers.get(code)
        if value is None:
            continue
        if code == "systolic_bp" and answers.get("diastolic_bp") is not None:
            both = f"{value}/{answers['diastolic_bp']} mmHg"
            past = limit(code, value, context)
            shown.append(Reading(code, gettext("BP"), both, past, bool(past)))
            continue
        shown.append(reading(code, value, context))
    return shown


def _sentence_parts(row, answers, context) -> list[Reading]:
    """The report's answers a report rule was about: its unusual readings and active signs."""
    active = active_inputs(Case(context=context or {}, report=answers))
    about = [code for code in INPUTS if code in row.reads and code in active]
    readings = [reading(code, answers[code], context) for code in about]
    unusual = [r for r in readings if r.unusual or r.code == "antipyretic_last_6h"]
    return unusual or readings


def _reading_phrase(r: Reading) -> str:
    """A sign that is simply present reads as its name ("Confusion"); others with the value."""
    kind = INPUTS[r.code].kind
    if kind == "bool":
        return r.name
    if kind == "choice":
        return f"{r.name}: {r.value}"
    return str(r)


def _when(context: Mapping[str, Any]) -> str:
    days = context.get("days_since_infusion")
    product = str(PRODUCT_NAMES.get(context.get("product"), gettext("the cell product")))
    hours = context.get("hours_since_infusion")
    if hours is not None and hours < 48:
        return gettext("%(hours)s h after %(product)s") % {
            "hours": number_text(hours),
            "product": product,
        }
    if days is None:
        return ""
    return gettext("on day %(day)s after %(product)s") % {"day": days, "product": product}


def _labs(row, context: Mapping[str, Any]) -> list[str]:
    labs = context.get("labs") or {}
    shown = []
    for code, pattern in _LAB_WORDS.items():
        if labs.get(code) is not None and pattern.search(row.when):
            item = LABS[code]
            shown.append(f"{item.question} {number_text(labs[code])} {item.unit}")
    return shown


def _mentioned(why: str, answers: Mapping[str, Any], context) -> list[str]:
    """The inputs an aggregate finding names (its reason lists their codes), as readings."""
    named = set(re.findall(r"[a-z][a-z0-9_]+", why))
    return [
        _reading_phrase(reading(code, answers[code], context))
        for code in INPUTS
        if code in named and code in answers
    ]


def sentence(
    finding: Mapping[str, Any], answers: Mapping[str, Any], context: Mapping[str, Any]
) -> str:
    """One finding as a short clinical sentence in the active language."""
    row = _RULES.get(finding["rule"])
    if row is None:
        return str(finding.get("why", ""))
    if row.id in RULE_TITLES or row.stage in (HISTORY, AGGREGATE):
        title = str(RULE_TITLES.get(row.id, CATEGORY_NAMES[row.category]))
        named = _mentioned(finding.get("why", ""), answers, context)
        return f"{title}: {', '.join(named)}" if named else title
    parts = [_reading_phrase(r) for r in _sentence_parts(row, answers, context)]
    parts += _labs(row, context)
    text = ", ".join(parts) or str(CATEGORY_NAMES[row.category])
    text = text[:1].upper() + text[1:]
    when = _when(context) if _TIMED.search(row.when) else ""
    return f"{text} {when}" if when else text


def category_name(code: str) -> str:
    return str(CATEGORY_NAMES[Category(code)]) if code in Category else code


def level_name(level: int | str) -> str:
    triage = Triage[level] if isinstance(level, str) else Triage(level)
    return str(LEVEL_NAMES[triage])


def describe(
    findings: Sequence[Mapping[str, Any]],
    answers: Mapping[str, Any],
    context: Mapping[str, Any] | None = None,
) -> list[Reason]:
    """The findings of one report as sentences, most urgent first; findings that read the same
    (CRS-01 and HEM-01 on one fever) share one sentence with both categories and rule tags."""
    context = context or {}
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for finding in findings:
        grouped.setdefault(sentence(finding, answers, context), []).append(finding)
    reasons = [
        Reason(
            sentence=text,
            level=max(Triage[f["triage"]] for f in same),
            categories=tuple(dict.fromkeys(category_name(f["category"]) for f in same)),
            rules=tuple(f["rule"] for f in same),
            detail="; ".join(
                f"{f['rule']}: {f['why']} ({f['grade']}; {', '.join(f['sources'])})" for f in same
            ),
        )
        for text, same in grouped.items()
    ]
    return sorted(reasons, key=lambda r: -r.level)
