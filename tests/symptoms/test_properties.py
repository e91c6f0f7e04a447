"""Properties of the engine over cases generated from the input catalogue (hypothesis).

(a) making one input clinically worse never lowers the triage; (b) adding a symptom never lowers it;
(c) no GVHD finding without allogeneic exposure; (d) every finding names a rule of the table, a
contract category and a source; (e) findings are empty exactly when the triage is NONE; (f) the
triage is the highest finding's; (g) history alone never makes a report urgent (D16). Plus:
assessing does not change its input, is deterministic, and the free-text note never changes the
triage.

A failure here is a rule gap to fix in ``symptoms/rules.py``, not a property to weaken.
"""

from __future__ import annotations

import copy
import os
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from symptoms.case import Case
from symptoms.catalogue import BASELINE, CONTEXT, INPUTS, LABS, SITE, Input, is_worse
from symptoms.engine import assess
from symptoms.levels import Category, Triage
from symptoms.rules import AGGREGATE, QUIET, QUIET_BANDS, RULES, trace
from symptoms.validation import validate_case

# PROPERTY_EXAMPLES=5000 for a longer hunt (for example nightly); 300 keeps the suite quick.
SETTINGS = settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "300")), deadline=None)
RULE_IDS = {row.id for row in RULES}
CATEGORIES = {str(c) for c in Category}
SYMPTOM_COUNTS = ("vomiting_episodes_24h", "loose_stools_24h", "rash_bsa_percent")


# -- Strategies built from the catalogue -----------------------------------------------------------


def tenths(low: float, high: float) -> st.SearchStrategy[float]:
    """Numbers with one decimal, as a patient would type them."""
    return st.integers(round(low * 10), round(high * 10)).map(lambda n: n / 10)


# Values near the rules' thresholds, drawn as often as values from the whole accepted range.
NEAR_THRESHOLDS = {
    "temperature_c": tenths(34.5, 40.0),
    "systolic_bp": st.integers(75, 135),
    "diastolic_bp": st.integers(45, 90),
    "heart_rate": st.integers(90, 140),
    "spo2": st.integers(88, 98),
    "respiratory_rate": st.integers(6, 28),
    "ice_score": st.integers(5, 10),
    "vomiting_episodes_24h": st.integers(0, 8),
    "loose_stools_24h": st.integers(0, 12),
    "rash_bsa_percent": tenths(0, 60),
}


def values(item: Input) -> st.SearchStrategy[Any]:
    if item.code in NEAR_THRESHOLDS:  # report inputs and baselines of the same name
        return st.one_of(NEAR_THRESHOLDS[item.code], whole_range(item))
    return whole_range(item)


def whole_range(item: Input) -> st.SearchStrategy[Any]:
    if item.kind == "bool":
        return st.booleans()
    if item.kind == "choice":
        return st.sampled_from(item.codes)
    if item.kind == "int":
        return st.integers(
            int(item.minimum), int(item.maximum if item.maximum is not None else 200)
        )
    if item.kind == "number":
        return tenths(item.minimum, item.maximum if item.maximum is not None else 200)
    if item.kind == "text":
        return st.text(max_size=30)
    raise AssertionError(item.kind)


def subset(catalogue: dict[str, Input], max_size: int) -> st.SearchStrategy[dict[str, Any]]:
    """A few keys of a catalogue with valid values: sparse, as real reports are."""
    codes = sorted(catalogue)
    return st.lists(st.sampled_from(codes), unique=True, max_size=max_size).flatmap(
        lambda keys: st.fixed_dictionaries({k: values(catalogue[k]) for k in keys})
    )


