"""The rule table, as data.

Each rule is a row: id, category, triage, grade wording, sources (S1…, listed in
``docs/sources.md``) and evidence tags from the clinical team's research reference (its decisions
D1… and section numbers are cited in comments; its section 15 wins where it differs from earlier
sections), a plain-words condition for the rule book, and a small check function that yields one
``Hit`` per thing it found. A check that can fire at several levels (headache mild / moderate /
severe) says so in its hit; the row holds the level the rule book shows first.

Rules run in three stages, so that rules about other findings see them (P1 still decides the level):

1. ``REPORT`` rules read this report in its context (baseline, and the previous report where D5 asks
   whether a symptom is new). Check signature ``check(case)``.
2. ``HISTORY`` rules read the earlier reports: GVHD-07 (persisting upper-GI symptoms), IR-04
   (symptoms back after improving), AGG-03 (worse by two grades). ``check(case, fired)``.
3. ``AGGREGATE`` rules read the findings of stages 1–2: GVHD-09, AGG-01 (two ambers), AGG-02, AGG-04
   (improving). ``check(case, fired)``.

Every hit names the report inputs it is about (``Hit.inputs``): AGG-01 counts ambers by symptom, not
by rule (D1, D14), and AGG-04 needs to know which symptom a finding was about.

``RULESET_VERSION`` is a digest of every row, the source of this module and of ``symptoms.case`` and
the thresholds, so it changes whenever any rule or threshold changes, and an old assessment can be
traced to the rules that made it.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from symptoms import case as case_module
from symptoms.assessment import Finding
from symptoms.case import DEFAULT_FEVER_THRESHOLD_C, Case
from symptoms.levels import Category, Triage

# Site parameters (section 1 of the reference) and every fixed threshold the rules use, so the
# version covers them. Only the fever threshold is per site today (context.site.fever_threshold_c).
# Comparisons are written next to each name: "<" means the rule fires strictly below the value.
THRESHOLDS: dict[str, float] = {
    # temperature ≥ → fever; the site default, applied in symptoms.case (listed for the version)
    "fever_threshold_c": DEFAULT_FEVER_THRESHOLD_C,
    "fever_grade2_c": 39.0,  # > → CTCAE fever grade 2 (AGG-03 grading only)
    "fever_grade3_c": 40.0,  # > → CTCAE fever grade 3 (AGG-03 grading only)
    "temp_low_c": 36.0,  # ≤ → low temperature (HEM-03, INF-03)
    "temp_hypothermia_c": 35.0,  # ≤ → hypothermia (HEM-04, INF-03)
    "sbp_low": 90,  # systolic < → hypotension (CRS-02, HEM-02, NEU-10, IR-01, GEN-04/19, GVHD-09)
    "sbp_drop_pct": 30,  # systolic ≥ this % below baseline → hypotension (D4)
    "news2_sbp": 90,  # systolic ≤ → NEWS2 3 points (INF-03)
    "spo2_emergency": 92,  # SpO2 ≤ → EMERGENCY (CRS-03, GEN-17, HEM-02)
    "spo2_call": 94,  # SpO2 in (spo2_emergency, spo2_call] → CRS-04
    "news2_spo2": 91,  # SpO2 ≤ → NEWS2 3 points (INF-03)
    "hr_high": 120,  # heart rate > (CRS-05, GEN-21)
    "news2_hr": 131,  # heart rate ≥ → NEWS2 3 points (INF-03)
    "rr_high": 25,  # respiratory rate ≥ (GEN-25, INF-03)
    "rr_low": 8,  # respiratory rate ≤ (GEN-25, INF-03 by D15d)
    "car_t_crs_days": 14,  # CAR-T days 0–14: fever is CRS (D6); CRS-07
    "car_t_crs_or_infection_days": 28,  # CAR-T days 15–28: CRS and infection (D6); CRS-05
    "neuro_watch_days": 28,  # NEU-07, NEU-08: days 0–28
    "car_t_no_anc_neutropenia_days": 30,  # HEM-01: CAR-T days 0–30 without an ANC
    "anc_neutropenic": 1.0,  # last ANC < (× 10⁹/L)
    "platelets_urgent": 20,  # last platelets < → HEM-06 URGENT_NOW (× 10⁹/L)
    "infusion_reaction_hours": 24,  # IR-02, IR-03 within; IR-05, IR-06, INF-01 after
    "anaphylaxis_hours": 72,  # IR-01, IR-04 within; GEN-18 after
    "ice_full": 10,  # ICE maximum
    "ice_grade1_min": 7,  # ICE 7–9 → NEU-01 (D8: only below a recorded baseline)
    "ice_emergency_max": 6,  # ICE ≤ → NEU-02
    "ice_grade3_max": 2,  # ICE ≤ → ICANS band 3 (AGG-03 grading only; never displayed)
    "diarrhoea_g2_over_baseline": 4,  # loose stools over baseline ≥ → GEN-02 (CTCAE 2)
    "diarrhoea_g3_over_baseline": 7,  # ≥ → GEN-03 (CTCAE 3)
    "new_diarrhoea_stools": 3,  # INF-02 (D11): ≥ loose stools, above baseline, new
    "gvhd_stools_stage1": 3,  # absolute loose stools ≥ → GVHD-04 (MAGIC lower GI stage 1)
    "gvhd_stools_stage2": 5,  # ≥ → GVHD-05
    "gvhd_stools_stage3": 8,  # ≥ → MAGIC lower GI stage 3 (AGG-03 grading only)
    "vomiting_g2": 3,  # vomiting episodes ≥ → GEN-23 URGENT_TODAY
    "vomiting_g3": 6,  # ≥ → GEN-23 URGENT_NOW, GEN-06
    "rash_g2_pct": 10,  # BSA % ≥ → GEN-13 (CTCAE 2)
    "rash_g3_pct": 30,  # BSA % > with itching → GEN-14
    "gvhd_rash_stage3_pct": 50,  # BSA % > → GVHD-02 (MAGIC skin stage 3)
    "gvhd_upper_gi_days": 3,  # GVHD-07: consecutive days with nausea, vomiting or appetite loss
    "worse_by_grades": 2,  # AGG-03
    "ambers_for_red": 2,  # AGG-01: distinct amber symptoms in 24 h
}
T = THRESHOLDS

# Stages (see the module docstring).
REPORT, HISTORY, AGGREGATE = 1, 2, 3


@dataclass(frozen=True, slots=True)
class Hit:
    """What a check found; ``None`` fields take the rule row's value.

    ``inputs`` are the report codes the finding is about (its primary symptoms, not qualifiers).
    """

    why: str
    category: Category | None = None
    triage: Triage | None = None
    grade: str | None = None
    inputs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Fired:
    """A finding together with the report inputs it is about (kept out of ``Finding.as_dict``)."""

    finding: Finding
    inputs: tuple[str, ...]


Check = Callable[..., Iterable[Hit]]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    category: Category
    triage: Triage
    grade: str
    when: str
    sources: tuple[str, ...]
    tags: tuple[str, ...]
    check: Check
    stage: int = REPORT
    reads: frozenset[str] = frozenset()  # report inputs the check looks at (see ``_rows_for``)

    def fired(self, hit: Hit) -> Fired:
        """The finding one hit of this rule makes; ``None`` fields of the hit take the row's."""
        finding = Finding(
            rule=self.id,
            category=hit.category or self.category,
            grade=hit.grade or self.grade,
            triage=self.triage if hit.triage is None else hit.triage,
            why=hit.why,
            sources=self.sources,
        )
        return Fired(finding, hit.inputs)


RULES: list[Rule] = []


def rule(
    id: str,
    category: Category,
    triage: Triage,
    *,
    grade: str,
    when: str,
    sources: tuple[str, ...],
    tags: tuple[str, ...] = (),
    stage: int = REPORT,
    reads: Iterable[str] = (),
) -> Callable[[Check], Check]:
    """Adds the decorated check to the table as one row.

    ``reads`` lists every report input the check looks at. A report rule is only run when one of
    them has a value other than its quiet answer (``QUIET``); tests check that this never changes a
    result (no rule fires on missing or quiet inputs alone).
    """

    def register(check: Check) -> Check:
        row = Rule(id, category, triage, grade, when, sources, tags, check, stage, frozenset(reads))
        RULES.append(row)
        return check

    return register


# -- Vocabulary: ordered answers, least severe first -----------------------------------------------

FATIGUE = ("none", "relieved_by_rest", "limits_usual_activities", "limits_self_care")
BREATHLESSNESS = ("none", "moderate_exertion", "minimal_exertion", "at_rest")
DIZZINESS = ("none", "on_standing", "fainted")
SEVERITY = ("none", "mild", "moderate", "severe")  # headache, abdominal pain
NAUSEA = ("none", "appetite_loss", "reduced_intake", "unable_to_keep_fluids")
CHILLS = ("none", "shivering", "rigors")
ALERTNESS = ("alert", "sleepier_wakes_self", "wakes_to_voice", "wakes_to_touch", "unrousable")
CONCERN = ("none", "worried", "very_unwell")
EXTENT = ("none", "local", "widespread")  # hives, bruising

_BREATH_RANK = {level: i for i, level in enumerate(BREATHLESSNESS)}

# Inputs that can make a fever: a reading, or feeling feverish / chills after an antipyretic (P5).
FEVER_INPUTS = ("temperature_c", "chills", "feels_feverish", "antipyretic_last_6h")

# Yes/no signs of illness (every yes/no input but the antipyretic, which is a circumstance).
YES_NO_SIGNS = (
    "feels_feverish",
    "confusion",
    "word_finding_trouble",
    "handwriting_changed",
    "tremor",
    "seizure",
    "new_weakness",
    "vision_change",
    "sudden_severe_headache",
    "movement_changes",
    "stool_blood",
    "rash_blisters",
    "mucosal_sores",
    "itching",
    "flushing",
    "airway_swelling",
    "wheeze",
    "jaundice",
    "petechiae",
    "bleeding_gums",
    "blood_in_urine",
    "vomiting_blood",
    "coughing_blood",
    "bleeding_uncontrolled",
    "nosebleed",
    "productive_cough",
    "burning_urination",
    "line_site_redness",
    "sore_throat",
)

# The answer of each input that says "nothing wrong here"; no report rule fires on it (nor on a
# missing input), so rules reading only quiet or missing inputs need not run. ICE 0 and every vital
# sign have no quiet value.
QUIET: dict[str, Any] = {
    **dict.fromkeys(
        ("chills", "fatigue", "breathlessness", "dizziness", "headache", "concern", "nausea"),
        "none",
    ),
    **dict.fromkeys(("abdominal_pain", "hives", "bruising"), "none"),
    "alertness": "alert",
    **dict.fromkeys(("loose_stools_24h", "vomiting_episodes_24h", "rash_bsa_percent"), 0),
    **dict.fromkeys(("antipyretic_last_6h", *YES_NO_SIGNS), False),
}


# -- Shared facts, worded for the reasons ----------------------------------------------------------


def _num(value: float) -> str:
    return f"{value:g}"


def _hours_why(case: Case) -> str:
    if case.hours is not None:
        return f"{_num(case.hours)} h after the infusion"
    return f"day {case.days} after the infusion, hour not known"


def _far_below_baseline(sbp: float, case: Case) -> bool:
    """D4: systolic ≥ 30 % below ``baseline.systolic_bp`` (exact integer arithmetic)."""
    base = case.baseline.get("systolic_bp")
    return bool(base) and (base - sbp) * 100 >= T["sbp_drop_pct"] * base


def _low_bp(case: Case) -> str:
    """Why the systolic is low (D4: < sbp_low, or ≥ 30 % below baseline); "" if it is not."""
    sbp = case.get("systolic_bp")
    if sbp is None:
        return ""
    if sbp < T["sbp_low"]:
        return f"systolic {sbp} mmHg < {_num(T['sbp_low'])}"
    if _far_below_baseline(sbp, case):
        return (
            f"systolic {sbp} mmHg is {case.systolic_drop_pct:.0f} % below baseline "
            f"{case.baseline['systolic_bp']} (≥ {_num(T['sbp_drop_pct'])} %)"
        )
    return ""


