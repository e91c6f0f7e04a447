"""The nurse's sentences for findings (symptoms.describe): values, units, limits and words."""

import pytest
from django.utils import translation

from symptoms import Triage, assess
from symptoms.describe import describe, limit, reading, sentence

CAR_T_DAY_3 = {"product": "CAR-T", "days_since_infusion": 3, "cell_source": "autologous"}


@pytest.mark.parametrize(
    ("code", "value", "context", "shown"),
    [
        ("temperature_c", 38.6, {}, "≥ 38.0"),
        ("temperature_c", 37.6, {"site": {"fever_threshold_c": 37.5}}, "≥ 37.5"),
        ("temperature_c", 37.2, {}, ""),
        ("temperature_c", 36.0, {}, "≤ 36.0"),
        ("temperature_c", 34.9, {}, "≤ 35.0"),
        ("spo2", 92, {}, "≤ 92"),
        ("spo2", 94, {}, "≤ 94"),
        ("spo2", 95, {}, ""),
        ("systolic_bp", 89, {}, "< 90"),
        ("heart_rate", 121, {}, "> 120"),
        ("ice_score", 10, {}, ""),
        ("ice_score", 6, {}, "≤ 6"),
    ],
)
def test_a_reading_names_the_rule_limit_it_is_past(code, value, context, shown):
    assert limit(code, value, context) == shown


def test_a_fever_reads_with_value_limit_chills_and_day():
    answers = {"temperature_c": 38.6, "chills": "shivering"}
    findings = assess(CAR_T_DAY_3, answers).as_dict()["findings"]
    crs = next(f for f in findings if f["rule"] == "CRS-01")
    assert (
        sentence(crs, answers, CAR_T_DAY_3)
        == "Temperature 38.6 °C (≥ 38.0), Chills: shivering on day 3 after CAR-T"
    )
    with translation.override("es"):
        assert (
            sentence(crs, answers, CAR_T_DAY_3)
            == "Temperatura 38,6 °C (≥ 38,0), Escalofríos: tiritona el día 3 después de CAR-T"
        )


def test_findings_that_read_the_same_share_one_line_with_both_rules():
    answers = {"temperature_c": 38.6}
    context = {**CAR_T_DAY_3, "days_since_infusion": 20}  # CRS-01 and INF-01 both fire
    findings = assess(context, answers).as_dict()["findings"]
    reasons = describe(findings, answers, context)
    fever = [r for r in reasons if "CRS-01" in r.rules]
    assert len(fever) == 1
    assert set(fever[0].rules) >= {"CRS-01", "INF-01"}
    assert {"Cytokine release syndrome (CRS)", "Infection"} <= set(fever[0].categories)
    assert fever[0].level == Triage.URGENT_NOW
    assert "temperature 38.6 °C ≥ 38.0 °C" in fever[0].detail  # the engine's own reason


def test_a_finding_of_a_rule_no_longer_in_the_table_keeps_its_stored_reason():
    old = {
        "rule": "OLD-99",
        "category": "GENERAL",
        "grade": "",
        "triage": "ROUTINE",
        "why": "a retired rule",
        "sources": [],
    }
    assert sentence(old, {}, {}) == "a retired rule"


def test_a_sign_that_is_present_reads_as_its_name_and_a_count_with_its_unit():
    assert reading("confusion", True).name == "Confusion"
    assert str(reading("loose_stools_24h", 4)) == "Loose stools in 24 h 4 times"
    assert str(reading("heart_rate", 130)) == "Pulse 130/min (> 120)"


def test_a_vital_sign_is_marked_unusual_only_past_a_rule_threshold():
    """37.1 °C is outside the chart's band but fires nothing: not red on the nurse's row."""
    assert not reading("temperature_c", 37.1, {}).unusual
    assert reading("temperature_c", 38.0, {}).unusual
    assert reading("temperature_c", 36.0, {}).unusual
    assert reading("loose_stools_24h", 2, {}).unusual  # counts: any above none
