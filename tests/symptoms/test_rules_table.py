"""The rule table, rule by rule: both sides of every threshold, every window edge.

Each row is a case in the contract's JSON shapes (context, report, history) with the exact triage
it must get, the rules that must fire and the rules that must stay silent. Every case is first
checked against the contract (``symptoms.validation``), so a misspelt input cannot make a test
pass by accident. The last test checks that every rule of the table fires in at least one case.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from symptoms import assess
from symptoms.case import Case
from symptoms.rules import RULES, trace
from symptoms.validation import validate_case

VIGNETTES = Path(__file__).resolve().parent.parent / "vignettes"
DEFAULT = object()


def ctx(
    product: str = "CAR-T",
    days: int = 5,
    *,
    target: Any = DEFAULT,
    source: str = "autologous",
    prior_allo: bool = False,
    hours: float | None = None,
    crs_treated: bool = False,
    neutropenia: bool = False,
    labs: dict[str, float] | None = None,
    baseline: dict[str, Any] | None = None,
    fever_threshold: float | None = None,
) -> dict[str, Any]:
    """A therapy context in the contract's shape (CD19 CAR-T, autologous, day 5 unless told)."""
    if target is DEFAULT:
        target = "CD19" if product == "CAR-T" else None
    context: dict[str, Any] = {
        "product": product,
        "target": target,
        "cell_source": source,
        "prior_allogeneic_transplant": prior_allo,
        "days_since_infusion": days,
        "crs_treated": crs_treated,
        "neutropenia_expected": neutropenia,
    }
    if hours is not None:
        context["hours_since_infusion"] = hours
    if labs is not None:
        context["labs"] = labs
    if baseline is not None:
        context["baseline"] = baseline
    if fever_threshold is not None:
        context["site"] = {"fever_threshold_c": fever_threshold}
    return context


def dli(days: int = 40, **kw: Any) -> dict[str, Any]:
    return ctx("DLI", days, source="allogeneic", prior_allo=True, **kw)


def ago(days_ago: int, **report: Any) -> dict[str, Any]:
    return {"days_ago": days_ago, "report": report}


@dataclass(frozen=True)
class Row:
    name: str
    context: dict[str, Any]
    report: dict[str, Any]
    triage: str
    fires: tuple[str, ...] = ()
    silent: tuple[str, ...] = ()
    history: tuple[dict[str, Any], ...] = ()
    categories: tuple[str, ...] = ()  # each must be carried by some finding
    no_categories: tuple[str, ...] = field(default=())


def row(name, context, report, triage, fires=(), silent=(), history=(), cats=(), no_cats=()):
    return Row(
        name, context, report, triage, tuple(fires), tuple(silent), tuple(history), cats, no_cats
    )


CD19 = ctx()
NORMAL = {"temperature_c": 36.8, "systolic_bp": 122, "heart_rate": 80, "spo2": 97}