def _sbp_below_low(case: Case) -> str:
    sbp = case.get("systolic_bp")
    if sbp is not None and sbp < T["sbp_low"]:
        return f"systolic {sbp} mmHg < {_num(T['sbp_low'])}"
    return ""


def _fever_or_treated(case: Case) -> str:
    if case.fever:
        return case.fever_why
    if case.crs_treated:
        return "after CRS treatment (tocilizumab or steroids), fever no longer required"
    return ""


def _crs_window(case: Case) -> bool:
    """CAR-T days 0–28, when CRS is still a label for fever (D6)."""
    return case.is_car_t and case.days <= T["car_t_crs_or_infection_days"]


def _early_crs(case: Case) -> bool:
    """CAR-T days 0–14 (D15b: after that, or after another product, it is INFECTION)."""
    return case.is_car_t and case.days <= T["car_t_crs_days"]


def _chills(case: Case) -> str | None:
    chills = case.get("chills")
    return chills if chills in ("shivering", "rigors") else None


def _skin_signs(case: Case) -> list[str]:
    """D12: hives, flushing or airway swelling (itching alone is not a skin sign of anaphylaxis)."""
    signs = []
    if case.get("hives") in ("local", "widespread"):
        signs.append(f"{case.get('hives')} hives")
    if case.get("flushing"):
        signs.append("flushing")
    if case.get("airway_swelling"):
        signs.append("lip, tongue or throat swelling")
    return signs


def _skin_inputs(case: Case) -> tuple[str, ...]:
    return tuple(
        code
        for code, present in (
            ("hives", case.get("hives") in ("local", "widespread")),
            ("flushing", case.get("flushing")),
            ("airway_swelling", case.get("airway_swelling")),
        )
        if present
    )


def _rash(case: Case) -> float:
    return case.get("rash_bsa_percent") or 0


def _new_breathlessness(case: Case) -> str | None:
    """D15a: breathlessness worse than ``baseline.breathlessness`` (missing baseline = none)."""
    level = case.get("breathlessness")
    rank = _BREATH_RANK.get(level, 0)
    if rank == 0:
        return None
    base = case.baseline.get("breathlessness") or "none"
    if rank > _BREATH_RANK.get(base, 0):
        return f"breathless on {level.replace('_', ' ')} (baseline {base.replace('_', ' ')})"
    return None


# -- Cytokine release syndrome (section 3.4; D6, D13, D15b) ----------------------------------------


@rule(
    "CRS-01",
    Category.CRS,
    Triage.URGENT_NOW,
    grade="ASTCT grade 1 (home estimate)",
    when="fever (temperature ≥ site threshold, or masked fever P5) on CAR-T days 0–28 "
    "(days 15–28 INF-01 adds INFECTION; later, and other products: INF-01 / IR-03)",
    reads=tuple(FEVER_INPUTS),
    sources=("S1", "S19", "S23", "S26"),
)
def crs_01(case: Case) -> Iterator[Hit]:
    if case.fever and _crs_window(case):
        yield Hit(f"{case.fever_why} {case.when_why}", inputs=case.fever_inputs)


@rule(
    "CRS-02",
    Category.CRS,
    Triage.EMERGENCY,
    grade="possible CRS grade ≥2 or sepsis (home estimate)",
    when="fever (or CRS already treated) with systolic < 90, or ≥ 30 % below baseline, or fainting",
    reads=(*FEVER_INPUTS, "systolic_bp", "dizziness"),
    sources=("S1", "S18", "S39"),
    tags=("D",),
)
def crs_02(case: Case) -> Iterator[Hit]:
    fever = _fever_or_treated(case)
    if not fever:
        return
    circulation = _low_bp(case)
    inputs = list(case.fever_inputs)
    if circulation:
        inputs.append("systolic_bp")
    if case.get("dizziness") == "fainted":
        circulation = "; ".join(filter(None, (circulation, "fainted")))
        inputs.append("dizziness")
    if circulation:
        category = Category.CRS if _crs_window(case) or case.crs_treated else Category.INFECTION
        yield Hit(f"{fever} and {circulation}", category=category, inputs=tuple(inputs))


@rule(
    "CRS-03",
    Category.CRS,
    Triage.EMERGENCY,
    grade="possible CRS grade ≥2 or pneumonia (home estimate)",
    when="fever (or CRS already treated) with SpO2 ≤ 92 % or breathless at rest",
    reads=(*FEVER_INPUTS, "spo2", "breathlessness"),
    sources=("S1", "S40"),
)
def crs_03(case: Case) -> Iterator[Hit]:
    fever = _fever_or_treated(case)
    if not fever:
        return
    parts, inputs = [], list(case.fever_inputs)
    spo2 = case.get("spo2")
    if spo2 is not None and spo2 <= T["spo2_emergency"]:
        parts.append(f"SpO2 {spo2} % ≤ {_num(T['spo2_emergency'])}")
        inputs.append("spo2")
    if case.get("breathlessness") == "at_rest":
        parts.append("breathless at rest")
        inputs.append("breathlessness")
    if parts:
        category = Category.CRS if _crs_window(case) or case.crs_treated else Category.INFECTION
        yield Hit(f"{fever} and {'; '.join(parts)}", category=category, inputs=tuple(inputs))


@rule(
    "CRS-04",
    Category.CRS,
    Triage.URGENT_NOW,
    grade="low oxygen level to assess",
    when="SpO2 93–94 % at any temperature, unless a recorded baseline SpO2 is not above it (D13)",
    reads=("spo2",),
    sources=("S40",),
    tags=("D",),
)
def crs_04(case: Case) -> Iterator[Hit]:
    spo2 = case.get("spo2")
    if spo2 is None or not T["spo2_emergency"] < spo2 <= T["spo2_call"]:
        return
    base = case.baseline.get("spo2")
    if base is not None and spo2 >= base:
        return
    why = f"SpO2 {spo2} % in 93–94 %"
    if base is not None:
        why += f", below baseline {base} %"
    category = Category.CRS if _crs_window(case) or case.crs_treated else Category.GENERAL
    yield Hit(why, category=category, inputs=("spo2",))


@rule(
    "CRS-05",
    Category.CRS,
    Triage.URGENT_NOW,
    grade="possible CRS or sepsis",
    when="resting heart rate > 120 on CAR-T days 0–28 (GEN-21 otherwise)",
    reads=("heart_rate",),
    sources=("S18",),
)
def crs_05(case: Case) -> Iterator[Hit]:
    hr = case.get("heart_rate")
    if hr is not None and hr > T["hr_high"] and _crs_window(case):
        yield Hit(
            f"heart rate {hr}/min > {_num(T['hr_high'])} {case.when_why}", inputs=("heart_rate",)
        )


@rule(
    "CRS-06",
    Category.CRS,
    Triage.URGENT_NOW,
    grade="possible CRS or infection; measure the temperature",
    when="chills, rigors or feeling feverish with no temperature reading, or after a "
    "fever-lowering medicine in the last 6 h (P5, P6); INFECTION on non-CAR-T or after day 14",
    reads=tuple(FEVER_INPUTS),
    sources=("S26",),
    tags=("D",),
)
def crs_06(case: Case) -> Iterator[Hit]:
    chills = _chills(case)
    feverish = case.get("feels_feverish")
    if not (chills or feverish):
        return
    if case.temperature_c is None:
        context = "no temperature reading"
    elif case.masked_fever:
        context = f"temperature {case.temperature_c:.1f} °C after a fever-lowering medicine (P5)"
    else:
        return
    symptoms = ", ".join(filter(None, (chills, "feels feverish" if feverish else "")))
    inputs = tuple(code for code, on in (("chills", chills), ("feels_feverish", feverish)) if on)
    category = Category.CRS if _early_crs(case) else Category.INFECTION
    yield Hit(f"{symptoms}; {context}", category=category, inputs=inputs)


@rule(
    "CRS-06b",
    Category.CRS,
    Triage.URGENT_TODAY,
    grade="shivering with a normal temperature; re-measure within the hour",
    when="shivering with a temperature reading below the fever threshold and no fever-lowering "
    "medicine (D15b); INFECTION on non-CAR-T or after day 14",
    reads=tuple(FEVER_INPUTS),
    sources=("S26",),
    tags=("D",),
)
def crs_06b(case: Case) -> Iterator[Hit]:
    t = case.temperature_c
    if (
        case.get("chills") == "shivering"
        and t is not None
        and not case.measured_fever
        and not case.get("antipyretic_last_6h")
    ):
        category = Category.CRS if _early_crs(case) else Category.INFECTION
        yield Hit(
            f"shivering with temperature {t:.1f} °C < {case.fever_threshold_c:.1f} °C",
            category=category,
            inputs=("chills",),
        )


@rule(
    "CRS-07",
    Category.CRS,
    Triage.URGENT_TODAY,
    grade="early CRS possible; re-check the temperature",
    when="CAR-T days 0–14 without fever: moderate or severe headache, fatigue limiting usual "
    "activities or worse, or chills without a temperature reading",
    reads=(*FEVER_INPUTS, "headache", "fatigue"),
    sources=("S1",),
    tags=("D",),
)
def crs_07(case: Case) -> Iterator[Hit]:
    if not _early_crs(case) or case.fever:
        return
    parts, inputs = [], []
    headache = case.get("headache")
    if headache in ("moderate", "severe"):
        parts.append(f"{headache} headache")
        inputs.append("headache")
    fatigue = case.get("fatigue")
    if fatigue in ("limits_usual_activities", "limits_self_care"):
        parts.append(f"fatigue {fatigue.replace('_', ' ')}")
        inputs.append("fatigue")
    chills = _chills(case)
    if chills and case.temperature_c is None:
        parts.append(f"{chills} without a temperature reading")
        inputs.append("chills")
    if parts:
        yield Hit(f"{'; '.join(parts)}, no fever, {case.when_why}", inputs=tuple(inputs))


# -- Neurotoxicity (section 4.5; D8, D10) ----------------------------------------------------------


@rule(
    "NEU-01",
    Category.NEUROTOXICITY,
    Triage.URGENT_NOW,
    grade="ICANS grade 1 (provisional home estimate)",
    when="ICE 7–9, unless a recorded baseline ICE is not above it (D8)",
    reads=("ice_score",),
    sources=("S1", "S18"),
    tags=("D",),
)
def neu_01(case: Case) -> Iterator[Hit]:
    ice = case.get("ice_score")
    if ice is None or not T["ice_grade1_min"] <= ice < T["ice_full"]:
        return
    base = case.baseline.get("ice_score")
    if base is None:
        yield Hit(f"ICE {ice}/10, no baseline recorded", inputs=("ice_score",))
    elif ice < base:
        yield Hit(f"ICE {ice}/10 below baseline {base}", inputs=("ice_score",))


@rule(
    "NEU-02",
    Category.NEUROTOXICITY,
    Triage.EMERGENCY,
    grade="possible ICANS grade ≥2 (home estimate)",
    when="ICE ≤ 6",
    reads=("ice_score",),
    sources=("S1", "S18"),
)
def neu_02(case: Case) -> Iterator[Hit]:
    ice = case.get("ice_score")
    if ice is not None and ice <= T["ice_emergency_max"]:
        yield Hit(f"ICE {ice}/10 ≤ {_num(T['ice_emergency_max'])}", inputs=("ice_score",))


@rule(
    "NEU-03",
    Category.NEUROTOXICITY,
    Triage.EMERGENCY,
    grade="possible ICANS grade ≥2 or another cause of reduced consciousness",
    when="wakes only to voice or touch, or cannot be woken",
    reads=("alertness",),
    sources=("S1", "S18"),
)
def neu_03(case: Case) -> Iterator[Hit]:
    alertness = case.get("alertness")
    if alertness in ("wakes_to_voice", "wakes_to_touch", "unrousable"):
        yield Hit(f"alertness: {alertness.replace('_', ' ')}", inputs=("alertness",))