reports = subset(INPUTS, 8)
FEVER_SIGNS = (
    "chills",
    "feels_feverish",
    "breathlessness",
    "dizziness",
    "confusion",
    "concern",
    "fatigue",
    "headache",
)
# Small reports for (a): with many symptoms most cases are already EMERGENCY and prove little.
small_reports = st.lists(
    st.sampled_from(sorted(set(INPUTS) - {"note"})), unique=True, min_size=1, max_size=5
).flatmap(lambda keys: st.fixed_dictionaries({k: values(INPUTS[k]) for k in keys}))
# A measured temperature with some vital signs and fever symptoms: the CRS and sepsis rules.
vital_reports = st.fixed_dictionaries(
    {"temperature_c": values(INPUTS["temperature_c"])},
    optional={
        code: values(INPUTS[code])
        for code in (*(i.code for i in INPUTS.values() if i.group == "vitals"), *FEVER_SIGNS)
        if code != "temperature_c"
    },
)
non_empty_reports = st.one_of(small_reports, vital_reports)


@st.composite
def contexts(draw, allogeneic: bool | None = None) -> dict[str, Any]:
    product = draw(values(CONTEXT["product"]))
    cell_source = draw(values(CONTEXT["cell_source"]))
    prior = draw(st.booleans())
    if allogeneic is False:
        product = draw(st.sampled_from([c for c in CONTEXT["product"].codes if c != "DLI"]))
        cell_source, prior = "autologous", False
    elif allogeneic is True and not (product == "DLI" or cell_source == "allogeneic" or prior):
        cell_source = "allogeneic"
    days = draw(st.one_of(st.integers(0, 3), st.integers(0, 35), st.integers(0, 400)))
    context: dict[str, Any] = {
        "product": product,
        "cell_source": cell_source,
        "days_since_infusion": days,
    }
    optional = {
        "target": st.one_of(st.none(), values(CONTEXT["target"])),
        "prior_allogeneic_transplant": st.just(prior),
        "crs_treated": st.booleans(),
        "neutropenia_expected": st.booleans(),
        "hours_since_infusion": st.one_of(
            st.none(), tenths(max(0, (days - 1) * 24), (days + 1) * 24)
        ),
        "labs": subset(LABS, 3),
        "baseline": subset(BASELINE, 6),
        "site": subset(SITE, 1),
    }
    for key in draw(st.lists(st.sampled_from(sorted(optional)), unique=True)):
        context[key] = draw(optional[key])
    if prior:
        context["prior_allogeneic_transplant"] = True
    return context


@st.composite
def histories(draw) -> list[dict[str, Any]]:
    steps = draw(st.lists(st.integers(0, 3), max_size=3))
    history, days_ago = [], 0
    for step in steps:
        days_ago += step
        history.append({"days_ago": days_ago, "report": draw(subset(INPUTS, 5))})
    return history


def cases(report_strategy=reports, allogeneic: bool | None = None):
    return st.tuples(contexts(allogeneic), report_strategy, histories())


def checked(context, report, history):
    """Generated cases must be valid by the catalogue: the strategies and validation agree."""
    validate_case({"context": context, "report": report, "history": history})
    return assess(context, report, history)


def allogeneic_exposure(context) -> bool:
    return bool(
        context.get("cell_source") == "allogeneic"
        or context.get("product") == "DLI"
        or context.get("prior_allogeneic_transplant")
    )


def worse_values(item: Input, old: Any) -> st.SearchStrategy[Any] | None:
    """Every value of ``item`` that ``is_worse`` than ``old``, or None if there is none."""
    if item.kind == "bool":
        return st.just(True) if old is False else None
    if item.kind == "choice":
        later = item.codes[item.codes.index(old) + 1 :]
        return st.sampled_from(later) if later else None
    if item.kind not in ("int", "number"):
        return None
    step = 1 if item.kind == "int" else 0.1
    make = st.integers if item.kind == "int" else tenths
    low, high = item.minimum, item.maximum
    up = make(old + step, high) if old + step <= high else None
    down = make(low, old - step) if old - step >= low else None
    if item.worse == "higher":
        return up
    if item.worse == "lower":
        return down
    band_low, band_high = item.normal
    if old > band_high:
        return up
    if old < band_low:
        return down
    outside_up = make(band_high + step, high) if band_high + step <= high else None
    outside_down = make(low, band_low - step) if band_low - step >= low else None
    options = [s for s in (outside_up, outside_down) if s is not None]
    return st.one_of(options) if options else None


def describe(result) -> str:
    return f"{result.triage.name} {[(f.rule, f.triage.name) for f in result.findings]}"