# fmt: off
ROWS = [
    # -- CRS-01: fever, with the category by day and product (D6) ----------------------------------
    row("crs01 38.0 fires", CD19, {"temperature_c": 38.0}, "URGENT_NOW", ["CRS-01", "HEM-01"]),
    row("crs01 37.9 silent", CD19, {"temperature_c": 37.9}, "NONE", [], ["CRS-01", "HEM-01"]),
    row("crs01 site 37.5 fires", ctx(fever_threshold=37.5), {"temperature_c": 37.5}, "URGENT_NOW",
        ["CRS-01"]),
    row("crs01 site 37.4 silent", ctx(fever_threshold=37.5), {"temperature_c": 37.4}, "NONE", [],
        ["CRS-01"]),
    row("crs01 day 14 CRS only", ctx(days=14), {"temperature_c": 38.3}, "URGENT_NOW", ["CRS-01"],
        ["INF-01"], cats=("CRS",), no_cats=("INFECTION",)),
    row("crs01 day 15 CRS and INFECTION", ctx(days=15), {"temperature_c": 38.3}, "URGENT_NOW",
        ["CRS-01", "INF-01"], cats=("CRS", "INFECTION")),
    row("crs01 day 28 still CRS", ctx(days=28), {"temperature_c": 38.3}, "URGENT_NOW",
        ["CRS-01", "INF-01"]),
    row("crs01 day 29 infection only", ctx(days=29), {"temperature_c": 38.3}, "URGENT_NOW",
        ["INF-01", "HEM-01"], ["CRS-01"], cats=("INFECTION",), no_cats=("CRS",)),
    row("crs01 masked fever P5", CD19,
        {"temperature_c": 37.2, "antipyretic_last_6h": True, "feels_feverish": True}, "URGENT_NOW",
        ["CRS-01", "CRS-06", "HEM-01"]),
    row("feels feverish without antipyretic and normal reading: nothing", CD19,
        {"temperature_c": 37.2, "feels_feverish": True}, "NONE", [], ["CRS-01", "CRS-06"]),
    row("crs01 not for CIK (INF-01 instead)", ctx("CIK", 5), {"temperature_c": 38.5}, "URGENT_NOW",
        ["INF-01"], ["CRS-01", "IR-03"], no_cats=("CRS",)),
    # -- CRS-02: fever with hypotension (D4) -------------------------------------------------------
    row("crs02 sbp 89", CD19, {"temperature_c": 38.5, "systolic_bp": 89}, "EMERGENCY",
        ["CRS-02", "INF-03", "HEM-02"]),
    row("crs02 sbp 90 silent (INF-03 ≤ 90 fires)", CD19, {"temperature_c": 38.5, "systolic_bp": 90},
        "EMERGENCY", ["INF-03"], ["CRS-02"]),
    row("crs02 sbp 91 silent", ctx(days=10), {"temperature_c": 38.5, "systolic_bp": 91},
        "URGENT_NOW", ["CRS-01"], ["CRS-02", "INF-03"]),
    row("crs02 30 % below baseline", ctx(days=10, baseline={"systolic_bp": 130}),
        {"temperature_c": 38.5, "systolic_bp": 91}, "EMERGENCY", ["CRS-02"], ["INF-03"]),
    row("crs02 29 % below baseline silent", ctx(days=10, baseline={"systolic_bp": 130}),
        {"temperature_c": 38.5, "systolic_bp": 92}, "URGENT_NOW", [], ["CRS-02"]),
    row("crs02 fever and fainted", ctx(days=10), {"temperature_c": 38.1, "dizziness": "fainted"},
        "EMERGENCY", ["CRS-02"]),
    row("crs02 after tocilizumab, no fever", ctx(days=10, crs_treated=True),
        {"temperature_c": 36.9, "systolic_bp": 85}, "EMERGENCY", ["CRS-02", "GEN-19"]),
    row("crs02 needs fever: GEN-19 instead", ctx(days=40),
        {"temperature_c": 36.9, "systolic_bp": 85}, "URGENT_NOW", ["GEN-19"], ["CRS-02", "IR-01"]),
    row("crs02 after CIK is sepsis (INFECTION)", ctx("CIK", 40),
        {"temperature_c": 38.6, "systolic_bp": 85}, "EMERGENCY", ["CRS-02", "INF-03"],
        no_cats=("CRS",)),
    # -- CRS-03: fever with hypoxia ----------------------------------------------------------------
    row("crs03 spo2 92", CD19, {"temperature_c": 38.4, "spo2": 92}, "EMERGENCY",
        ["CRS-03", "GEN-17"], ["CRS-04"]),
    row("crs03 spo2 93 silent (CRS-04)", CD19, {"temperature_c": 38.4, "spo2": 93}, "URGENT_NOW",
        ["CRS-04", "CRS-01"], ["CRS-03", "GEN-17"]),
    row("crs03 breathless at rest", CD19, {"temperature_c": 38.4, "breathlessness": "at_rest"},
        "EMERGENCY", ["CRS-03", "GEN-08"]),
    row("crs03 after steroids without fever", ctx(crs_treated=True), {"spo2": 91}, "EMERGENCY",
        ["CRS-03", "GEN-17"]),
    # -- CRS-04: SpO2 93–94 % (D13) ----------------------------------------------------------------
    row("crs04 spo2 94", CD19, {"spo2": 94}, "URGENT_NOW", ["CRS-04"]),
    row("crs04 spo2 93", CD19, {"spo2": 93}, "URGENT_NOW", ["CRS-04"]),
    row("crs04 spo2 95 silent", CD19, {"spo2": 95}, "NONE", [], ["CRS-04"]),
    row("crs04 spo2 92 is GEN-17", CD19, {"spo2": 92}, "EMERGENCY", ["GEN-17"], ["CRS-04"]),
    row("crs04 at usual 94 % silent", ctx(baseline={"spo2": 94}), {"spo2": 94}, "NONE", [],
        ["CRS-04"]),
    row("crs04 below usual 94 %", ctx(baseline={"spo2": 94}), {"spo2": 93}, "URGENT_NOW",
        ["CRS-04"]),
    row("crs04 late is GENERAL", ctx(days=200), {"spo2": 94}, "URGENT_NOW", ["CRS-04"],
        cats=("GENERAL",), no_cats=("CRS",)),
    # -- CRS-05 / GEN-21: heart rate ---------------------------------------------------------------
    row("crs05 hr 121", CD19, {"heart_rate": 121}, "URGENT_NOW", ["CRS-05"], ["GEN-21"]),
    row("crs05 hr 120 silent", CD19, {"heart_rate": 120}, "NONE", [], ["CRS-05", "GEN-21"]),
    row("crs05 day 28", ctx(days=28), {"heart_rate": 121}, "URGENT_NOW", ["CRS-05"]),
    row("gen21 day 29", ctx(days=29), {"heart_rate": 121}, "URGENT_TODAY", ["GEN-21"], ["CRS-05"]),
    row("gen21 after TIL", ctx("TIL", 5), {"heart_rate": 121}, "URGENT_TODAY", ["GEN-21"],
        ["CRS-05"]),
    # -- CRS-06 / CRS-06b: chills without a usable reading -----------------------------------------
    row("crs06 shivering, no thermometer", CD19, {"chills": "shivering"}, "URGENT_NOW",
        ["CRS-06", "CRS-07"], ["CRS-06b", "CRS-01"], cats=("CRS",)),
    row("crs06 feels feverish, no reading, CIK is INFECTION", ctx("CIK", 10),
        {"feels_feverish": True}, "URGENT_NOW", ["CRS-06"], cats=("INFECTION",), no_cats=("CRS",)),
    row("crs06 shivering after paracetamol", CD19,
        {"temperature_c": 37.0, "chills": "shivering", "antipyretic_last_6h": True}, "URGENT_NOW",
        ["CRS-06", "CRS-01"], ["CRS-06b"]),
    row("crs06b shivering at 37.9", ctx(days=14), {"temperature_c": 37.9, "chills": "shivering"},
        "URGENT_TODAY", ["CRS-06b"], ["CRS-06", "CRS-01"], cats=("CRS",)),
    row("crs06b day 15 is INFECTION", ctx(days=15), {"temperature_c": 37.0, "chills": "shivering"},
        "URGENT_TODAY", ["CRS-06b"], cats=("INFECTION",), no_cats=("CRS",)),
    row("crs06b silent at 38.0 (fever)", CD19, {"temperature_c": 38.0, "chills": "shivering"},
        "URGENT_NOW", ["CRS-01"], ["CRS-06b"]),
    row("crs06b and HEM-03 at 36.0", ctx(days=40), {"temperature_c": 36.0, "chills": "shivering"},
        "URGENT_NOW", ["CRS-06b", "HEM-03"]),
    # -- CRS-07: early CRS signs without fever -----------------------------------------------------
    row("crs07 moderate headache day 14", ctx(days=14),
        {"temperature_c": 37.0, "headache": "moderate"}, "URGENT_TODAY", ["CRS-07", "GEN-16"],
        ["AGG-01"]),
    row("crs07 silent day 15", ctx(days=15), {"temperature_c": 37.0, "headache": "moderate"},
        "URGENT_TODAY", ["GEN-16"], ["CRS-07"]),
    row("crs07 silent for mild headache", CD19, {"temperature_c": 37.0, "headache": "mild"},
        "ROUTINE", ["GEN-16"], ["CRS-07"]),
    row("crs07 fatigue limits usual activities", ctx(days=3),
        {"temperature_c": 37.0, "fatigue": "limits_usual_activities"}, "URGENT_TODAY",
        ["CRS-07", "GEN-07"]),
    row("crs07 two symptoms are two ambers", ctx(days=3),
        {"temperature_c": 37.0, "fatigue": "limits_usual_activities", "headache": "moderate"},
        "URGENT_NOW", ["CRS-07", "GEN-07", "GEN-16", "AGG-01"]),
    row("crs07 silent with fever", CD19, {"temperature_c": 38.2, "headache": "moderate"},
        "URGENT_NOW", ["CRS-01", "GEN-16"], ["CRS-07"]),
    row("crs07 not after CIK", ctx("CIK", 5), {"temperature_c": 37.0, "headache": "moderate"},
        "URGENT_TODAY", ["GEN-16"], ["CRS-07"]),
    # -- NEU-01 / NEU-02: ICE (D8) -----------------------------------------------------------------
    row("neu01 ice 9 no baseline", CD19, {"ice_score": 9}, "URGENT_NOW", ["NEU-01"]),
    row("neu01 ice 7", CD19, {"ice_score": 7}, "URGENT_NOW", ["NEU-01"], ["NEU-02"]),
    row("neu01 ice 10 silent", CD19, {"ice_score": 10}, "NONE", [], ["NEU-01"]),
    row("neu01 ice 8 at own baseline 8 silent", ctx(baseline={"ice_score": 8}), {"ice_score": 8},
        "NONE", [], ["NEU-01"]),
    row("neu01 ice 7 below baseline 8", ctx(baseline={"ice_score": 8}), {"ice_score": 7},
        "URGENT_NOW", ["NEU-01"]),
    row("neu01 ice 9 below baseline 10", ctx(baseline={"ice_score": 10}), {"ice_score": 9},
        "URGENT_NOW", ["NEU-01"]),
    row("neu02 ice 6", CD19, {"ice_score": 6}, "EMERGENCY", ["NEU-02"], ["NEU-01"]),
    row("neu02 ice 0", ctx("NK", 3), {"ice_score": 0}, "EMERGENCY", ["NEU-02"]),
    row("neu02 ice 6 even at a low baseline", ctx(baseline={"ice_score": 6}), {"ice_score": 6},
        "EMERGENCY", ["NEU-02"]),
    # -- NEU-03 / NEU-08: alertness ----------------------------------------------------------------
    row("neu03 wakes to voice", CD19, {"alertness": "wakes_to_voice"}, "EMERGENCY", ["NEU-03"]),
    row("neu03 wakes to touch", CD19, {"alertness": "wakes_to_touch"}, "EMERGENCY", ["NEU-03"]),
    row("neu03 unrousable", ctx(days=200), {"alertness": "unrousable"}, "EMERGENCY", ["NEU-03"]),
    row("neu08 sleepier day 28", ctx(days=28),
        {"alertness": "sleepier_wakes_self", "ice_score": 10}, "URGENT_TODAY", ["NEU-08"],
        ["NEU-03"]),
    row("neu08 silent day 29", ctx(days=29), {"alertness": "sleepier_wakes_self"}, "NONE", [],
        ["NEU-08"]),
    row("neu08 after NK too", ctx("NK", 4), {"alertness": "sleepier_wakes_self"}, "URGENT_TODAY",
        ["NEU-08"]),
    # -- NEU-04 / NEU-05 ---------------------------------------------------------------------------
    row("neu04 seizure", ctx(days=90), {"seizure": True}, "EMERGENCY", ["NEU-04"]),
    row("neu05 new weakness", CD19, {"new_weakness": True}, "EMERGENCY", ["NEU-05"]),
    row("neu05 vision change", CD19, {"vision_change": True}, "EMERGENCY", ["NEU-05"]),
    row("neu05 sudden severe headache", ctx("TIL", 60), {"sudden_severe_headache": True},
        "EMERGENCY", ["NEU-05"]),
    row("neu05 severe headache with one vomit", ctx(days=40),
        {"headache": "severe", "vomiting_episodes_24h": 1}, "EMERGENCY", ["NEU-05"]),
    row("neu05 severe headache without vomiting", ctx(days=40),
        {"headache": "severe", "vomiting_episodes_24h": 0}, "URGENT_NOW", ["GEN-16"], ["NEU-05"]),
    row("neu05 moderate headache with vomit silent", ctx(days=40),
        {"headache": "moderate", "vomiting_episodes_24h": 1}, "URGENT_TODAY", ["GEN-16", "GEN-23"],
        ["NEU-05"]),
    # -- NEU-06 / NEU-10: confusion and friends (D10) ----------------------------------------------
    row("neu06 confusion, ICE not done", CD19, {"confusion": True}, "URGENT_NOW", ["NEU-06"]),
    row("neu06 handwriting changed even with ICE 10", CD19,
        {"handwriting_changed": True, "ice_score": 10}, "URGENT_NOW", ["NEU-06"]),
    row("neu06 word finding", ctx("DLI", 12, source="allogeneic"), {"word_finding_trouble": True},
        "URGENT_NOW", ["NEU-06"]),
    row("neu06 persists every report (D10)", ctx(days=40), {"confusion": True}, "URGENT_NOW",
        ["NEU-06"], history=[ago(1, confusion=True)]),
    row("neu10 confusion with fever", CD19, {"confusion": True, "temperature_c": 38.2}, "EMERGENCY",
        ["NEU-10", "NEU-06", "INF-03"]),
    row("neu10 confusion with sbp 89", ctx(days=40),
        {"confusion": True, "systolic_bp": 89, "temperature_c": 36.8}, "EMERGENCY",
        ["NEU-10", "GEN-19"]),
    row("neu10 silent at sbp 90", ctx(days=40),
        {"confusion": True, "systolic_bp": 90, "temperature_c": 36.8}, "URGENT_NOW", ["NEU-06"],
        ["NEU-10", "GEN-19"]),
    # -- NEU-07: tremor ----------------------------------------------------------------------------
    row("neu07 tremor day 28", ctx(days=28), {"tremor": True, "ice_score": 10}, "URGENT_TODAY",
        ["NEU-07"]),
    row("neu07 silent day 29", ctx(days=29), {"tremor": True, "ice_score": 10}, "NONE", [],
        ["NEU-07"]),
    row("neu07 tremor without ICE, after NK", ctx("NK", 2), {"tremor": True}, "URGENT_TODAY",
        ["NEU-07"]),
    row("neu07 with low ICE NEU-01 decides", CD19, {"tremor": True, "ice_score": 8}, "URGENT_NOW",
        ["NEU-07", "NEU-01"]),
    # -- NEU-09 / NEU-09b: movement changes --------------------------------------------------------
    row("neu09 BCMA day 90", ctx(days=90, target="BCMA"), {"movement_changes": True}, "URGENT_NOW",
        ["NEU-09"], ["NEU-09b"]),
    row("neu09 CAR-T of unknown target", ctx(days=60, target=None), {"movement_changes": True},
        "URGENT_NOW", ["NEU-09"], ["NEU-09b"]),
    row("neu09b CD19", ctx(days=60), {"movement_changes": True}, "URGENT_TODAY", ["NEU-09b"],
        ["NEU-09"]),
    row("neu09b DLI", dli(60), {"movement_changes": True}, "URGENT_TODAY", ["NEU-09b"], ["NEU-09"]),
    # -- HEM-01 / HEM-02: febrile neutropenia ------------------------------------------------------
    row("hem01 CAR-T day 30 no ANC", ctx(days=30), {"temperature_c": 38.1}, "URGENT_NOW",
        ["HEM-01", "INF-01"]),
    row("hem01 silent CAR-T day 31 no ANC", ctx(days=31), {"temperature_c": 38.1}, "URGENT_NOW",
        ["INF-01"], ["HEM-01"]),
    row("hem01 ANC 0.9", ctx("CIK", 20, labs={"anc": 0.9}), {"temperature_c": 38.1}, "URGENT_NOW",
        ["HEM-01", "INF-01"]),
    row("hem01 silent ANC 1.0", ctx("CIK", 20, labs={"anc": 1.0}), {"temperature_c": 38.1},
        "URGENT_NOW", ["INF-01"], ["HEM-01"]),
    row("hem01 neutropenia expected", ctx("TIL", 9, neutropenia=True), {"temperature_c": 38.0},
        "URGENT_NOW", ["HEM-01", "INF-01"]),
    row("hem01 silent CAR-T day 5 with ANC 2.0", ctx(labs={"anc": 2.0}), {"temperature_c": 38.0},
        "URGENT_NOW", ["CRS-01"], ["HEM-01"]),
    row("hem02 neutropenic fever sbp 89", ctx("CIK", 20, neutropenia=True),
        {"temperature_c": 38.3, "systolic_bp": 89}, "EMERGENCY", ["HEM-02", "CRS-02"]),
    row("hem02 neutropenic fever spo2 92", ctx("CIK", 20, labs={"anc": 0.4}),
        {"temperature_c": 38.3, "spo2": 92}, "EMERGENCY", ["HEM-02"]),
    row("hem02 neutropenic fever confusion", ctx("CIK", 20, labs={"anc": 0.4}),
        {"temperature_c": 38.3, "confusion": True}, "EMERGENCY", ["HEM-02"]),
    row("hem02 rigors and very unwell", ctx("CIK", 20, labs={"anc": 0.4}),
        {"temperature_c": 38.3, "chills": "rigors", "concern": "very_unwell"}, "EMERGENCY",
        ["HEM-02", "INF-04", "AGG-05"]),
    row("hem02 silent for rigors alone", ctx("CIK", 20, labs={"anc": 0.4}),
        {"temperature_c": 38.3, "chills": "rigors", "spo2": 93}, "URGENT_NOW", ["HEM-01", "INF-04"],
        ["HEM-02"]),
    row("hem02 silent without neutropenia", ctx("CIK", 20, labs={"anc": 3.0}),
        {"temperature_c": 38.3, "confusion": True}, "EMERGENCY", ["NEU-10"], ["HEM-02"]),
    # -- HEM-03 / HEM-04: low temperature ----------------------------------------------------------
    row("hem03 36.0 shivering", ctx(days=40), {"temperature_c": 36.0, "chills": "shivering"},
        "URGENT_NOW", ["HEM-03"], cats=("INFECTION",)),
    row("hem03 silent at 36.1", ctx(days=40), {"temperature_c": 36.1, "chills": "shivering"},
        "URGENT_TODAY", ["CRS-06b"], ["HEM-03"]),
    row("hem03 worried at 35.8", ctx(days=40), {"temperature_c": 35.8, "concern": "worried"},
        "URGENT_NOW", ["HEM-03", "AGG-05b"]),
    row("hem03 silent without feeling unwell", ctx(days=40), {"temperature_c": 35.8}, "NONE", [],
        ["HEM-03", "HEM-04"]),
    row("hem04 35.0", ctx(days=40), {"temperature_c": 35.0}, "EMERGENCY", ["HEM-04"]),
    row("hem04 silent 35.1", ctx(days=40), {"temperature_c": 35.1}, "NONE", [], ["HEM-04"]),
    # -- HEM-05: haemorrhage -----------------------------------------------------------------------
    row("hem05 uncontrolled bleeding", ctx(days=25, labs={"platelets": 18}),
        {"bleeding_uncontrolled": True}, "EMERGENCY", ["HEM-05"]),
    row("hem05 vomiting blood", ctx(days=25), {"vomiting_blood": True}, "EMERGENCY", ["HEM-05"]),
    row("hem05 black stool", ctx(days=25), {"stool_blood": True}, "EMERGENCY", ["HEM-05"],
        ["GVHD-06"]),
    row("hem05 coughing blood", ctx(days=25), {"coughing_blood": True}, "EMERGENCY", ["HEM-05"]),
    # -- HEM-06: low-platelet signs (D10, D14) -----------------------------------------------------
    row("hem06 petechiae platelets 20", ctx(days=30, labs={"platelets": 20}), {"petechiae": True},
        "URGENT_TODAY", ["HEM-06"]),
    row("hem06 petechiae platelets 19", ctx(days=30, labs={"platelets": 19}), {"petechiae": True},
        "URGENT_NOW", ["HEM-06"], ["AGG-01"]),
    row("hem06 widespread bruising", ctx(days=30), {"bruising": "widespread"}, "URGENT_TODAY",
        ["HEM-06"]),
    row("hem06 local bruising silent", ctx(days=30), {"bruising": "local"}, "NONE", [], ["HEM-06"]),
    row("hem06 nosebleed that stopped", ctx(days=30), {"nosebleed": True}, "URGENT_TODAY",
        ["HEM-06"]),
    row("hem06 blood in urine", ctx(days=30), {"blood_in_urine": True}, "URGENT_TODAY", ["HEM-06"]),
    row("hem06 two signs are two ambers (D14)", ctx(days=30),
        {"petechiae": True, "bleeding_gums": True}, "URGENT_NOW", ["HEM-06", "AGG-01"]),
    row("hem06 petechiae persist (D10)", ctx(days=31), {"petechiae": True}, "URGENT_TODAY",
        ["HEM-06"], history=[ago(1, petechiae=True)]),
    # -- HEM-07: possible anaemia ------------------------------------------------------------------
    row("hem07 dizzy on standing", ctx(days=40), {"dizziness": "on_standing"}, "URGENT_TODAY",
        ["HEM-07"]),
    row("hem07 breathless minimal exertion, new", ctx(days=40),
        {"breathlessness": "minimal_exertion"}, "URGENT_NOW", ["HEM-07", "GEN-09"]),
    row("hem07 silent for usual breathlessness",
        ctx(days=40, baseline={"breathlessness": "minimal_exertion"}),
        {"breathlessness": "minimal_exertion"}, "NONE", ["GEN-11"], ["HEM-07", "GEN-09"]),
    row("hem07 fatigue limits self-care is one amber", ctx(days=40),
        {"fatigue": "limits_self_care"}, "URGENT_TODAY", ["HEM-07", "GEN-07"], ["AGG-01"]),
    row("hem07 dizziness and fatigue two ambers", ctx(days=40),
        {"fatigue": "limits_self_care", "dizziness": "on_standing"}, "URGENT_NOW",
        ["HEM-07", "GEN-07", "AGG-01"]),
    # -- INF-01 / IR-03: fever windows -------------------------------------------------------------
    row("inf01 silent CAR-T day 14", ctx(days=14), {"temperature_c": 38.0}, "URGENT_NOW",
        ["CRS-01"], ["INF-01"]),
    row("inf01 CIK at 24 h is IR-03", ctx("CIK", 1, hours=24), {"temperature_c": 38.2},
        "URGENT_NOW", ["IR-03"], ["INF-01"], cats=("ALLERGIC",)),
    row("inf01 CIK at 25 h", ctx("CIK", 1, hours=25), {"temperature_c": 38.2}, "URGENT_NOW",
        ["INF-01"], ["IR-03"], cats=("INFECTION",)),
    row("inf01 CIK day 1 hour unknown: both", ctx("CIK", 1), {"temperature_c": 38.2}, "URGENT_NOW",
        ["INF-01", "IR-03"]),
    row("inf01 OTHER product", ctx("OTHER", 3), {"temperature_c": 38.2}, "URGENT_NOW", ["INF-01"]),
    # -- INF-02: localised infection, new diarrhoea (D11) ------------------------------------------
    row("inf02 productive cough", ctx(days=40), {"productive_cough": True}, "URGENT_TODAY",
        ["INF-02"]),
    row("inf02 line site", ctx(days=40), {"line_site_redness": True}, "URGENT_TODAY", ["INF-02"]),
    row("inf02 cough and sore throat: two ambers", ctx(days=40),
        {"productive_cough": True, "sore_throat": True}, "URGENT_NOW", ["INF-02", "AGG-01"]),
    row("inf02 burning urine with fever still named", ctx(days=40),
        {"burning_urination": True, "temperature_c": 38.4}, "URGENT_NOW", ["INF-02", "INF-01"]),
    row("inf02 3 new loose stools", ctx(days=40), {"loose_stools_24h": 3}, "URGENT_TODAY",
        ["INF-02", "GEN-01"]),
    row("inf02 silent for 2 stools", ctx(days=40), {"loose_stools_24h": 2}, "ROUTINE", ["GEN-01"],
        ["INF-02"]),
    row("inf02 silent at baseline 3", ctx(days=40, baseline={"loose_stools_per_day": 3}),
        {"loose_stools_24h": 3}, "NONE", [], ["INF-02", "GEN-01"]),
    row("inf02 silent when already in the previous report",
        ctx(days=40, baseline={"loose_stools_per_day": 1}), {"loose_stools_24h": 4}, "ROUTINE",
        ["GEN-01"], ["INF-02"], history=[ago(1, loose_stools_24h=4)]),
    row("inf02 new after a quiet previous report",
        ctx(days=40, baseline={"loose_stools_per_day": 1}), {"loose_stools_24h": 4}, "URGENT_TODAY",
        ["GEN-01", "INF-02"], history=[ago(1, loose_stools_24h=1)]),
    # -- INF-03: sepsis pattern (NEWS2) ------------------------------------------------------------
    row("inf03 fever rr 25", ctx(days=40), {"temperature_c": 38.2, "respiratory_rate": 25},
        "EMERGENCY", ["INF-03", "GEN-25"]),
    row("inf03 silent rr 24", ctx(days=40), {"temperature_c": 38.2, "respiratory_rate": 24},
        "URGENT_NOW", ["INF-01"], ["INF-03", "GEN-25"]),
    row("inf03 fever rr 8 (D15d)", ctx(days=40), {"temperature_c": 38.2, "respiratory_rate": 8},
        "EMERGENCY", ["INF-03", "GEN-25"]),
    row("inf03 36.0 with hr 131", ctx(days=40), {"temperature_c": 36.0, "heart_rate": 131},
        "EMERGENCY", ["INF-03", "GEN-21"]),
    row("inf03 silent 36.0 with hr 130", ctx(days=40), {"temperature_c": 36.0, "heart_rate": 130},
        "URGENT_TODAY", ["GEN-21"], ["INF-03"]),
    row("inf03 silent 36.1 with hr 131", ctx(days=40), {"temperature_c": 36.1, "heart_rate": 131},
        "URGENT_TODAY", ["GEN-21"], ["INF-03"]),
    row("inf03 fever spo2 91", ctx(days=40), {"temperature_c": 38.0, "spo2": 91}, "EMERGENCY",
        ["INF-03", "CRS-03", "GEN-17"]),
    row("inf03 36.0 and 35.0", ctx(days=40), {"temperature_c": 35.0}, "EMERGENCY",
        ["INF-03", "HEM-04"]),
    # -- INF-04: rigors ----------------------------------------------------------------------------
    row("inf04 rigors at 37.0", ctx(days=40), {"temperature_c": 37.0, "chills": "rigors"},
        "URGENT_NOW", ["INF-04"], ["CRS-06b", "CRS-06"], cats=("INFECTION",)),
    row("inf04 rigors without reading", ctx(days=40), {"chills": "rigors"}, "URGENT_NOW",
        ["INF-04", "CRS-06"]),
    # -- GVHD (D2) ---------------------------------------------------------------------------------
    row("gvhd01 rash 50 %", dli(), {"rash_bsa_percent": 50}, "URGENT_TODAY", ["GVHD-01"],
        ["GVHD-02", "GEN-13", "GEN-14"]),
    row("gvhd02 rash 50.1 %", dli(), {"rash_bsa_percent": 50.1}, "URGENT_NOW", ["GVHD-02"],
        ["GVHD-01"]),
    row("gvhd01 small rash 2 %", dli(), {"rash_bsa_percent": 2}, "URGENT_TODAY", ["GVHD-01"],
        ["GEN-12"]),
    row("gvhd needs allogeneic exposure", ctx(days=40), {"rash_bsa_percent": 20}, "URGENT_TODAY",
        ["GEN-13"], ["GVHD-01"], no_cats=("GVHD",)),
    row("gvhd after prior allo transplant", ctx(days=40, prior_allo=True), {"rash_bsa_percent": 20},
        "URGENT_TODAY", ["GVHD-01"], ["GEN-13"]),
    row("gvhd after allogeneic NK", ctx("NK", 30, source="allogeneic"), {"rash_bsa_percent": 20},
        "URGENT_TODAY", ["GVHD-01"], ["GEN-13"]),
    row("gvhd03 blisters", dli(), {"rash_bsa_percent": 20, "rash_blisters": True}, "EMERGENCY",
        ["GVHD-03"], ["GVHD-01", "GEN-14"]),
    row("gvhd03 mucosal sores", dli(), {"mucosal_sores": True}, "EMERGENCY", ["GVHD-03"],
        ["GEN-24"]),
    row("gvhd03 rash with fever", dli(), {"rash_bsa_percent": 5, "temperature_c": 38.1},
        "EMERGENCY", ["GVHD-03", "GVHD-01", "INF-01"]),
    row("gvhd04 3 stools", dli(), {"loose_stools_24h": 3}, "URGENT_TODAY", ["GVHD-04", "INF-02"],
        ["GEN-01", "AGG-01"]),
    row("gvhd04 4 stools", dli(), {"loose_stools_24h": 4}, "URGENT_TODAY", ["GVHD-04"],
        ["GVHD-05", "GEN-02"]),
    row("gvhd04 silent 2 stools", dli(), {"loose_stools_24h": 2}, "NONE", [],
        ["GVHD-04", "GEN-01"]),
    row("gvhd05 5 stools", dli(), {"loose_stools_24h": 5}, "URGENT_NOW", ["GVHD-05"], ["GVHD-04"]),
    row("gvhd05 absolute count, baseline ignored", dli(baseline={"loose_stools_per_day": 3}),
        {"loose_stools_24h": 5}, "URGENT_NOW", ["GVHD-05"], ["INF-02"],
        history=[ago(1, loose_stools_24h=4)]),
    row("gvhd06 bloody stool", dli(), {"stool_blood": True}, "EMERGENCY", ["GVHD-06", "HEM-05"]),
    row("gvhd06 severe abdominal pain", dli(), {"abdominal_pain": "severe"}, "EMERGENCY",
        ["GVHD-06", "GEN-22"]),
    row("gvhd06 silent moderate pain", dli(), {"abdominal_pain": "moderate"}, "URGENT_TODAY",
        ["GEN-22"], ["GVHD-06"]),
    row("gvhd07 nausea three days", dli(), {"nausea": "appetite_loss"}, "URGENT_TODAY", ["GVHD-07"],
        history=[ago(1, nausea="appetite_loss"), ago(2, vomiting_episodes_24h=1)]),
    row("gvhd07 silent two days", dli(), {"nausea": "appetite_loss"}, "NONE", [], ["GVHD-07"],
        history=[ago(1, nausea="appetite_loss"), ago(2, nausea="none")]),
    row("gvhd07 a day without report does not break", dli(), {"nausea": "appetite_loss"},
        "URGENT_TODAY", ["GVHD-07"], history=[ago(2, nausea="appetite_loss")]),
    row("gvhd07 two days without report break", dli(), {"nausea": "appetite_loss"}, "NONE", [],
        ["GVHD-07"], history=[ago(3, nausea="appetite_loss")]),
    row("gvhd07 needs allogeneic exposure", ctx(days=40), {"nausea": "appetite_loss"}, "NONE", [],
        ["GVHD-07"], history=[ago(1, nausea="appetite_loss"), ago(2, nausea="appetite_loss")]),
    row("gvhd07 with reduced intake is one amber", dli(), {"nausea": "reduced_intake"},
        "URGENT_TODAY", ["GVHD-07", "GEN-05"], ["AGG-01"],
        history=[ago(1, nausea="reduced_intake"), ago(2, nausea="appetite_loss")]),
    row("gvhd08 jaundice", dli(), {"jaundice": True}, "URGENT_TODAY", ["GVHD-08"], ["GEN-20"]),
    row("gvhd09 rash and dizziness", dli(), {"rash_bsa_percent": 20, "dizziness": "on_standing"},
        "EMERGENCY", ["GVHD-09", "GVHD-01", "HEM-07"]),
    row("gvhd09 stools and sbp 89", dli(), {"loose_stools_24h": 6, "systolic_bp": 89}, "EMERGENCY",
        ["GVHD-09", "GVHD-05", "GEN-19"]),
    row("gvhd09 silent at sbp 90", dli(), {"loose_stools_24h": 6, "systolic_bp": 90}, "URGENT_NOW",
        ["GVHD-05"], ["GVHD-09"]),
    # -- IR-01: anaphylaxis (D12, D15c) ------------------------------------------------------------
    row("ir01 airway swelling any time", ctx(days=60), {"airway_swelling": True}, "EMERGENCY",
        ["IR-01"], cats=("ALLERGIC",)),
    row("ir01 wheeze at 72 h", ctx("CIK", 3, hours=72), {"wheeze": True}, "EMERGENCY", ["IR-01"],
        ["GEN-18"]),
    row("gen18 wheeze at 73 h", ctx("CIK", 3, hours=73), {"wheeze": True}, "URGENT_NOW", ["GEN-18"],
        ["IR-01"]),
    row("ir01 and gen18 day 3 hour unknown", ctx("CIK", 3), {"wheeze": True}, "EMERGENCY",
        ["IR-01", "GEN-18"]),
    row("gen18 day 4 hour unknown", ctx("CIK", 4), {"wheeze": True}, "URGENT_NOW", ["GEN-18"],
        ["IR-01"]),
    row("ir01 fainted at 10 h", ctx("TIL", 0, hours=10), {"dizziness": "fainted"}, "EMERGENCY",
        ["IR-01", "GEN-19"]),
    row("ir01 sbp 89 at 48 h", ctx("NK", 2, hours=48), {"systolic_bp": 89}, "EMERGENCY",
        ["IR-01", "GEN-19"]),
    row("ir01 30 % below baseline at 48 h", ctx("NK", 2, hours=48, baseline={"systolic_bp": 140}),
        {"systolic_bp": 98}, "EMERGENCY", ["IR-01", "GEN-19"]),
    row("ir01 hives and vomiting at 30 h", ctx("CIK", 1, hours=30),
        {"hives": "local", "vomiting_episodes_24h": 1}, "EMERGENCY", ["IR-01"]),
    row("ir01 hives and moderate pain at 30 h", ctx("CIK", 1, hours=30),
        {"hives": "local", "abdominal_pain": "moderate"}, "EMERGENCY", ["IR-01"]),
    row("ir01 silent hives and mild pain at 30 h", ctx("CIK", 1, hours=30),
        {"hives": "local", "abdominal_pain": "mild"}, "ROUTINE", ["IR-05", "GEN-22"], ["IR-01"]),
    row("ir01 silent hives and vomiting on day 10", ctx("CIK", 10),
        {"hives": "widespread", "vomiting_episodes_24h": 1}, "URGENT_TODAY", ["IR-06", "GEN-23"],
        ["IR-01", "AGG-01"]),
    row("ir01 hives and wheeze any time (D12)", ctx(days=20),
        {"hives": "widespread", "wheeze": True}, "EMERGENCY", ["IR-01", "GEN-18", "IR-06"]),
    row("ir01 flushing and breathless at rest any time", ctx(days=20),
        {"flushing": True, "breathlessness": "at_rest"}, "EMERGENCY", ["IR-01", "GEN-08"]),
    row("ir01 flushing with sbp 85 any time (D15c)", ctx(days=20),
        {"flushing": True, "systolic_bp": 85}, "EMERGENCY", ["IR-01", "GEN-19"]),
    row("ir01 hives with fainting any time", ctx(days=20),
        {"hives": "local", "dizziness": "fainted"}, "EMERGENCY", ["IR-01"]),
    row("ir01 silent itching with wheeze late", ctx(days=20), {"itching": True, "wheeze": True},
        "URGENT_NOW", ["GEN-18", "IR-05"], ["IR-01"]),
    # -- IR-02 / IR-05 / IR-06: skin reactions by window -------------------------------------------
    row("ir02 local hives at 24 h", ctx("CIK", 1, hours=24), {"hives": "local"}, "URGENT_NOW",
        ["IR-02"], ["IR-05", "IR-06"]),
    row("ir05 local hives at 25 h", ctx("CIK", 1, hours=25), {"hives": "local"}, "ROUTINE",
        ["IR-05"], ["IR-02"]),
    row("ir02 flushing at 24 h", ctx("CIK", 1, hours=24), {"flushing": True}, "URGENT_NOW",
        ["IR-02"], ["IR-05"]),
    row("ir05 flushing at 25 h", ctx("CIK", 1, hours=25), {"flushing": True}, "ROUTINE", ["IR-05"],
        ["IR-02"]),
    row("ir06 widespread hives at 25 h", ctx("CIK", 1, hours=25), {"hives": "widespread"},
        "URGENT_TODAY", ["IR-06"], ["IR-02"]),
    row("ir02 widespread hives at 24 h", ctx("CIK", 1, hours=24), {"hives": "widespread"},
        "URGENT_NOW", ["IR-02"], ["IR-06"]),
    row("ir05 itching alone", ctx(days=10), {"itching": True}, "ROUTINE", ["IR-05"]),
    row("ir05 itching alone within 24 h", ctx("NK", 0, hours=3), {"itching": True}, "ROUTINE",
        ["IR-05"], ["IR-02"]),
    # -- IR-03: infusion-day symptoms --------------------------------------------------------------
    row("ir03 mild headache at 3 h after CIK", ctx("CIK", 0, hours=3), {"headache": "mild"},
        "URGENT_NOW", ["IR-03", "GEN-16"]),
    row("ir03 silent at 25 h", ctx("CIK", 1, hours=25), {"headache": "mild"}, "ROUTINE", ["GEN-16"],
        ["IR-03"]),
    row("ir03 nausea on CAR-T infusion day", ctx(days=0, hours=10), {"nausea": "appetite_loss"},
        "URGENT_NOW", ["IR-03"]),
    row("ir03 chills within 24 h", ctx("NK", 0, hours=2),
        {"chills": "shivering", "temperature_c": 37.4}, "URGENT_NOW", ["IR-03", "CRS-06b"]),
    # -- IR-04: back after improving, within 72 h --------------------------------------------------
    row("ir04 hives back", ctx("CIK", 2, hours=50), {"hives": "local"}, "URGENT_NOW",
        ["IR-04", "IR-05"], history=[ago(0, hives="none"), ago(1, hives="widespread")]),
    row("ir04 silent while still improving", ctx("CIK", 2, hours=50), {"hives": "none"}, "ROUTINE",
        ["AGG-04"], ["IR-04"], history=[ago(0, hives="local"), ago(1, hives="widespread")]),
    row("ir04 fever back", ctx("NK", 2, hours=40), {"temperature_c": 38.3}, "URGENT_NOW",
        ["IR-04", "INF-01"], history=[ago(0, temperature_c=36.9), ago(1, temperature_c=38.6)]),
    row("ir04 silent after 72 h", ctx("NK", 4, hours=80), {"temperature_c": 38.3}, "URGENT_NOW",
        ["INF-01"], ["IR-04"], history=[ago(1, temperature_c=36.9), ago(2, temperature_c=38.6)]),
    row("ir04 missing is not improvement", ctx("CIK", 2, hours=50), {"hives": "local"}, "ROUTINE",
        ["IR-05"], ["IR-04"], history=[ago(0, temperature_c=36.8), ago(1, hives="widespread")]),
    # -- GEN-01..04: diarrhoea over baseline, no allogeneic exposure -------------------------------
    row("gen01 1 over baseline", ctx(days=40, baseline={"loose_stools_per_day": 1}),
        {"loose_stools_24h": 2}, "ROUTINE", ["GEN-01"]),
    row("gen01 3 over baseline, known diarrhoea",
        ctx(days=40, baseline={"loose_stools_per_day": 1}), {"loose_stools_24h": 4}, "ROUTINE",
        ["GEN-01"], ["GEN-02", "INF-02"], history=[ago(1, loose_stools_24h=3)]),
    row("gen02 4 over baseline", ctx(days=40, baseline={"loose_stools_per_day": 1}),
        {"loose_stools_24h": 5}, "URGENT_TODAY", ["GEN-02"], ["GEN-01", "AGG-01"],
        history=[ago(1, loose_stools_24h=4)]),
    row("gen02 missing baseline counts as 0", ctx(days=40), {"loose_stools_24h": 4}, "URGENT_TODAY",
        ["GEN-02", "INF-02"], ["AGG-01"]),
    row("gen02 6 over baseline", ctx(days=40, baseline={"loose_stools_per_day": 1}),
        {"loose_stools_24h": 7}, "URGENT_TODAY", ["GEN-02"], ["GEN-03"],
        history=[ago(1, loose_stools_24h=7)]),
    row("gen03 7 over baseline", ctx(days=40, baseline={"loose_stools_per_day": 1}),
        {"loose_stools_24h": 8}, "URGENT_NOW", ["GEN-03"], ["GEN-02"]),
    row("gen03 4 over with fluids not kept down", ctx(days=40),
        {"loose_stools_24h": 4, "nausea": "unable_to_keep_fluids"}, "URGENT_NOW",
        ["GEN-03", "GEN-06"]),
    row("gen03 4 over with dizziness", ctx(days=40),
        {"loose_stools_24h": 4, "dizziness": "on_standing"}, "URGENT_NOW", ["GEN-03", "HEM-07"]),
    row("gen03 silent 3 over with dizziness", ctx(days=40),
        {"loose_stools_24h": 3, "dizziness": "on_standing"}, "URGENT_NOW",
        ["GEN-01", "HEM-07", "INF-02", "AGG-01"], ["GEN-03"]),
    row("gen03 off with allogeneic exposure", dli(), {"loose_stools_24h": 9}, "URGENT_NOW",
        ["GVHD-05"], ["GEN-03", "GEN-02", "GEN-01"]),
    row("gen04 with sbp 89", ctx(days=40), {"loose_stools_24h": 8, "systolic_bp": 89}, "EMERGENCY",
        ["GEN-04", "GEN-03", "GEN-19"]),
    row("gen04 with confusion", ctx(days=40), {"loose_stools_24h": 8, "confusion": True},
        "EMERGENCY", ["GEN-04"]),
    row("gen04 silent without GEN-03", ctx(days=40), {"loose_stools_24h": 5, "systolic_bp": 89},
        "URGENT_NOW", ["GEN-19"], ["GEN-04"]),
    # -- GEN-05 / GEN-06 / GEN-23: nausea and vomiting ---------------------------------------------
    row("gen05 reduced intake", ctx(days=40), {"nausea": "reduced_intake"}, "URGENT_TODAY",
        ["GEN-05"]),
    row("gen05 appetite loss alone silent", ctx(days=40), {"nausea": "appetite_loss"}, "NONE", [],
        ["GEN-05"]),
    row("gen06 fluids not kept down", ctx(days=40), {"nausea": "unable_to_keep_fluids"},
        "URGENT_NOW", ["GEN-06"]),
    row("gen06 6 vomits", ctx(days=40), {"vomiting_episodes_24h": 6}, "URGENT_NOW",
        ["GEN-06", "GEN-23"]),
    row("gen23 5 vomits", ctx(days=40), {"vomiting_episodes_24h": 5}, "URGENT_TODAY", ["GEN-23"],
        ["GEN-06"]),
    row("gen23 3 vomits", ctx(days=40), {"vomiting_episodes_24h": 3}, "URGENT_TODAY", ["GEN-23"]),
    row("gen23 2 vomits", ctx(days=40), {"vomiting_episodes_24h": 2}, "ROUTINE", ["GEN-23"]),
    row("gen23 1 vomit", ctx(days=40), {"vomiting_episodes_24h": 1}, "ROUTINE", ["GEN-23"]),
    row("gen23 0 vomits", ctx(days=40), {"vomiting_episodes_24h": 0}, "NONE", [], ["GEN-23"]),
    row("nausea and vomiting are two ambers", ctx(days=40),
        {"nausea": "reduced_intake", "vomiting_episodes_24h": 3}, "URGENT_NOW",
        ["GEN-05", "GEN-23", "AGG-01"]),
    # -- GEN-07 / GEN-07a: fatigue (D5) ------------------------------------------------------------
    row("gen07 self-care", ctx(days=40), {"fatigue": "limits_self_care"}, "URGENT_TODAY",
        ["GEN-07"]),
    row("gen07 usual activities, new", ctx(days=40), {"fatigue": "limits_usual_activities"},
        "URGENT_TODAY", ["GEN-07"], ["GEN-07a"], history=[ago(1, fatigue="relieved_by_rest")]),
    row("gen07 usual activities, no history: new", ctx(days=40),
        {"fatigue": "limits_usual_activities"}, "URGENT_TODAY", ["GEN-07"], ["GEN-07a"]),
    row("gen07a usual activities unchanged", ctx(days=40), {"fatigue": "limits_usual_activities"},
        "ROUTINE", ["GEN-07a"], ["GEN-07"], history=[ago(1, fatigue="limits_usual_activities")]),
    row("gen07a relieved by rest", ctx(days=40), {"fatigue": "relieved_by_rest"}, "ROUTINE",
        ["GEN-07a"], ["GEN-07"]),
    # -- GEN-08..11: breathlessness against baseline (D15a) ----------------------------------------
    row("gen08 at rest", ctx(days=40), {"breathlessness": "at_rest"}, "URGENT_NOW", ["GEN-08"]),
    row("gen08 at rest also at baseline", ctx(days=40, baseline={"breathlessness": "at_rest"}),
        {"breathlessness": "at_rest"}, "URGENT_NOW", ["GEN-08"]),
    row("gen09 minimal, baseline moderate",
        ctx(days=40, baseline={"breathlessness": "moderate_exertion"}),
        {"breathlessness": "minimal_exertion"}, "URGENT_NOW", ["GEN-09", "HEM-07"], ["GEN-11"]),
    row("gen10 moderate, no baseline, persisting", ctx(days=40),
        {"breathlessness": "moderate_exertion"}, "URGENT_TODAY", ["GEN-10"],
        history=[ago(1, breathlessness="moderate_exertion")]),
    row("gen11 moderate as at baseline",
        ctx(days=40, baseline={"breathlessness": "moderate_exertion"}),
        {"breathlessness": "moderate_exertion"}, "NONE", ["GEN-11"], ["GEN-10"]),
    row("gen11 better than baseline", ctx(days=40, baseline={"breathlessness": "minimal_exertion"}),
        {"breathlessness": "moderate_exertion"}, "NONE", ["GEN-11"], ["GEN-10"]),
    # -- GEN-12..15, GEN-24: rash and sores without allogeneic exposure ----------------------------
    row("gen12 rash 9.9 %", ctx(days=40), {"rash_bsa_percent": 9.9}, "ROUTINE", ["GEN-12"],
        ["GEN-13"]),
    row("gen13 rash 10 %", ctx(days=40), {"rash_bsa_percent": 10}, "URGENT_TODAY", ["GEN-13"],
        ["GEN-12"]),
    row("gen12 silent with fever", ctx(days=40), {"rash_bsa_percent": 5, "temperature_c": 38.0},
        "URGENT_NOW", ["INF-01"], ["GEN-12"]),
    row("gen13 rash 30 % itchy", ctx(days=40), {"rash_bsa_percent": 30, "itching": True},
        "URGENT_TODAY", ["GEN-13"], ["GEN-14", "IR-05"]),
    row("gen14 rash 30.1 % itchy", ctx(days=40), {"rash_bsa_percent": 30.1, "itching": True},
        "URGENT_NOW", ["GEN-14", "GEN-13"]),
    row("gen13 rash 60 % not itchy (G2)", ctx(days=40), {"rash_bsa_percent": 60, "itching": False},
        "URGENT_TODAY", ["GEN-13"], ["GEN-14"]),
    row("gen14 blisters", ctx(days=40), {"rash_bsa_percent": 5, "rash_blisters": True},
        "URGENT_NOW", ["GEN-14"], ["GEN-12", "GEN-13"]),
    row("gen15 blisters sores fever", ctx(days=40),
        {"rash_bsa_percent": 20, "rash_blisters": True, "mucosal_sores": True,
         "temperature_c": 38.5},
        "EMERGENCY", ["GEN-15", "GEN-14", "GEN-24"]),
    row("gen15 silent without fever", ctx(days=40),
        {"rash_bsa_percent": 20, "rash_blisters": True, "mucosal_sores": True,
         "temperature_c": 37.0},
        "URGENT_NOW", ["GEN-14", "GEN-24"], ["GEN-15"]),
    row("gen24 mouth sores", ctx(days=40), {"mucosal_sores": True}, "URGENT_TODAY", ["GEN-24"]),
    # -- GEN-16 / GEN-22: headache and abdominal pain ----------------------------------------------
    row("gen16 mild", ctx(days=40), {"headache": "mild"}, "ROUTINE", ["GEN-16"]),
    row("gen16 moderate", ctx(days=40), {"headache": "moderate"}, "URGENT_TODAY", ["GEN-16"]),
    row("gen16 severe", ctx(days=40), {"headache": "severe"}, "URGENT_NOW", ["GEN-16"]),
    row("gen22 mild", ctx(days=40), {"abdominal_pain": "mild"}, "ROUTINE", ["GEN-22"]),
    row("gen22 moderate", ctx(days=40), {"abdominal_pain": "moderate"}, "URGENT_TODAY", ["GEN-22"]),
    row("gen22 severe", ctx(days=40), {"abdominal_pain": "severe"}, "URGENT_NOW", ["GEN-22"],
        ["GVHD-06"]),
    # -- GEN-17, GEN-19, GEN-20, GEN-25 ------------------------------------------------------------
    row("gen17 spo2 92 no fever", ctx(days=200), {"spo2": 92, "temperature_c": 36.5}, "EMERGENCY",
        ["GEN-17"], ["CRS-03"]),
    row("gen17 even at a low baseline (D13)", ctx(days=200, baseline={"spo2": 91}), {"spo2": 91},
        "EMERGENCY", ["GEN-17"], ["CRS-04"]),
    row("gen19 sbp 89 no fever", ctx(days=40), {"systolic_bp": 89, "temperature_c": 36.5},
        "URGENT_NOW", ["GEN-19"]),
    row("gen19 silent sbp 90", ctx(days=40), {"systolic_bp": 90, "temperature_c": 36.5}, "NONE", [],
        ["GEN-19"]),
    row("gen19 30 % below baseline", ctx(days=40, baseline={"systolic_bp": 140}),
        {"systolic_bp": 98}, "URGENT_NOW", ["GEN-19"]),
    row("gen19 silent 29 % below baseline", ctx(days=40, baseline={"systolic_bp": 140}),
        {"systolic_bp": 99}, "NONE", [], ["GEN-19"]),
    row("gen19 fainted", ctx(days=40), {"dizziness": "fainted"}, "URGENT_NOW", ["GEN-19"],
        ["IR-01"]),
    row("gen19 no temperature is not 'no fever' proof, still fires", ctx(days=40),
        {"systolic_bp": 85}, "URGENT_NOW", ["GEN-19"], ["CRS-02"]),
    row("gen20 jaundice autologous", ctx(days=40), {"jaundice": True}, "URGENT_TODAY", ["GEN-20"],
        ["GVHD-08"]),
    row("gen25 rr 25", ctx(days=40), {"respiratory_rate": 25}, "URGENT_NOW", ["GEN-25"]),
    row("gen25 silent rr 24", ctx(days=40), {"respiratory_rate": 24}, "NONE", [], ["GEN-25"]),
    row("gen25 rr 8", ctx(days=40), {"respiratory_rate": 8}, "URGENT_NOW", ["GEN-25"]),
    row("gen25 silent rr 9", ctx(days=40), {"respiratory_rate": 9}, "NONE", [], ["GEN-25"]),
    # -- AGG-01: two ambers within 24 h (D1, D14) --------------------------------------------------
    row("agg01 amber earlier today plus amber now", ctx(days=40), {"nausea": "reduced_intake"},
        "URGENT_NOW", ["GEN-05", "AGG-01"], history=[ago(0, headache="moderate")]),
    row("agg01 silent when the other amber was yesterday", ctx(days=40),
        {"nausea": "reduced_intake"}, "URGENT_TODAY", ["GEN-05"], ["AGG-01"],
        history=[ago(1, headache="moderate")]),
    row("agg01 same symptom twice is one amber (D1)", ctx(days=40), {"headache": "moderate"},
        "URGENT_TODAY", ["GEN-16"], ["AGG-01"], history=[ago(0, headache="moderate")]),
    row("agg01 diarrhoea GEN-02 and INF-02 count once (D1)", ctx(days=40), {"loose_stools_24h": 5},
        "URGENT_TODAY", ["GEN-02", "INF-02"], ["AGG-01"]),
    row("agg01 worried is an amber (D14)", ctx(days=40),
        {"concern": "worried", "nausea": "reduced_intake"}, "URGENT_NOW",
        ["AGG-05b", "GEN-05", "AGG-01"]),
    row("agg01 earlier red today counts as amber", ctx(days=40), {"nausea": "reduced_intake"},
        "URGENT_NOW", ["AGG-01"], history=[ago(0, temperature_c=38.4)]),
    # D16: look-back never alarms a quiet report, however alarming the earlier reports were.
    row("agg01 silent on a quiet report after two ambers today (D16)", CD19,
        {"temperature_c": 36.8, "concern": "none"}, "ROUTINE", ["AGG-04"], ["AGG-01", "AGG-05b"],
        history=[ago(0, headache="moderate", concern="worried")]),
    row("agg01 silent on a quiet report after a fever today (D16)", CD19,
        {"temperature_c": 36.8}, "ROUTINE", ["AGG-04"], ["AGG-01", "AGG-02", "CRS-01"],
        history=[ago(0, temperature_c=38.6), ago(0, temperature_c=38.9, headache="moderate")]),
    row("agg01 silent when this report has only a routine finding (D16)", ctx(days=40),
        {"headache": "mild"}, "ROUTINE", ["GEN-16"], ["AGG-01"],
        history=[ago(0, nausea="reduced_intake", concern="worried")]),
    # -- AGG-02: multi-system, CAR-T days 0–14 -----------------------------------------------------
    row("agg02 fever and moderate headache", ctx(days=5),
        {"temperature_c": 38.4, "headache": "moderate"}, "URGENT_NOW",
        ["AGG-02", "CRS-01", "GEN-16"], ["AGG-01"]),
    row("agg02 silent day 15", ctx(days=15), {"temperature_c": 38.4, "headache": "moderate"},
        "URGENT_NOW", ["CRS-01"], ["AGG-02"]),
    row("agg02 silent for one symptom", ctx(days=5), {"temperature_c": 38.4}, "URGENT_NOW",
        ["CRS-01", "HEM-01"], ["AGG-02"]),
    # -- AGG-03: worse by ≥ 2 grades (D5: not reported before = none) ------------------------------
    row("agg03 fatigue 1 → 3 is one amber", ctx(days=40), {"fatigue": "limits_self_care"},
        "URGENT_TODAY", ["AGG-03", "GEN-07", "HEM-07"], ["AGG-01"],
        history=[ago(1, fatigue="relieved_by_rest")]),
    row("agg03 silent for one grade", ctx(days=40), {"fatigue": "limits_self_care"}, "URGENT_TODAY",
        ["GEN-07"], ["AGG-03"], history=[ago(1, fatigue="limits_usual_activities")]),
    row("agg03 not reported before counts as none", ctx(days=40), {"headache": "moderate"},
        "URGENT_TODAY", ["AGG-03", "GEN-16"], ["AGG-01"], history=[ago(1, temperature_c=36.5)]),
    row("agg03 needs a previous report", ctx(days=40), {"headache": "moderate"}, "URGENT_TODAY",
        ["GEN-16"], ["AGG-03"]),
    row("agg03 widespread bruising from none", ctx(days=40), {"bruising": "widespread"},
        "URGENT_TODAY", ["AGG-03", "HEM-06"], ["AGG-01"], history=[ago(1, bruising="none")],
        cats=("HEMATOLOGIC",)),
    # -- AGG-04: improving (D7) --------------------------------------------------------------------
    row("agg04 fever gone", CD19, {"temperature_c": 37.0}, "ROUTINE", ["AGG-04"],
        history=[ago(1, temperature_c=38.5)], cats=("CRS",)),
    row("agg04 headache gone", ctx(days=40), {"headache": "none"}, "ROUTINE", ["AGG-04"],
        history=[ago(1, headache="moderate")]),
    row("agg04 silent while something still fires on it", ctx(days=40), {"headache": "mild"},
        "ROUTINE", ["GEN-16"], ["AGG-04"], history=[ago(1, headache="moderate")]),
    row("agg04 silent when nothing fired before", ctx(days=40), {"heart_rate": 80}, "NONE", [],
        ["AGG-04"], history=[ago(1, heart_rate=95)]),
    row("agg04 spo2 better", ctx(days=40), {"spo2": 97}, "ROUTINE", ["AGG-04"],
        history=[ago(1, spo2=93)]),
    row("agg04 never lowers", ctx(days=40), {"temperature_c": 37.0, "confusion": True},
        "URGENT_NOW", ["AGG-04", "NEU-06"], history=[ago(1, temperature_c=38.5, confusion=True)]),
    row("agg04 missing is not better", ctx(days=40), {"spo2": 97}, "NONE", [], ["AGG-04"],
        history=[ago(1, headache="moderate")]),
    # -- AGG-05 / AGG-05b --------------------------------------------------------------------------
    row("agg05 very unwell", ctx(days=40), {"concern": "very_unwell"}, "URGENT_NOW", ["AGG-05"],
        cats=("GENERAL",)),
    row("agg05b worried", ctx(days=40), {"concern": "worried"}, "URGENT_TODAY", ["AGG-05b"],
        ["AGG-01"], cats=("GENERAL",)),
    # -- P6: a normal-looking report with nothing measured is not triaged as fine ------------------
    row("all normal", CD19, dict(NORMAL, ice_score=10, alertness="alert"), "NONE", [], []),
]
# fmt: on