@rule(
    "NEU-04",
    Category.NEUROTOXICITY,
    Triage.EMERGENCY,
    grade="seizure (possible severe ICANS)",
    when="any seizure",
    reads=("seizure",),
    sources=("S1", "S23"),
)
def neu_04(case: Case) -> Iterator[Hit]:
    if case.get("seizure"):
        yield Hit("seizure reported", inputs=("seizure",))


@rule(
    "NEU-05",
    Category.NEUROTOXICITY,
    Triage.EMERGENCY,
    grade="possible severe ICANS, stroke or bleed",
    when="new weakness, vision change, sudden severe headache, or a severe headache with vomiting",
    reads=(
        "new_weakness",
        "vision_change",
        "sudden_severe_headache",
        "headache",
        "vomiting_episodes_24h",
    ),
    sources=("S1", "S23"),
    tags=("D",),
)
def neu_05(case: Case) -> Iterator[Hit]:
    parts, inputs = [], []
    for code, words in (
        ("new_weakness", "new limb or face weakness"),
        ("vision_change", "vision change"),
        ("sudden_severe_headache", "sudden severe headache"),
    ):
        if case.get(code):
            parts.append(words)
            inputs.append(code)
    vomits = case.get("vomiting_episodes_24h") or 0
    if case.get("headache") == "severe" and vomits >= 1:
        parts.append(f"severe headache with {vomits} vomiting episode(s)")
        inputs.append("headache")
    if parts:
        yield Hit("; ".join(parts), inputs=tuple(inputs))


@rule(
    "NEU-06",
    Category.NEUROTOXICITY,
    Triage.URGENT_NOW,
    grade="possible ICANS; do the ICE check now",
    when="confusion, word-finding trouble or handwriting change, whenever present (D10), "
    "whatever the ICE score",
    reads=("confusion", "word_finding_trouble", "handwriting_changed", "ice_score"),
    sources=("S19", "S26", "S27"),
    tags=("D",),
)
def neu_06(case: Case) -> Iterator[Hit]:
    parts, inputs = [], []
    for code, words in (
        ("confusion", "confusion"),
        ("word_finding_trouble", "word-finding trouble"),
        ("handwriting_changed", "handwriting changed"),
    ):
        if case.get(code):
            parts.append(words)
            inputs.append(code)
    if parts:
        ice = case.get("ice_score")
        ice_why = "ICE not done" if ice is None else f"ICE {ice}/10"
        yield Hit(f"{', '.join(parts)} ({ice_why})", inputs=tuple(inputs))


@rule(
    "NEU-07",
    Category.NEUROTOXICITY,
    Triage.URGENT_TODAY,
    grade="early neurological warning (CTCAE tremor)",
    when="tremor on days 0–28 after any product (lower ICE: NEU-01/02 decide)",
    reads=("tremor", "ice_score"),
    sources=("S19",),
    tags=("D",),
)
def neu_07(case: Case) -> Iterator[Hit]:
    if case.get("tremor") and case.days <= T["neuro_watch_days"]:
        ice = case.get("ice_score")
        ice_why = "ICE not done" if ice is None else f"ICE {ice}/10"
        yield Hit(f"tremor ({ice_why}) {case.when_why}", inputs=("tremor",))


@rule(
    "NEU-08",
    Category.NEUROTOXICITY,
    Triage.URGENT_TODAY,
    grade="CTCAE somnolence grade 1",
    when="sleepier than usual but wakes by self, days 0–28 after any product",
    reads=("alertness",),
    sources=("S3",),
    tags=("D",),
)
def neu_08(case: Case) -> Iterator[Hit]:
    if case.get("alertness") == "sleepier_wakes_self" and case.days <= T["neuro_watch_days"]:
        yield Hit(f"sleepier than usual, wakes by self, {case.when_why}", inputs=("alertness",))


def _may_be_bcma(case: Case) -> bool:
    """BCMA CAR-T, or CAR-T whose target is not recorded (the safer reading)."""
    return case.is_car_t and case.target not in ("CD19", "OTHER")


@rule(
    "NEU-09",
    Category.NEUROTOXICITY,
    Triage.URGENT_NOW,
    grade="possible delayed neurotoxicity (movement / neurocognitive)",
    when="movement or personality changes after BCMA CAR-T (or CAR-T of unknown target), any day",
    reads=("movement_changes",),
    sources=("S26", "S31", "S43"),
)
def neu_09(case: Case) -> Iterator[Hit]:
    if case.get("movement_changes") and _may_be_bcma(case):
        target = case.target or "unknown target"
        yield Hit(
            f"movement or personality changes {case.when_why} ({target})",
            inputs=("movement_changes",),
        )


@rule(
    "NEU-09b",
    Category.NEUROTOXICITY,
    Triage.URGENT_TODAY,
    grade="movement or personality change to assess",
    when="movement or personality changes after any product other than BCMA CAR-T",
    reads=("movement_changes",),
    sources=("S26",),
    tags=("D",),
)
def neu_09b(case: Case) -> Iterator[Hit]:
    if case.get("movement_changes") and not _may_be_bcma(case):
        target = f" {case.target}" if case.target else ""
        yield Hit(
            f"movement or personality changes on day {case.days} after{target} {case.product}",
            inputs=("movement_changes",),
        )


@rule(
    "NEU-10",
    Category.NEUROTOXICITY,
    Triage.EMERGENCY,
    grade="sepsis, or CRS with ICANS",
    when="confusion (whenever present, D10) with fever or systolic < 90",
    reads=("confusion", *FEVER_INPUTS, "systolic_bp"),
    sources=("S39",),
)
def neu_10(case: Case) -> Iterator[Hit]:
    if not case.get("confusion"):
        return
    if case.fever:
        yield Hit(f"confusion with {case.fever_why}", inputs=("confusion", *case.fever_inputs))
    elif low := _sbp_below_low(case):
        yield Hit(f"confusion with {low}", inputs=("confusion", "systolic_bp"))


# -- Haematological toxicity (section 5.6; D6, D10) ------------------------------------------------


def _neutropenia_why(case: Case) -> str:
    anc = case.labs.get("anc")
    if case.context.get("neutropenia_expected"):
        return "the team expects low neutrophils"
    if anc is not None and anc < T["anc_neutropenic"]:
        return f"last neutrophils {anc:g} × 10⁹/L < {_num(T['anc_neutropenic'])}"
    if anc is None and case.is_car_t and case.days <= T["car_t_no_anc_neutropenia_days"]:
        return f"no neutrophil count known {case.when_why}"
    return ""


@rule(
    "HEM-01",
    Category.HEMATOLOGIC,
    Triage.URGENT_NOW,
    grade="suspected febrile neutropenia",
    when="fever with neutropenia expected, last ANC < 1.0, or CAR-T days 0–30 with no ANC known",
    reads=tuple(FEVER_INPUTS),
    sources=("S5", "S7", "S3"),
)
def hem_01(case: Case) -> Iterator[Hit]:
    if case.fever and (reason := _neutropenia_why(case)):
        yield Hit(f"{case.fever_why} and {reason}", inputs=case.fever_inputs)


@rule(
    "HEM-02",
    Category.HEMATOLOGIC,
    Triage.EMERGENCY,
    grade="possible neutropenic sepsis",
    when="HEM-01 with systolic < 90, SpO2 ≤ 92 %, confusion, or rigors with feeling very unwell",
    reads=(*FEVER_INPUTS, "systolic_bp", "spo2", "confusion", "concern"),
    sources=("S7", "S39"),
)
def hem_02(case: Case) -> Iterator[Hit]:
    if not case.fever or not (reason := _neutropenia_why(case)):
        return
    parts, inputs = [], list(case.fever_inputs)
    if low := _sbp_below_low(case):
        parts.append(low)
        inputs.append("systolic_bp")
    spo2 = case.get("spo2")
    if spo2 is not None and spo2 <= T["spo2_emergency"]:
        parts.append(f"SpO2 {spo2} % ≤ {_num(T['spo2_emergency'])}")
        inputs.append("spo2")
    if case.get("confusion"):
        parts.append("confusion")
        inputs.append("confusion")
    if case.get("chills") == "rigors" and case.get("concern") == "very_unwell":
        parts.append("rigors and feeling very unwell")
        inputs += ["chills", "concern"]
    if parts:
        yield Hit(f"{case.fever_why}, {reason}, with {'; '.join(parts)}", inputs=tuple(inputs))


@rule(
    "HEM-03",
    Category.INFECTION,
    Triage.URGENT_NOW,
    grade="possible sepsis (low temperature)",
    when="temperature ≤ 36.0 °C with shivering, feeling feverish, or patient or carer concern",
    reads=(*FEVER_INPUTS, "concern"),
    sources=("S8",),
    tags=("D",),
)
def hem_03(case: Case) -> Iterator[Hit]:
    t = case.temperature_c
    if t is None or t > T["temp_low_c"]:
        return
    parts, inputs = [], ["temperature_c"]
    if chills := _chills(case):
        parts.append(chills)
        inputs.append("chills")
    if case.get("feels_feverish"):
        parts.append("feels feverish")
        inputs.append("feels_feverish")
    if (concern := case.get("concern")) in ("worried", "very_unwell"):
        parts.append(f"concern: {concern.replace('_', ' ')}")
        inputs.append("concern")
    if parts:
        yield Hit(
            f"temperature {t:.1f} °C ≤ {_num(T['temp_low_c'])} with {', '.join(parts)}",
            inputs=tuple(inputs),
        )


@rule(
    "HEM-04",
    Category.INFECTION,
    Triage.EMERGENCY,
    grade="hypothermia (CTCAE grade 2 or worse; NEWS2 3 points)",
    when="temperature ≤ 35.0 °C (a reported value is the confirmed reading, D3)",
    reads=("temperature_c",),
    sources=("S39", "S3"),
    tags=("D", "M"),
)
def hem_04(case: Case) -> Iterator[Hit]:
    t = case.temperature_c
    if t is not None and t <= T["temp_hypothermia_c"]:
        yield Hit(
            f"temperature {t:.1f} °C ≤ {_num(T['temp_hypothermia_c'])}", inputs=("temperature_c",)
        )


@rule(
    "HEM-05",
    Category.HEMATOLOGIC,
    Triage.EMERGENCY,
    grade="haemorrhage (CTCAE grade 3 or worse)",
    when="bleeding not stopped after 10 minutes of pressure, vomiting blood, black or bloody "
    "stool, or coughing blood",
    reads=("bleeding_uncontrolled", "vomiting_blood", "stool_blood", "coughing_blood"),
    sources=("S23",),
    tags=("D",),
)
def hem_05(case: Case) -> Iterator[Hit]:
    parts, inputs = [], []
    for code, words in (
        ("bleeding_uncontrolled", "bleeding not stopped after 10 minutes of pressure"),
        ("vomiting_blood", "vomiting blood"),
        ("stool_blood", "black or bloody stool"),
        ("coughing_blood", "coughing blood"),
    ):
        if case.get(code):
            parts.append(words)
            inputs.append(code)
    if parts:
        platelets = case.labs.get("platelets")
        if platelets is not None:
            parts.append(f"last platelets {platelets:g} × 10⁹/L")
        yield Hit("; ".join(parts), inputs=tuple(inputs))