# -- (a) worse is never lower ----------------------------------------------------------------------


@SETTINGS
@given(case=cases(non_empty_reports), data=st.data())
def test_a_making_one_input_worse_never_lowers_the_triage(case, data):
    context, report, history = case
    candidates = [
        code for code in sorted(report) if worse_values(INPUTS[code], report[code]) is not None
    ]
    if not candidates:
        return
    code = data.draw(st.sampled_from(candidates), label="input")
    new = data.draw(worse_values(INPUTS[code], report[code]), label="worse value")
    assert is_worse(code, report[code], new)
    before = checked(context, report, history)
    after = checked(context, {**report, code: new}, history)
    assert after.triage >= before.triage, (
        f"{code}: {report[code]!r} -> {new!r} lowered {describe(before)} to {describe(after)}"
    )


@SETTINGS
@given(case=cases(), data=st.data())
def test_a_worse_team_values_never_lower_the_triage(case, data):
    """Lower blood counts, CRS treatment given or neutropenia expected never lower the triage."""
    context, report, history = case
    change = data.draw(st.sampled_from(["anc", "platelets", "hemoglobin", "crs", "neutropenia"]))
    worse = copy.deepcopy(context)
    if change in LABS:
        old = context.get("labs", {}).get(change)
        if old is None or old <= LABS[change].minimum:
            return
        worse["labs"][change] = data.draw(tenths(LABS[change].minimum, old - 0.1))
    else:
        key = "crs_treated" if change == "crs" else "neutropenia_expected"
        if context.get(key):
            return
        worse[key] = True
    before = checked(context, report, history)
    after = checked(worse, report, history)
    assert after.triage >= before.triage, (
        f"context {change}: {describe(before)} -> {describe(after)}"
    )


# -- (b) adding a symptom is never lower -----------------------------------------------------------


def added_symptoms(report) -> list[str]:
    """Symptom inputs the report does not yet have, or has at their least severe answer."""
    codes = []
    for code, item in INPUTS.items():
        if item.kind in ("bool", "choice"):
            if code not in report or report[code] in (False, item.codes[0] if item.codes else None):
                codes.append(code)
        elif code in SYMPTOM_COUNTS and not report.get(code):
            codes.append(code)
    return codes


def symptom_values(item: Input) -> st.SearchStrategy[Any]:
    if item.kind == "bool":
        return st.just(True)
    if item.kind == "choice":
        return st.sampled_from(item.codes[1:])
    return values(item).filter(lambda v: v > 0)


@SETTINGS
@given(case=cases(), data=st.data())
def test_b_adding_a_symptom_never_lowers_the_triage(case, data):
    context, report, history = case
    code = data.draw(st.sampled_from(added_symptoms(report)), label="symptom")
    value = data.draw(symptom_values(INPUTS[code]), label="value")
    before = checked(context, report, history)
    after = checked(context, {**report, code: value}, history)
    assert after.triage >= before.triage, (
        f"adding {code}={value!r} lowered {describe(before)} to {describe(after)}"
    )


# -- (c) GVHD only with allogeneic exposure --------------------------------------------------------


@SETTINGS
@given(case=cases())
def test_c_gvhd_never_without_allogeneic_exposure(case):
    context, report, history = case
    result = checked(context, report, history)
    if not allogeneic_exposure(context):
        assert Category.GVHD not in {f.category for f in result.findings}, describe(result)


GVHD_SIGNS = st.fixed_dictionaries(
    {},
    optional={
        "rash_bsa_percent": tenths(0, 100),
        "rash_blisters": st.booleans(),
        "mucosal_sores": st.booleans(),
        "loose_stools_24h": st.integers(0, 40),
        "stool_blood": st.booleans(),
        "abdominal_pain": values(INPUTS["abdominal_pain"]),
        "nausea": values(INPUTS["nausea"]),
        "jaundice": st.booleans(),
        "temperature_c": tenths(35.0, 41.0),
        "dizziness": values(INPUTS["dizziness"]),
    },
)