def test_rows_have_unique_names() -> None:
    names = [r.name for r in ROWS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("case", ROWS, ids=lambda r: r.name)
def test_rule_row(case: Row) -> None:
    data = {"context": case.context, "report": case.report, "history": list(case.history)}
    validate_case(json.loads(json.dumps(data)))  # contract shapes only, no typos
    result = assess(case.context, case.report, list(case.history))
    fired = {f.finding.rule for f in trace(Case(case.context, case.report, case.history))}
    details = [(f.rule, f.triage.name, f.why) for f in result.findings]
    assert result.triage.name == case.triage, details
    assert set(case.fires) <= fired, details
    assert not set(case.silent) & fired, details
    categories = {str(c) for c in result.categories}
    assert set(case.categories) <= categories, details
    assert not set(case.no_categories) & categories, details


def _vignette_rules() -> set[str]:
    fired = set()
    for path in sorted(VIGNETTES.glob("*.json")):
        data = json.loads(path.read_text())
        case = Case(data["context"], data["report"], tuple(data.get("history", ())))
        fired |= {f.finding.rule for f in trace(case)}
    return fired


def test_every_rule_fires_in_some_case() -> None:
    """The table above and the vignettes together make every rule of ``RULES`` fire."""
    fired = set(_vignette_rules())
    for case in ROWS:
        fired |= {r for r in case.fires}
    for case in ROWS:
        fired_here = {f.finding.rule for f in trace(Case(case.context, case.report, case.history))}
        assert set(case.fires) <= fired_here
    missing = {r.id for r in RULES} - fired
    assert not missing, f"rules no test case fires: {sorted(missing)}"


def test_every_yes_no_input_of_the_catalogue_is_graded_by_the_rules():
    """A new yes/no question must not slip past "better now" and "back again" (AGG-04, IR-04)."""
    from symptoms.catalogue import INPUTS
    from symptoms.rules import GRADES, QUIET, YES_NO_SIGNS

    yes_no = {code for code, item in INPUTS.items() if item.kind == "bool"}
    assert yes_no == {"antipyretic_last_6h", *YES_NO_SIGNS}
    assert all(QUIET[code] is False for code in yes_no)
    assert set(YES_NO_SIGNS) <= set(GRADES)