@rule(
    "HEM-06",
    Category.HEMATOLOGIC,
    Triage.URGENT_TODAY,
    grade="possible low platelets",
    when="petechiae (whenever present, D10), widespread bruising, bleeding gums, blood in urine or "
    "a nosebleed that stopped; URGENT_NOW when the last platelets are < 20",
    reads=("petechiae", "bleeding_gums", "blood_in_urine", "nosebleed", "bruising"),
    sources=("S23",),
    tags=("D", "M"),
)
def hem_06(case: Case) -> Iterator[Hit]:
    parts, inputs = [], []
    for code, words in (
        ("petechiae", "new pin-point spots (petechiae)"),
        ("bleeding_gums", "bleeding gums"),
        ("blood_in_urine", "blood in urine"),
        ("nosebleed", "nosebleed that stopped"),
    ):
        if case.get(code):
            parts.append(words)
            inputs.append(code)
    if case.get("bruising") == "widespread":
        parts.append("widespread bruising")
        inputs.append("bruising")
    if not parts:
        return
    platelets = case.labs.get("platelets")
    if platelets is not None and platelets < T["platelets_urgent"]:
        yield Hit(
            f"{'; '.join(parts)}; last platelets {platelets:g} < {_num(T['platelets_urgent'])}",
            triage=Triage.URGENT_NOW,
            inputs=tuple(inputs),
        )
    else:
        known = "no platelet count" if platelets is None else f"last platelets {platelets:g}"
        yield Hit(f"{'; '.join(parts)} ({known})", inputs=tuple(inputs))


@rule(
    "HEM-07",
    Category.HEMATOLOGIC,
    Triage.URGENT_TODAY,
    grade="possible anaemia",
    when="dizzy on standing, new breathlessness on minimal exertion, or fatigue limiting self-care",
    reads=("dizziness", "breathlessness", "fatigue"),
    sources=("S3",),
    tags=("D",),
)
def hem_07(case: Case) -> Iterator[Hit]:
    parts, inputs = [], []
    if case.get("dizziness") == "on_standing":
        parts.append("dizzy on standing")
        inputs.append("dizziness")
    if case.get("breathlessness") == "minimal_exertion" and (new := _new_breathlessness(case)):
        parts.append(new)
        inputs.append("breathlessness")
    if case.get("fatigue") == "limits_self_care":
        parts.append("fatigue limits self-care")
        inputs.append("fatigue")
    if parts:
        hb = case.labs.get("hemoglobin")
        if hb is not None:
            parts.append(f"last haemoglobin {hb:g} g/dL")
        yield Hit("; ".join(parts), inputs=tuple(inputs))


# -- Infection (section 6; D6, D11, D15d-e) ------------------------------------------------------


@rule(
    "INF-01",
    Category.INFECTION,
    Triage.URGENT_NOW,
    grade="fever, infection likely",
    when="fever after CAR-T day 14, or after any other product (OTHER included) outside the 24-h "
    "infusion window",
    reads=tuple(FEVER_INPUTS),
    sources=("S28", "S22"),
)
def inf_01(case: Case) -> Iterator[Hit]:
    if not case.fever:
        return
    if case.is_car_t:
        if case.days > T["car_t_crs_days"]:
            yield Hit(f"{case.fever_why} {case.when_why}", inputs=case.fever_inputs)
    elif case.may_be_after_hours(T["infusion_reaction_hours"]):
        yield Hit(f"{case.fever_why} {case.when_why}", inputs=case.fever_inputs)


def _new_diarrhoea(case: Case) -> str:
    """D11: ≥ 3 loose stools in 24 h, above the baseline, absent from the previous report."""
    stools = case.get("loose_stools_24h")
    base = case.baseline.get("loose_stools_per_day") or 0
    if stools is None or stools < T["new_diarrhoea_stools"] or stools <= base:
        return ""
    previous = case.previous_report
    if previous is not None:
        before = previous.get("loose_stools_24h")
        if before is not None and before >= T["new_diarrhoea_stools"] and before > base:
            return ""
    return f"new diarrhoea: {stools} loose stools in 24 h (baseline {base})"


@rule(
    "INF-02",
    Category.INFECTION,
    Triage.URGENT_TODAY,
    grade="localised infection sign",
    when="productive cough, burning urine, redness at the line site, sore throat, or new diarrhoea "
    "(D11)",
    reads=(
        "productive_cough",
        "burning_urination",
        "line_site_redness",
        "sore_throat",
        "loose_stools_24h",
    ),
    sources=("S8",),
    tags=("D",),
)
def inf_02(case: Case) -> Iterator[Hit]:
    parts, inputs = [], []
    for code, words in (
        ("productive_cough", "productive cough"),
        ("burning_urination", "burning on passing urine"),
        ("line_site_redness", "redness at the line site"),
        ("sore_throat", "sore throat"),
    ):
        if case.get(code):
            parts.append(words)
            inputs.append(code)
    if diarrhoea := _new_diarrhoea(case):
        parts.append(diarrhoea)
        inputs.append("loose_stools_24h")
    if parts:
        yield Hit("; ".join(parts), inputs=tuple(inputs))


@rule(
    "INF-03",
    Category.INFECTION,
    Triage.EMERGENCY,
    grade="sepsis pattern (NEWS2 single 3-point value)",
    when="fever or temperature ≤ 36.0 °C with RR ≥ 25 or ≤ 8, SpO2 ≤ 91 %, systolic ≤ 90, "
    "HR ≥ 131, confusion, or temperature ≤ 35.0 °C",
    reads=(*FEVER_INPUTS, "respiratory_rate", "spo2", "systolic_bp", "heart_rate", "confusion"),
    sources=("S39",),
    tags=("D",),
)
def inf_03(case: Case) -> Iterator[Hit]:
    t = case.temperature_c
    if case.fever:
        temp_why = case.fever_why
    elif t is not None and t <= T["temp_low_c"]:
        temp_why = f"temperature {t:.1f} °C ≤ {_num(T['temp_low_c'])}"
    else:
        return
    parts, inputs = [], list(case.fever_inputs or ("temperature_c",))
    rr = case.get("respiratory_rate")
    if rr is not None and (rr >= T["rr_high"] or rr <= T["rr_low"]):
        parts.append(f"respiratory rate {rr}/min")
        inputs.append("respiratory_rate")
    spo2 = case.get("spo2")
    if spo2 is not None and spo2 <= T["news2_spo2"]:
        parts.append(f"SpO2 {spo2} % ≤ {_num(T['news2_spo2'])}")
        inputs.append("spo2")
    sbp = case.get("systolic_bp")
    if sbp is not None and sbp <= T["news2_sbp"]:
        parts.append(f"systolic {sbp} mmHg ≤ {_num(T['news2_sbp'])}")
        inputs.append("systolic_bp")
    hr = case.get("heart_rate")
    if hr is not None and hr >= T["news2_hr"]:
        parts.append(f"heart rate {hr}/min ≥ {_num(T['news2_hr'])}")
        inputs.append("heart_rate")
    if case.get("confusion"):
        parts.append("confusion")
        inputs.append("confusion")
    if t is not None and t <= T["temp_hypothermia_c"]:
        parts.append(f"temperature ≤ {_num(T['temp_hypothermia_c'])}")
    if parts:
        yield Hit(f"{temp_why} with {'; '.join(parts)}", inputs=tuple(inputs))


@rule(
    "INF-04",
    Category.INFECTION,
    Triage.URGENT_NOW,
    grade="rigors: possible bacteraemia",
    when="rigors (whole-body shaking) at any temperature",
    reads=("chills", "temperature_c"),
    sources=("S8", "S16"),
    tags=("D",),
)
def inf_04(case: Case) -> Iterator[Hit]:
    if case.get("chills") == "rigors":
        t = case.temperature_c
        reading = "no temperature reading" if t is None else f"temperature {t:.1f} °C"
        yield Hit(f"rigors ({reading})", inputs=("chills",))


# -- Graft-versus-host disease (section 7.5; only with allogeneic exposure, D2) --------------------


@rule(
    "GVHD-01",
    Category.GVHD,
    Triage.URGENT_TODAY,
    grade="skin GVHD, MAGIC stage 1–2 (home estimate)",
    when="allogeneic exposure, rash > 0 and ≤ 50 % BSA, no blisters",
    reads=("rash_bsa_percent", "rash_blisters"),
    sources=("S9", "S35"),
    tags=("D",),
)
def gvhd_01(case: Case) -> Iterator[Hit]:
    bsa = _rash(case)
    if (
        case.allogeneic_exposure
        and 0 < bsa <= T["gvhd_rash_stage3_pct"]
        and not case.get("rash_blisters")
    ):
        yield Hit(
            f"rash {_num(bsa)} % BSA ≤ 50 %, no blisters, allogeneic exposure",
            inputs=("rash_bsa_percent",),
        )


@rule(
    "GVHD-02",
    Category.GVHD,
    Triage.URGENT_NOW,
    grade="skin GVHD, MAGIC stage 3 (home estimate)",
    when="allogeneic exposure, rash > 50 % BSA",
    reads=("rash_bsa_percent",),
    sources=("S9",),
    tags=("D",),
)
def gvhd_02(case: Case) -> Iterator[Hit]:
    bsa = _rash(case)
    if case.allogeneic_exposure and bsa > T["gvhd_rash_stage3_pct"]:
        yield Hit(
            f"rash {_num(bsa)} % BSA > 50 %, allogeneic exposure", inputs=("rash_bsa_percent",)
        )


@rule(
    "GVHD-03",
    Category.GVHD,
    Triage.EMERGENCY,
    grade="skin GVHD stage 4 or SJS/TEN to exclude",
    when="allogeneic exposure: rash with blisters or peeling, mouth/eye/genital sores, or rash "
    "with fever",
    reads=("rash_blisters", "mucosal_sores", "rash_bsa_percent", *FEVER_INPUTS),
    sources=("S9",),
    tags=("D",),
)
def gvhd_03(case: Case) -> Iterator[Hit]:
    if not case.allogeneic_exposure:
        return
    parts, inputs = [], []
    bsa = _rash(case)
    if case.get("rash_blisters"):
        parts.append(f"rash with blisters or peeling ({_num(bsa)} % BSA)")
        inputs.append("rash_blisters")
    if case.get("mucosal_sores"):
        parts.append("mouth, eye or genital sores")
        inputs.append("mucosal_sores")
    if bsa > 0 and case.fever:
        parts.append(f"rash {_num(bsa)} % BSA with {case.fever_why}")
        inputs.append("rash_bsa_percent")
    if parts:
        yield Hit(f"{'; '.join(parts)}, allogeneic exposure", inputs=tuple(inputs))


@rule(
    "GVHD-04",
    Category.GVHD,
    Triage.URGENT_TODAY,
    grade="lower-GI GVHD, MAGIC stage 1 (home estimate)",
    when="allogeneic exposure, 3–4 loose stools in 24 h (absolute count)",
    reads=("loose_stools_24h",),
    sources=("S9",),
)
def gvhd_04(case: Case) -> Iterator[Hit]:
    stools = case.get("loose_stools_24h")
    if (
        case.allogeneic_exposure
        and stools is not None
        and T["gvhd_stools_stage1"] <= stools < T["gvhd_stools_stage2"]
    ):
        yield Hit(
            f"{stools} loose stools in 24 h (3–4), allogeneic exposure",
            inputs=("loose_stools_24h",),
        )


@rule(
    "GVHD-05",
    Category.GVHD,
    Triage.URGENT_NOW,
    grade="lower-GI GVHD, MAGIC stage 2–3 (home estimate)",
    when="allogeneic exposure, ≥ 5 loose stools in 24 h (absolute count)",
    reads=("loose_stools_24h",),
    sources=("S9",),
)
def gvhd_05(case: Case) -> Iterator[Hit]:
    stools = case.get("loose_stools_24h")
    if case.allogeneic_exposure and stools is not None and stools >= T["gvhd_stools_stage2"]:
        yield Hit(
            f"{stools} loose stools in 24 h ≥ 5, allogeneic exposure", inputs=("loose_stools_24h",)
        )


@rule(
    "GVHD-06",
    Category.GVHD,
    Triage.EMERGENCY,
    grade="lower-GI GVHD, MAGIC stage 4 (home estimate)",
    when="allogeneic exposure, bloody stool or severe abdominal pain",
    reads=("stool_blood", "abdominal_pain"),
    sources=("S9",),
)
def gvhd_06(case: Case) -> Iterator[Hit]:
    if not case.allogeneic_exposure:
        return
    parts, inputs = [], []
    if case.get("stool_blood"):
        parts.append("bloody or black stool")
        inputs.append("stool_blood")
    if case.get("abdominal_pain") == "severe":
        parts.append("severe abdominal pain")
        inputs.append("abdominal_pain")
    if parts:
        yield Hit(f"{'; '.join(parts)}, allogeneic exposure", inputs=tuple(inputs))