@SETTINGS
@given(case=cases(GVHD_SIGNS, allogeneic=False))
def test_c_gvhd_signs_without_exposure_are_never_called_gvhd(case):
    context, report, history = case
    result = checked(context, report, history)
    assert Category.GVHD not in {f.category for f in result.findings}, describe(result)


# -- (d), (e), (f) well-formed assessments ---------------------------------------------------------


@SETTINGS
@given(case=cases())
def test_d_e_f_every_assessment_is_well_formed(case):
    context, report, history = case
    result = checked(context, report, history)
    for finding in result.findings:
        assert finding.rule in RULE_IDS, finding
        assert str(finding.category) in CATEGORIES, finding
        assert finding.sources and all(finding.sources), finding
        assert isinstance(finding.triage, Triage), finding
    # (e) findings are empty exactly when the triage is NONE
    assert (not result.findings) == (result.triage == Triage.NONE), describe(result)
    # (f) the triage is the highest finding's
    assert result.triage == max((f.triage for f in result.findings), default=Triage.NONE)
    assert result.as_dict()["triage"] == result.triage.name


@SETTINGS
@given(case=cases(), note=st.text(max_size=200))
def test_assessment_is_pure_and_the_note_never_changes_the_triage(case, note):
    context, report, history = case
    frozen = copy.deepcopy((context, report, history))
    first = checked(context, report, history)
    assert (context, report, history) == frozen
    assert assess(context, report, history) == first
    with_note = assess(context, {**report, "note": note}, history)
    assert with_note.triage == first.triage


# -- (g) D16: look-back never alarms a quiet report ------------------------------------------------

STAGE = {row.id: row.stage for row in RULES}


@st.composite
def alarming_histories(draw) -> list[dict[str, Any]]:
    """Earlier reports, many of them today, full of fevers and ambers: the look-back's worst."""
    steps = draw(st.lists(st.integers(0, 1), min_size=1, max_size=4))
    history, days_ago = [], 0
    for step in steps:
        days_ago += step
        history.append({"days_ago": days_ago, "report": draw(non_empty_reports)})
    return history


def own_triage(context, report, history) -> Triage:
    """The highest level of the report's own findings: the rules about its own answers (stages 1
    and 2, which may read the history for "new" or "worse"), without the aggregate look-back."""
    fired = trace(Case(context, report, history))
    own = [f.finding.triage for f in fired if STAGE[f.finding.rule] != AGGREGATE]
    return max(own, default=Triage.NONE)


@SETTINGS
@given(context=contexts(), report=small_reports, history=alarming_histories())
def test_g_history_never_raises_a_report_without_an_amber_of_its_own(context, report, history):
    result = checked(context, report, history)
    assume(own_triage(context, report, history) < Triage.URGENT_TODAY)
    assert result.triage <= Triage.ROUTINE, describe(result)


def quiet_value(item: Input) -> st.SearchStrategy[Any]:
    if item.code in QUIET:
        return st.just(QUIET[item.code])
    band = QUIET_BANDS[item.code]
    probe = Case({"product": "CAR-T", "days_since_infusion": 3}, {}, ())
    return values(item).filter(lambda value: band(value, probe))


# A quiet check-in: every answer given says "nothing wrong" (vital signs inside their quiet bands).
quiet_reports = st.lists(
    st.sampled_from(sorted(set(QUIET) | set(QUIET_BANDS) - {"note"})),
    unique=True,
    max_size=8,
).flatmap(lambda keys: st.fixed_dictionaries({k: quiet_value(INPUTS[k]) for k in keys}))


@SETTINGS
@given(context=contexts(), report=quiet_reports, history=alarming_histories())
def test_g_a_quiet_check_in_after_any_history_is_at_most_routine(context, report, history):
    """The loop's false alarm: a fever flag resolved, then 36.8 °C and nothing new."""
    case = Case(context, report, ())
    assume(
        all(QUIET_BANDS[code](value, case) for code, value in report.items() if code in QUIET_BANDS)
    )
    result = checked(context, report, history)
    assert result.triage <= Triage.ROUTINE, describe(result)
    assert all(f.rule == "AGG-04" for f in result.findings), describe(result)