def _upper_gi(report: Mapping[str, Any]) -> bool | None:
    """Nausea, appetite loss or vomiting in a report: True, False (said none), None (not asked)."""
    nausea = report.get("nausea")
    if (nausea is not None and nausea != "none") or (report.get("vomiting_episodes_24h") or 0) >= 1:
        return True
    if nausea == "none":
        return False
    return None


@rule(
    "GVHD-07",
    Category.GVHD,
    Triage.URGENT_TODAY,
    grade="upper-GI GVHD, MAGIC stage 1 (home estimate)",
    when="allogeneic exposure, nausea, appetite loss or vomiting on ≥ 3 consecutive days (a day "
    "without a report does not break the run, two such days do)",
    reads=("nausea", "vomiting_episodes_24h"),
    sources=("S9",),
    tags=("D",),
    stage=HISTORY,
)
def gvhd_07(case: Case, fired: Sequence[Fired]) -> Iterator[Hit]:
    if not case.allogeneic_exposure or not case.history or not _upper_gi(case.report):
        return
    by_day = case.reports_by_days_ago
    last = max(by_day)
    span, missing = 0, 0
    for day in range(1, last + 1):
        states = [_upper_gi(report) for report in by_day.get(day, ())]
        if True in states:
            span, missing = day, 0
        elif False in states:
            break
        else:
            missing += 1
            if missing > 1:
                break
    days = span + 1
    if days >= T["gvhd_upper_gi_days"]:
        nausea = case.get("nausea") or "none"
        vomits = case.get("vomiting_episodes_24h") or 0
        key = "nausea" if nausea != "none" else "vomiting_episodes_24h"
        yield Hit(
            f"nausea/vomiting on {days} consecutive days (today nausea {nausea.replace('_', ' ')}, "
            f"{vomits} vomits), allogeneic exposure",
            inputs=(key,),
        )


@rule(
    "GVHD-08",
    Category.GVHD,
    Triage.URGENT_TODAY,
    grade="possible liver GVHD (bilirubin needed)",
    when="allogeneic exposure, yellow skin or eyes, or dark urine",
    reads=("jaundice",),
    sources=("S9",),
)
def gvhd_08(case: Case) -> Iterator[Hit]:
    if case.allogeneic_exposure and case.get("jaundice"):
        yield Hit("yellow skin or eyes, or dark urine, allogeneic exposure", inputs=("jaundice",))


@rule(
    "GVHD-09",
    Category.GVHD,
    Triage.EMERGENCY,
    grade="GVHD with dehydration",
    when="any GVHD finding with dizziness or fainting, or systolic < 90",
    reads=("dizziness", "systolic_bp"),
    sources=("S9",),
    tags=("D",),
    stage=AGGREGATE,
)
def gvhd_09(case: Case, fired: Sequence[Fired]) -> Iterator[Hit]:
    gvhd = [f.finding.rule for f in fired if f.finding.category is Category.GVHD]
    if not gvhd:
        return
    parts, inputs = [], []
    if (dizziness := case.get("dizziness")) in ("on_standing", "fainted"):
        parts.append(f"dizziness: {dizziness.replace('_', ' ')}")
        inputs.append("dizziness")
    if low := _sbp_below_low(case):
        parts.append(low)
        inputs.append("systolic_bp")
    if parts:
        yield Hit(f"{', '.join(dict.fromkeys(gvhd))} with {'; '.join(parts)}", inputs=tuple(inputs))


# -- Infusion-related and allergic reactions (section 8.4; D12, D15c) ------------------------------


@rule(
    "IR-01",
    Category.ALLERGIC,
    Triage.EMERGENCY,
    grade="anaphylaxis (CTCAE grade 3 or worse)",
    when="airway swelling at any time; skin signs (hives, flushing, airway swelling) with wheeze, "
    "breathlessness at rest, fainting or low systolic at any time; within 72 h of an infusion: "
    "wheeze, fainting, systolic < 90 or ≥ 30 % below baseline, or skin signs with vomiting or "
    "moderate/severe abdominal pain",
    reads=(
        "hives",
        "flushing",
        "airway_swelling",
        "wheeze",
        "breathlessness",
        "dizziness",
        "systolic_bp",
        "vomiting_episodes_24h",
        "abdominal_pain",
    ),
    sources=("S38", "S3"),
    tags=("D",),
)
def ir_01(case: Case) -> Iterator[Hit]:
    skin = _skin_signs(case)
    within = case.may_be_within_hours(T["anaphylaxis_hours"])
    if not skin and not within:
        return
    # With skin signs these count at any time (D12, D15c); without, only within 72 h.
    signs, inputs = [], list(_skin_inputs(case))
    if case.get("wheeze"):
        signs.append("wheeze")
        inputs.append("wheeze")
    if skin and case.get("breathlessness") == "at_rest":
        signs.append("breathless at rest")
        inputs.append("breathlessness")
    if case.get("dizziness") == "fainted":
        signs.append("fainted")
        inputs.append("dizziness")
    if low_bp := _low_bp(case):
        signs.append(low_bp)
        inputs.append("systolic_bp")
    if skin and within:
        vomits = case.get("vomiting_episodes_24h") or 0
        pain = case.get("abdominal_pain")
        if vomits >= 1:
            signs.append(f"{vomits} vomiting episode(s)")
            inputs.append("vomiting_episodes_24h")
        if pain in ("moderate", "severe"):
            signs.append(f"{pain} abdominal pain")
            inputs.append("abdominal_pain")
    if signs or case.get("airway_swelling"):
        why = "; ".join(filter(None, (", ".join(skin), *signs)))
        yield Hit(f"{why} ({_hours_why(case)})", inputs=tuple(inputs))


@rule(
    "IR-02",
    Category.ALLERGIC,
    Triage.URGENT_NOW,
    grade="allergic reaction, CTCAE grade 1–2",
    when="within 24 h of an infusion: hives (local or widespread) or flushing",
    reads=("hives", "flushing"),
    sources=("S3",),
    tags=("D",),
)
def ir_02(case: Case) -> Iterator[Hit]:
    hives = case.get("hives") in ("local", "widespread")
    flushing = case.get("flushing")
    if (hives or flushing) and case.may_be_within_hours(T["infusion_reaction_hours"]):
        parts = [f"{case.get('hives')} hives" if hives else "", "flushing" if flushing else ""]
        inputs = tuple(c for c, on in (("hives", hives), ("flushing", flushing)) if on)
        yield Hit(f"{', '.join(filter(None, parts))} ({_hours_why(case)})", inputs=inputs)


@rule(
    "IR-03",
    Category.ALLERGIC,
    Triage.URGENT_NOW,
    grade="infusion reaction, CRS or infection",
    when="within 24 h of an infusion of any product: fever, chills or rigors, feeling feverish, "
    "headache, nausea or vomiting",
    reads=(*FEVER_INPUTS, "headache", "nausea", "vomiting_episodes_24h"),
    sources=("S36", "S37", "S1"),
)
def ir_03(case: Case) -> Iterator[Hit]:
    if not case.may_be_within_hours(T["infusion_reaction_hours"]):
        return
    parts, inputs = [], []
    if case.fever:
        parts.append(case.fever_why)
        inputs += case.fever_inputs
    if (chills := _chills(case)) and "chills" not in inputs:
        parts.append(chills)
        inputs.append("chills")
    if case.get("feels_feverish") and not case.fever:
        parts.append("feels feverish")
        inputs.append("feels_feverish")
    if (headache := case.get("headache")) in ("mild", "moderate", "severe"):
        parts.append(f"{headache} headache")
        inputs.append("headache")
    if (nausea := case.get("nausea")) in (
        "appetite_loss",
        "reduced_intake",
        "unable_to_keep_fluids",
    ):
        parts.append(f"nausea: {nausea.replace('_', ' ')}")
        inputs.append("nausea")
    if (vomits := case.get("vomiting_episodes_24h") or 0) >= 1:
        parts.append(f"{vomits} vomiting episode(s)")
        inputs.append("vomiting_episodes_24h")
    if parts:
        yield Hit(f"{'; '.join(parts)} ({_hours_why(case)}, {case.product})", inputs=tuple(inputs))


# Symptoms whose return after improving, within 72 h of an infusion, is IR-04's recurrence sign.
IR_RECURRENCE_INPUTS = (
    "temperature_c",
    "chills",
    "feels_feverish",
    "hives",
    "flushing",
    "itching",
    "airway_swelling",
    "wheeze",
    "breathlessness",
    "dizziness",
    "headache",
    "nausea",
    "vomiting_episodes_24h",
    "rash_bsa_percent",
    "systolic_bp",
    "spo2",
)


@rule(
    "IR-04",
    Category.ALLERGIC,
    Triage.URGENT_NOW,
    grade="infusion reaction back after improving (CTCAE grade 3 criterion) or biphasic reaction",
    when="within 72 h of an infusion: a symptom that improved between earlier reports is worse "
    "again now",
    reads=IR_RECURRENCE_INPUTS,
    sources=("S3",),
    tags=("D",),
    stage=HISTORY,
)
def ir_04(case: Case, fired: Sequence[Fired]) -> Iterator[Hit]:
    if len(case.history) < 2 or not case.may_be_within_hours(T["anaphylaxis_hours"]):
        return
    # Earlier reports since the infusion, oldest first.
    reports = [e["report"] for e in reversed(case.history) if (e.get("days_ago") or 0) <= case.days]
    parts, inputs = [], []
    for code in IR_RECURRENCE_INPUTS:
        now = grade_of(case, case.report, code)
        if not now:
            continue
        peak, dip = 0, None
        for report in reports:
            g = grade_of(case, report, code)
            if g is None:
                continue  # missing is not improvement (P6)
            if g < peak and (dip is None or g < dip):
                dip = g
            peak = max(peak, g)
        if dip is not None and now > dip:
            parts.append(
                f"{code} {_value(case.report, code)} again after it had improved to grade {dip}"
            )
            inputs.append(code)
    if parts:
        yield Hit(f"{'; '.join(parts)} ({_hours_why(case)})", inputs=tuple(inputs))


@rule(
    "IR-05",
    Category.ALLERGIC,
    Triage.ROUTINE,
    grade="local or mild skin reaction",
    when="itching alone (no hives, flushing or rash), flushing alone after 24 h, or local hives "
    "after 24 h",
    reads=("itching", "flushing", "hives", "rash_bsa_percent"),
    sources=("S3",),
    tags=("D",),
)
def ir_05(case: Case) -> Iterator[Hit]:
    hives = case.get("hives")
    has_hives = hives in ("local", "widespread")
    flushing = case.get("flushing")
    if case.get("itching") and not has_hives and not flushing and _rash(case) <= 0:
        yield Hit("itching alone, no hives, flushing or rash", inputs=("itching",))
    if not case.may_be_after_hours(T["infusion_reaction_hours"]):
        return
    if flushing and not has_hives:
        yield Hit(f"flushing alone ({_hours_why(case)})", inputs=("flushing",))
    if hives == "local":
        yield Hit(f"local hives ({_hours_why(case)})", inputs=("hives",))


@rule(
    "IR-06",
    Category.ALLERGIC,
    Triage.URGENT_TODAY,
    grade="allergic reaction, CTCAE grade 1–2",
    when="more than 24 h after an infusion: widespread hives",
    reads=("hives",),
    sources=("S3",),
    tags=("D",),
)
def ir_06(case: Case) -> Iterator[Hit]:
    if case.get("hives") == "widespread" and case.may_be_after_hours(T["infusion_reaction_hours"]):
        yield Hit(f"widespread hives ({_hours_why(case)})", inputs=("hives",))


# -- General symptoms (section 9.4 and 15) ---------------------------------------------------------


def _diarrhoea_g3(case: Case) -> str:
    """GEN-03 (non-allogeneic): ≥ 7 over baseline, or ≥ 4 with fluids not kept down or dizziness."""
    over = case.stools_over_baseline
    if over is None or case.allogeneic_exposure:
        return ""
    stools = f"{case.get('loose_stools_24h')} loose stools, {over} over baseline"
    if over >= T["diarrhoea_g3_over_baseline"]:
        return f"{stools} (≥ {_num(T['diarrhoea_g3_over_baseline'])})"
    if over >= T["diarrhoea_g2_over_baseline"]:
        extra = []
        if case.get("nausea") == "unable_to_keep_fluids":
            extra.append("unable to keep fluids down")
        if (dizziness := case.get("dizziness")) in ("on_standing", "fainted"):
            extra.append(f"dizziness: {dizziness.replace('_', ' ')}")
        if extra:
            return f"{stools} with {' and '.join(extra)}"
    return ""


@rule(
    "GEN-01",
    Category.GENERAL,
    Triage.ROUTINE,
    grade="diarrhoea, CTCAE grade 1",
    when="no allogeneic exposure, 1–3 loose stools over baseline",
    reads=("loose_stools_24h",),
    sources=("S3",),
    tags=("V2",),
)
def gen_01(case: Case) -> Iterator[Hit]:
    over = case.stools_over_baseline
    if (
        not case.allogeneic_exposure
        and over is not None
        and 1 <= over < T["diarrhoea_g2_over_baseline"]
    ):
        yield Hit(
            f"{case.get('loose_stools_24h')} loose stools, {over} over baseline (< 4)",
            inputs=("loose_stools_24h",),
        )


@rule(
    "GEN-02",
    Category.GENERAL,
    Triage.URGENT_TODAY,
    grade="diarrhoea, CTCAE grade 2",
    when="no allogeneic exposure, 4–6 loose stools over baseline",
    reads=("loose_stools_24h",),
    sources=("S3",),
    tags=("V2",),
)
def gen_02(case: Case) -> Iterator[Hit]:
    over = case.stools_over_baseline
    if (
        not case.allogeneic_exposure
        and over is not None
        and T["diarrhoea_g2_over_baseline"] <= over < T["diarrhoea_g3_over_baseline"]
    ):
        yield Hit(
            f"{case.get('loose_stools_24h')} loose stools, {over} over baseline (4–6)",
            inputs=("loose_stools_24h",),
        )


@rule(
    "GEN-03",
    Category.GENERAL,
    Triage.URGENT_NOW,
    grade="diarrhoea, CTCAE grade 3",
    when="no allogeneic exposure: ≥ 7 loose stools over baseline, or ≥ 4 over baseline with "
    "nausea unable to keep fluids or with dizziness",
    reads=("loose_stools_24h", "nausea", "dizziness"),
    sources=("S3",),
    tags=("D",),
)
def gen_03(case: Case) -> Iterator[Hit]:
    if why := _diarrhoea_g3(case):
        yield Hit(why, inputs=("loose_stools_24h",))


@rule(
    "GEN-04",
    Category.GENERAL,
    Triage.EMERGENCY,
    grade="diarrhoea, CTCAE grade 4",
    when="GEN-03 with systolic < 90 or confusion",
    reads=("loose_stools_24h", "nausea", "dizziness", "systolic_bp", "confusion"),
    sources=("S3",),
    tags=("D",),
)
def gen_04(case: Case) -> Iterator[Hit]:
    if not (why := _diarrhoea_g3(case)):
        return
    if low := _sbp_below_low(case):
        yield Hit(f"{why}; {low}", inputs=("loose_stools_24h", "systolic_bp"))
    elif case.get("confusion"):
        yield Hit(f"{why}; confusion", inputs=("loose_stools_24h", "confusion"))


@rule(
    "GEN-05",
    Category.GENERAL,
    Triage.URGENT_TODAY,
    grade="nausea, CTCAE grade 2",
    when="nausea with reduced intake",
    reads=("nausea",),
    sources=("S3",),
    tags=("V2",),
)
def gen_05(case: Case) -> Iterator[Hit]:
    if case.get("nausea") == "reduced_intake":
        yield Hit("nausea with reduced eating and drinking", inputs=("nausea",))


@rule(
    "GEN-06",
    Category.GENERAL,
    Triage.URGENT_NOW,
    grade="nausea or vomiting, CTCAE grade 3",
    when="unable to keep fluids down, or ≥ 6 vomiting episodes in 24 h",
    reads=("nausea", "vomiting_episodes_24h"),
    sources=("S3",),
    tags=("M",),
)
def gen_06(case: Case) -> Iterator[Hit]:
    parts, inputs = [], []
    if case.get("nausea") == "unable_to_keep_fluids":
        parts.append("unable to keep fluids down")
        inputs.append("nausea")
    vomits = case.get("vomiting_episodes_24h")
    if vomits is not None and vomits >= T["vomiting_g3"]:
        parts.append(f"{vomits} vomiting episodes in 24 h ≥ {_num(T['vomiting_g3'])}")
        inputs.append("vomiting_episodes_24h")
    if parts:
        yield Hit("; ".join(parts), inputs=tuple(inputs))


@rule(
    "GEN-07",
    Category.GENERAL,
    Triage.URGENT_TODAY,
    grade="fatigue, CTCAE grade 2–3",
    when="fatigue limiting self-care, or limiting usual activities when that is new (D5)",
    reads=("fatigue",),
    sources=("S3",),
    tags=("D",),
)
def gen_07(case: Case) -> Iterator[Hit]:
    fatigue = case.get("fatigue")
    if fatigue == "limits_self_care":
        yield Hit("fatigue limits self-care", inputs=("fatigue",))
    elif fatigue == "limits_usual_activities":
        previous = case.previous_report
        before = previous.get("fatigue") if previous is not None else None
        if before != "limits_usual_activities":
            was = (
                "no earlier report"
                if previous is None
                else f"previous report: {before or 'not asked'}"
            )
            yield Hit(f"fatigue limits usual activities, new ({was})", inputs=("fatigue",))


@rule(
    "GEN-07a",
    Category.GENERAL,
    Triage.ROUTINE,
    grade="fatigue, CTCAE grade 1–2, stable",
    when="fatigue relieved by rest, or limiting usual activities as in the previous report",
    reads=("fatigue",),
    sources=("S3",),
    tags=("D",),
)
def gen_07a(case: Case) -> Iterator[Hit]:
    fatigue = case.get("fatigue")
    if fatigue == "relieved_by_rest":
        yield Hit("fatigue relieved by rest", inputs=("fatigue",))
    elif fatigue == "limits_usual_activities":
        previous = case.previous_report
        if previous is not None and previous.get("fatigue") == "limits_usual_activities":
            yield Hit(
                "fatigue limits usual activities, as in the previous report", inputs=("fatigue",)
            )


@rule(
    "GEN-08",
    Category.GENERAL,
    Triage.URGENT_NOW,
    grade="dyspnoea, CTCAE grade 3",
    when="breathless at rest (EMERGENCY with SpO2 ≤ 92 %: GEN-17, CRS-03)",
    reads=("breathlessness",),
    sources=("S3",),
    tags=("M",),
)
def gen_08(case: Case) -> Iterator[Hit]:
    if case.get("breathlessness") == "at_rest":
        base = case.baseline.get("breathlessness") or "none"
        yield Hit(
            f"breathless at rest (baseline {base.replace('_', ' ')})", inputs=("breathlessness",)
        )


@rule(
    "GEN-09",
    Category.GENERAL,
    Triage.URGENT_NOW,
    grade="dyspnoea, CTCAE grade 2, new",
    when="breathless on minimal exertion, worse than the recorded baseline (none if not recorded)",
    reads=("breathlessness",),
    sources=("S3",),
    tags=("D",),
)
def gen_09(case: Case) -> Iterator[Hit]:
    if case.get("breathlessness") == "minimal_exertion" and (new := _new_breathlessness(case)):
        yield Hit(new, inputs=("breathlessness",))


@rule(
    "GEN-10",
    Category.GENERAL,
    Triage.URGENT_TODAY,
    grade="dyspnoea, CTCAE grade 1, new",
    when="breathless on moderate exertion, worse than the recorded baseline (none if not recorded)",
    reads=("breathlessness",),
    sources=("S3",),
    tags=("D",),
)
def gen_10(case: Case) -> Iterator[Hit]:
    if case.get("breathlessness") == "moderate_exertion" and (new := _new_breathlessness(case)):
        yield Hit(new, inputs=("breathlessness",))


@rule(
    "GEN-11",
    Category.GENERAL,
    Triage.NONE,
    grade="chronic breathlessness, as at baseline",
    when="breathless on exertion, not worse than the recorded baseline: nothing to flag (kept in "
    "the trace, never shown as a finding)",
    reads=("breathlessness",),
    sources=("S3",),
    tags=("D",),
)
def gen_11(case: Case) -> Iterator[Hit]:
    level = case.get("breathlessness")
    base = case.baseline.get("breathlessness")
    if (
        level in ("moderate_exertion", "minimal_exertion")
        and base is not None
        and _BREATH_RANK[level] <= _BREATH_RANK.get(base, 0)
    ):
        yield Hit(
            f"breathless on {level.replace('_', ' ')}, baseline {base.replace('_', ' ')}",
            inputs=("breathlessness",),
        )


@rule(
    "GEN-12",
    Category.GENERAL,
    Triage.ROUTINE,
    grade="rash, CTCAE grade 1",
    when="no allogeneic exposure, rash < 10 % BSA without blisters, sores or fever",
    reads=("rash_bsa_percent", "rash_blisters", "mucosal_sores", *FEVER_INPUTS),
    sources=("S3",),
    tags=("M",),
)
def gen_12(case: Case) -> Iterator[Hit]:
    bsa = _rash(case)
    if (
        not case.allogeneic_exposure
        and 0 < bsa < T["rash_g2_pct"]
        and not case.get("rash_blisters")
        and not case.get("mucosal_sores")
        and not case.fever
    ):
        yield Hit(
            f"rash {_num(bsa)} % BSA < 10 %, no blisters, sores or fever",
            inputs=("rash_bsa_percent",),
        )


@rule(
    "GEN-13",
    Category.GENERAL,
    Triage.URGENT_TODAY,
    grade="rash, CTCAE grade 2",
    when="no allogeneic exposure, rash ≥ 10 % BSA without blisters (includes > 30 % with mild or "
    "no symptoms)",
    reads=("rash_bsa_percent", "rash_blisters"),
    sources=("S3",),
    tags=("M", "D"),
)
def gen_13(case: Case) -> Iterator[Hit]:
    bsa = _rash(case)
    if not case.allogeneic_exposure and bsa >= T["rash_g2_pct"] and not case.get("rash_blisters"):
        yield Hit(f"rash {_num(bsa)} % BSA ≥ 10 %, no blisters", inputs=("rash_bsa_percent",))


@rule(
    "GEN-14",
    Category.GENERAL,
    Triage.URGENT_NOW,
    grade="rash, CTCAE grade 3",
    when="no allogeneic exposure: rash > 30 % BSA with itching, or any rash with blisters",
    reads=("rash_blisters", "rash_bsa_percent", "itching"),
    sources=("S3",),
    tags=("M", "D"),
)
def gen_14(case: Case) -> Iterator[Hit]:
    if case.allogeneic_exposure:
        return
    bsa = _rash(case)
    if case.get("rash_blisters"):
        yield Hit(f"rash with blisters or peeling ({_num(bsa)} % BSA)", inputs=("rash_blisters",))
    elif bsa > T["rash_g3_pct"] and case.get("itching"):
        yield Hit(f"rash {_num(bsa)} % BSA > 30 % with itching", inputs=("rash_bsa_percent",))


@rule(
    "GEN-15",
    Category.GENERAL,
    Triage.EMERGENCY,
    grade="SJS/TEN to exclude",
    when="no allogeneic exposure: blistering skin with mouth, eye or genital sores and fever",
    reads=("rash_blisters", "mucosal_sores", *FEVER_INPUTS),
    sources=("S3",),
    tags=("D",),
)
def gen_15(case: Case) -> Iterator[Hit]:
    if (
        not case.allogeneic_exposure
        and case.get("rash_blisters")
        and case.get("mucosal_sores")
        and case.fever
    ):
        yield Hit(
            f"blistering skin with mouth, eye or genital sores and {case.fever_why}",
            inputs=("rash_blisters", "mucosal_sores", *case.fever_inputs),
        )


_LEVEL_BY_SEVERITY = {
    "mild": Triage.ROUTINE,
    "moderate": Triage.URGENT_TODAY,
    "severe": Triage.URGENT_NOW,
}


@rule(
    "GEN-16",
    Category.GENERAL,
    Triage.URGENT_TODAY,
    grade="headache",
    when="headache mild / moderate / severe → ROUTINE / URGENT_TODAY / URGENT_NOW",
    reads=("headache",),
    sources=("S3",),
    tags=("M", "D"),
)
def gen_16(case: Case) -> Iterator[Hit]:
    headache = case.get("headache")
    if level := _LEVEL_BY_SEVERITY.get(headache):
        yield Hit(
            f"{headache} headache",
            triage=level,
            grade=f"headache, CTCAE grade {SEVERITY.index(headache)}",
            inputs=("headache",),
        )


@rule(
    "GEN-17",
    Category.GENERAL,
    Triage.EMERGENCY,
    grade="low oxygen level at rest",
    when="SpO2 ≤ 92 % with or without fever (CRS-03 fires as well when febrile)",
    reads=("spo2",),
    sources=("S40",),
    tags=("D",),
)
def gen_17(case: Case) -> Iterator[Hit]:
    spo2 = case.get("spo2")
    if spo2 is not None and spo2 <= T["spo2_emergency"]:
        yield Hit(f"SpO2 {spo2} % ≤ {_num(T['spo2_emergency'])}", inputs=("spo2",))


@rule(
    "GEN-18",
    Category.GENERAL,
    Triage.URGENT_NOW,
    grade="wheeze to assess",
    when="wheeze (whenever present, D10) more than 72 h after an infusion",
    reads=("wheeze",),
    sources=("S3",),
    tags=("D",),
)
def gen_18(case: Case) -> Iterator[Hit]:
    if case.get("wheeze") and case.may_be_after_hours(T["anaphylaxis_hours"]):
        yield Hit(f"wheeze or noisy breathing ({_hours_why(case)})", inputs=("wheeze",))


@rule(
    "GEN-19",
    Category.GENERAL,
    Triage.URGENT_NOW,
    grade="low blood pressure or fainting",
    when="no fever: systolic < 90 or ≥ 30 % below baseline, or fainted",
    reads=(*FEVER_INPUTS, "systolic_bp", "dizziness"),
    sources=("S39",),
    tags=("D",),
)
def gen_19(case: Case) -> Iterator[Hit]:
    if case.fever:
        return
    parts, inputs = [], []
    if low := _low_bp(case):
        parts.append(low)
        inputs.append("systolic_bp")
    if case.get("dizziness") == "fainted":
        parts.append("fainted")
        inputs.append("dizziness")
    if parts:
        t = case.temperature_c
        reading = "no temperature reading" if t is None else f"temperature {t:.1f} °C"
        yield Hit(f"{'; '.join(parts)} ({reading})", inputs=tuple(inputs))


@rule(
    "GEN-20",
    Category.GENERAL,
    Triage.URGENT_TODAY,
    grade="jaundice: liver injury to assess",
    when="yellow skin or eyes, or dark urine, without allogeneic exposure",
    reads=("jaundice",),
    sources=("S3",),
    tags=("D",),
)
def gen_20(case: Case) -> Iterator[Hit]:
    if case.get("jaundice") and not case.allogeneic_exposure:
        yield Hit("yellow skin or eyes, or dark urine", inputs=("jaundice",))


@rule(
    "GEN-21",
    Category.GENERAL,
    Triage.URGENT_TODAY,
    grade="fast heart rate",
    when="resting heart rate > 120 when CRS-05 does not apply (not CAR-T, or CAR-T after day 28)",
    reads=("heart_rate",),
    sources=("S39",),
    tags=("D",),
)
def gen_21(case: Case) -> Iterator[Hit]:
    hr = case.get("heart_rate")
    if hr is not None and hr > T["hr_high"] and not _crs_window(case):
        yield Hit(
            f"heart rate {hr}/min > {_num(T['hr_high'])} {case.when_why}", inputs=("heart_rate",)
        )


@rule(
    "GEN-22",
    Category.GENERAL,
    Triage.URGENT_TODAY,
    grade="abdominal pain",
    when="abdominal pain mild / moderate / severe → ROUTINE / URGENT_TODAY / URGENT_NOW",
    reads=("abdominal_pain",),
    sources=("S3",),
    tags=("M", "D"),
)
def gen_22(case: Case) -> Iterator[Hit]:
    pain = case.get("abdominal_pain")
    if level := _LEVEL_BY_SEVERITY.get(pain):
        yield Hit(
            f"{pain} abdominal pain",
            triage=level,
            grade=f"abdominal pain, CTCAE grade {SEVERITY.index(pain)}",
            inputs=("abdominal_pain",),
        )


@rule(
    "GEN-23",
    Category.GENERAL,
    Triage.URGENT_TODAY,
    grade="vomiting",
    when="vomiting 1–2 / 3–5 / ≥ 6 episodes in 24 h → ROUTINE / URGENT_TODAY / URGENT_NOW",
    reads=("vomiting_episodes_24h",),
    sources=("S3",),
    tags=("M", "D"),
)
def gen_23(case: Case) -> Iterator[Hit]:
    vomits = case.get("vomiting_episodes_24h")
    if not vomits:
        return
    if vomits >= T["vomiting_g3"]:
        level, grade, band = Triage.URGENT_NOW, 3, "≥ 6"
    elif vomits >= T["vomiting_g2"]:
        level, grade, band = Triage.URGENT_TODAY, 2, "3–5"
    else:
        level, grade, band = Triage.ROUTINE, 1, "1–2"
    yield Hit(
        f"{vomits} vomiting episode(s) in 24 h ({band})",
        triage=level,
        grade=f"vomiting, CTCAE v4 grade {grade}",
        inputs=("vomiting_episodes_24h",),
    )


@rule(
    "GEN-24",
    Category.GENERAL,
    Triage.URGENT_TODAY,
    grade="mucosal sores",
    when="mouth, eye or genital sores without allogeneic exposure",
    reads=("mucosal_sores",),
    sources=("S16",),
    tags=("D",),
)
def gen_24(case: Case) -> Iterator[Hit]:
    if case.get("mucosal_sores") and not case.allogeneic_exposure:
        yield Hit("mouth, eye or genital sores", inputs=("mucosal_sores",))


@rule(
    "GEN-25",
    Category.GENERAL,
    Triage.URGENT_NOW,
    grade="abnormal breathing rate (NEWS2 3 points)",
    when="respiratory rate ≥ 25 or ≤ 8 per minute",
    reads=("respiratory_rate",),
    sources=("S39",),
    tags=("D",),
)
def gen_25(case: Case) -> Iterator[Hit]:
    rr = case.get("respiratory_rate")
    if rr is None:
        return
    if rr >= T["rr_high"]:
        yield Hit(f"respiratory rate {rr}/min ≥ {_num(T['rr_high'])}", inputs=("respiratory_rate",))
    elif rr <= T["rr_low"]:
        yield Hit(f"respiratory rate {rr}/min ≤ {_num(T['rr_low'])}", inputs=("respiratory_rate",))


# -- Symptom grades, for comparing reports (AGG-03, AGG-04, IR-04) ---------------------------------


def _ordinal(levels: tuple[str, ...]) -> Callable[[Any, Case], int | None]:
    index = {level: i for i, level in enumerate(levels)}
    return lambda value, case: index.get(value)


def _flag(value: Any, case: Case) -> int:
    return 1 if value else 0


def _temperature_grade(t: float, case: Case) -> int:
    """CTCAE fever grades above the site threshold; low temperatures count as worse too."""
    if t >= case.fever_threshold_c:
        return 3 if t > T["fever_grade3_c"] else 2 if t > T["fever_grade2_c"] else 1
    if t <= T["temp_hypothermia_c"]:
        return 2
    return 1 if t <= T["temp_low_c"] else 0


def _ice_grade(ice: int, case: Case) -> int:
    """ICANS bands of the ICE score: 10 → 0, 7–9 → 1, 3–6 → 2, 0–2 → 3."""
    if ice >= T["ice_full"]:
        return 0
    if ice >= T["ice_grade1_min"]:
        return 1
    return 2 if ice > T["ice_grade3_max"] else 3


def _vomiting_grade(vomits: int, case: Case) -> int:
    if vomits >= T["vomiting_g3"]:
        return 3
    return 2 if vomits >= T["vomiting_g2"] else 1 if vomits >= 1 else 0


def _stools_grade(stools: int, case: Case) -> int:
    """MAGIC lower-GI stage (absolute) with allogeneic exposure, else CTCAE over baseline."""
    if case.allogeneic_exposure:
        if stools >= T["gvhd_stools_stage3"]:
            return 3
        return (
            2
            if stools >= T["gvhd_stools_stage2"]
            else 1
            if stools >= T["gvhd_stools_stage1"]
            else 0
        )
    over = stools - (case.baseline.get("loose_stools_per_day") or 0)
    if over >= T["diarrhoea_g3_over_baseline"]:
        return 3
    return 2 if over >= T["diarrhoea_g2_over_baseline"] else 1 if over >= 1 else 0


def _rash_grade(bsa: float, case: Case) -> int:
    if bsa <= 0:
        return 0
    return 1 if bsa < T["rash_g2_pct"] else 2 if bsa <= T["rash_g3_pct"] else 3


# Vital signs are graded by how many of the rules' own thresholds they cross, so "better" (AGG-04)
# and "back again" (IR-04) mean crossing back over a threshold a rule uses.


def _spo2_grade(spo2: int, case: Case) -> int:
    return 2 if spo2 <= T["spo2_emergency"] else 1 if spo2 <= T["spo2_call"] else 0


def _sbp_grade(sbp: int, case: Case) -> int:
    if sbp < T["sbp_low"] or _far_below_baseline(sbp, case):
        return 2
    return 1 if sbp <= T["news2_sbp"] else 0


def _hr_grade(hr: int, case: Case) -> int:
    return 2 if hr >= T["news2_hr"] else 1 if hr > T["hr_high"] else 0


def _rr_grade(rr: int, case: Case) -> int:
    return 1 if rr >= T["rr_high"] or rr <= T["rr_low"] else 0


# Symptom grades in the CTCAE sense (0 = none), compared between reports by AGG-03.
SYMPTOM_GRADES: dict[str, Callable[[Any, Case], int | None]] = {
    "temperature_c": _temperature_grade,
    "chills": _ordinal(CHILLS),
    "fatigue": _ordinal(FATIGUE),
    "breathlessness": _ordinal(BREATHLESSNESS),
    "dizziness": _ordinal(DIZZINESS),
    "headache": _ordinal(SEVERITY),
    "abdominal_pain": _ordinal(SEVERITY),
    "nausea": _ordinal(NAUSEA),
    "concern": _ordinal(CONCERN),
    "alertness": _ordinal(ALERTNESS),
    "ice_score": _ice_grade,
    "vomiting_episodes_24h": _vomiting_grade,
    "loose_stools_24h": _stools_grade,
    "rash_bsa_percent": _rash_grade,
    "hives": _ordinal(EXTENT),
    "bruising": _ordinal(EXTENT),
}

# Everything else a report can say, for "better now" (AGG-04) and "back again" (IR-04): yes/no signs
# and vital signs (NEWS2 points). Not used by AGG-03: a vital sign has its own absolute rules.
GRADES: dict[str, Callable[[Any, Case], int | None]] = {
    **SYMPTOM_GRADES,
    "spo2": _spo2_grade,
    "systolic_bp": _sbp_grade,
    "heart_rate": _hr_grade,
    "respiratory_rate": _rr_grade,
    **dict.fromkeys(YES_NO_SIGNS, _flag),
}


def grade_of(case: Case, report: Mapping[str, Any], code: str) -> int | None:
    """The grade of one input in ``report`` (read in ``case``'s context); None when not reported."""
    value = report.get(code)
    if value is None:
        return None
    return GRADES[code](value, case)


def _value(report: Mapping[str, Any], code: str) -> str:
    value = report.get(code)
    return str(value).replace("_", " ") if isinstance(value, str) else f"{value}"


# -- Trends and combinations (section 10.4; D1, D7, D14) -------------------------------------------


def _symptom_fired(case: Case, about: Iterable[str] | None = None) -> list[Fired]:
    """Findings of stages 1–2 for ``case`` (an earlier report), worked out once per case.

    With ``about``, only the report rules reading those inputs run (enough to know which findings
    were about them); a complete earlier run is reused when there is one.
    """
    memo = case.derived
    if "fired" in memo:
        return memo["fired"]
    if about is None:
        memo["fired"] = _run(case, (REPORT, HISTORY))
        return memo["fired"]
    return _run(case, (REPORT, HISTORY), only=about)


@rule(
    "AGG-01",
    Category.GENERAL,
    Triage.URGENT_NOW,
    grade="two or more amber symptoms (UKONS: face-to-face assessment)",
    when="this report has an URGENT_TODAY finding of its own, and ≥ 2 URGENT_TODAY findings about "
    "different symptoms (D1, D14; worried counts) in this report and the reports earlier the same "
    "day (earlier findings at URGENT_TODAY or above count; D16)",
    sources=("S16",),
    tags=("D",),
    stage=AGGREGATE,
)
def agg_01(case: Case, fired: Sequence[Fired]) -> Iterator[Hit]:
    ambers: dict[str, str] = {}  # input → "RULE-ID" that made it amber
    category = None
    for f in fired:
        if f.finding.triage == Triage.URGENT_TODAY:
            category = category or f.finding.category
            for code in f.inputs or (f.finding.rule,):
                ambers.setdefault(code, f.finding.rule)
    if not ambers:
        # D16: earlier reports add a second amber to one this report has; they never make a quiet
        # report urgent (after a resolved flag that would be a false alarm on every check-in).
        return
    for index, entry in enumerate(case.history):
        if (entry.get("days_ago") or 0) != 0:
            continue
        for f in _symptom_fired(case.earlier(index)):
            if f.finding.triage >= Triage.URGENT_TODAY:
                category = category or f.finding.category
                for code in f.inputs or (f.finding.rule,):
                    ambers.setdefault(code, f"{f.finding.rule} earlier today")
    if len(ambers) >= T["ambers_for_red"]:
        listed = ", ".join(f"{code} ({rule_id})" for code, rule_id in ambers.items())
        yield Hit(
            f"{len(ambers)} amber symptoms within 24 h: {listed}",
            category=category,
            inputs=tuple(ambers),
        )


@rule(
    "AGG-02",
    Category.GENERAL,
    Triage.URGENT_NOW,
    grade="multi-system: several urgent findings",
    when="CAR-T days 0–14: an URGENT_NOW finding plus another urgent finding about a different "
    "symptom; keeps URGENT_NOW and marks the entry multi-system",
    sources=("S16",),
    tags=("D",),
    stage=AGGREGATE,
)
def agg_02(case: Case, fired: Sequence[Fired]) -> Iterator[Hit]:
    if not _early_crs(case):
        return
    red = [f for f in fired if f.finding.triage >= Triage.URGENT_NOW]
    if not red:
        return
    urgent: dict[str, str] = {}
    for f in fired:
        if f.finding.triage >= Triage.URGENT_TODAY:
            for code in f.inputs or (f.finding.rule,):
                urgent.setdefault(code, f.finding.rule)
    if len(urgent) >= 2:
        listed = ", ".join(f"{code} ({rule_id})" for code, rule_id in urgent.items())
        yield Hit(
            f"urgent findings on {len(urgent)} symptoms {case.when_why}: {listed}",
            category=red[0].finding.category,
            inputs=tuple(urgent),
        )


@rule(
    "AGG-03",
    Category.GENERAL,
    Triage.URGENT_TODAY,
    grade="symptom worse by ≥ 2 grades",
    when="a symptom ≥ 2 grades worse than in the previous report (not reported there = none, D5); "
    "category of the finding on that symptom",
    reads=tuple(SYMPTOM_GRADES),
    sources=("S12", "S14"),
    tags=("M", "D"),
    stage=HISTORY,
)
def agg_03(case: Case, fired: Sequence[Fired]) -> Iterator[Hit]:
    previous = case.previous_report
    if previous is None:
        return
    report = case.report
    for code in active_inputs(case):
        grade = SYMPTOM_GRADES.get(code)
        if grade is None:
            continue
        now = grade(report[code], case)
        if not now or now < T["worse_by_grades"]:
            continue
        before = grade_of(case, previous, code) or 0
        if now - before >= T["worse_by_grades"]:
            category = next((f.finding.category for f in fired if code in f.inputs), None)
            was = "not reported" if previous.get(code) is None else _value(previous, code)
            yield Hit(
                f"{code} {_value(report, code)} (grade {now}), previous report {was} "
                f"(grade {before})",
                category=category,
                inputs=(code,),
            )


@rule(
    "AGG-04",
    Category.GENERAL,
    Triage.ROUTINE,
    grade="improving",
    when="a symptom that fired a rule in the previous report is better now and nothing else fires "
    "on it (D7); category of the earlier finding; never lowers another finding",
    reads=tuple(GRADES),
    sources=("S14",),
    tags=("D",),
    stage=AGGREGATE,
)
def agg_04(case: Case, fired: Sequence[Fired]) -> Iterator[Hit]:
    previous = case.previous_report
    if previous is None:
        return
    report = case.report
    improved = []
    # A finding can only have been about an input that said something then (see QUIET).
    for code in _active_inputs(case, previous):
        grade = GRADES.get(code)
        value = report.get(code)
        if grade is None or value is None:
            continue
        now = grade(value, case)
        before = grade(previous[code], case)
        if now is not None and before is not None and now < before:
            improved.append(code)
    if not improved:
        return
    current = {code for f in fired if f.finding.triage > Triage.NONE for code in f.inputs}
    earlier = [
        f for f in _symptom_fired(case.earlier(0), improved) if f.finding.triage > Triage.NONE
    ]
    for code in improved:
        if code in current:
            continue
        source = next((f for f in earlier if code in f.inputs), None)
        if source is not None:
            yield Hit(
                f"{code} better: {_value(previous, code)} → {_value(report, code)} "
                f"(previous report: {source.finding.rule})",
                category=source.finding.category,
                inputs=(code,),
            )


@rule(
    "AGG-05",
    Category.GENERAL,
    Triage.URGENT_NOW,
    grade="patient or carer very worried / feels very unwell",
    when="concern = very unwell (P7)",
    reads=("concern",),
    sources=("S16",),
    tags=("D",),
)
def agg_05(case: Case) -> Iterator[Hit]:
    if case.get("concern") == "very_unwell":
        yield Hit("patient or carer: feels very unwell", inputs=("concern",))


@rule(
    "AGG-05b",
    Category.GENERAL,
    Triage.URGENT_TODAY,
    grade="patient or carer worried",
    when="concern = worried (an amber for AGG-01, D14)",
    reads=("concern",),
    sources=("S16",),
    tags=("D",),
)
def agg_05b(case: Case) -> Iterator[Hit]:
    if case.get("concern") == "worried":
        yield Hit("patient or carer: worried", inputs=("concern",))


# -- Evaluation and version ------------------------------------------------------------------------

_STAGES: dict[int, tuple[Rule, ...]] = {
    stage: tuple(row for row in RULES if row.stage == stage)
    for stage in (REPORT, HISTORY, AGGREGATE)
}
_NOT_QUIET = object()
_ROWS_CACHE: dict[frozenset[str], tuple[Rule, ...]] = {}
_ROWS_CACHE_SIZE = 4096


# Measured values inside these bands fire no report rule on their own (the same thresholds as the
# rules; the tests check it). ICE 10, a normal temperature or pulse are then "quiet" too.
QUIET_BANDS: dict[str, Callable[[Any, Case], bool]] = {
    "temperature_c": lambda t, case: T["temp_low_c"] < t < case.fever_threshold_c,
    "spo2": lambda spo2, case: spo2 > T["spo2_call"],
    "systolic_bp": lambda sbp, case: _sbp_grade(sbp, case) == 0,
    "heart_rate": lambda hr, case: hr <= T["hr_high"],
    "respiratory_rate": lambda rr, case: T["rr_low"] < rr < T["rr_high"],
    "ice_score": lambda ice, case: ice >= T["ice_full"],
    "diastolic_bp": lambda dbp, case: True,  # no rule reads it
    "note": lambda note, case: True,  # free text is never parsed for triage
}


def _active_inputs(case: Case, report: Mapping[str, Any]) -> frozenset[str]:
    """The inputs of ``report`` that say something: present, not quiet, not in a quiet band."""
    active = []
    for code, value in report.items():
        if value is None or value == QUIET.get(code, _NOT_QUIET):
            continue
        band = QUIET_BANDS.get(code)
        if band is None or not band(value, case):
            active.append(code)
    return frozenset(active)


def active_inputs(case: Case) -> frozenset[str]:
    """``_active_inputs`` of the case's own report, worked out once."""
    memo = case.derived
    if "active" not in memo:
        memo["active"] = _active_inputs(case, case.report)
    return memo["active"]


def _rows_for(active: frozenset[str]) -> tuple[Rule, ...]:
    """The report rules that read at least one of ``active``, in table order (memoised)."""
    rows = _ROWS_CACHE.get(active)
    if rows is None:
        rows = tuple(row for row in _STAGES[REPORT] if row.reads & active)
        if len(_ROWS_CACHE) >= _ROWS_CACHE_SIZE:
            _ROWS_CACHE.clear()
        _ROWS_CACHE[active] = rows
    return rows


def _run(case: Case, stages: Iterable[int], only: Iterable[str] | None = None) -> list[Fired]:
    """Fires the rows of ``stages`` in order; ``only`` limits report rules to those inputs."""
    fired: list[Fired] = []
    append = fired.append
    for stage in stages:
        if stage == REPORT:
            active = active_inputs(case)
            if only is not None:
                active = active.intersection(only)
            for row in _rows_for(active):
                for hit in row.check(case):
                    append(row.fired(hit))
        else:
            # Collect each row's hits first: its check reads ``fired`` while it runs.
            for row in _STAGES[stage]:
                fired += [row.fired(hit) for hit in row.check(case, fired)]
    return fired


def trace(case: Case) -> list[Fired]:
    """Every rule that fired, with its inputs, including NONE-level rows such as GEN-11."""
    return _run(case, (REPORT, HISTORY, AGGREGATE))


def evaluate(case: Case) -> Iterator[Finding]:
    for f in trace(case):
        if f.finding.triage > Triage.NONE:
            yield f.finding


def _digest() -> str:
    h = hashlib.sha256()
    h.update(json.dumps(THRESHOLDS, sort_keys=True).encode())
    for row in RULES:
        fields = [
            row.id,
            row.category,
            row.triage.name,
            row.grade,
            row.when,
            *row.sources,
            *row.tags,
        ]
        h.update("\x1f".join([*fields, str(row.stage)]).encode())
        h.update(inspect.getsource(row.check).encode())
    # The helpers and grade tables the checks share live in these two modules.
    h.update(inspect.getsource(sys.modules[__name__]).encode())
    h.update(inspect.getsource(case_module).encode())
    return h.hexdigest()[:12]


RULESET_VERSION = f"rules-{_digest()}"
