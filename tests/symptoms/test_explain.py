"""The patient's plain-words layer: advice per level and reasons without grades or rule ids."""

import re

import pytest

from symptoms import Category, Triage, assess
from symptoms.explain import ADVICE, CATEGORY_WHY, advice_for, explain

DAY_3_CAR_T = {
    "product": "CAR-T",
    "target": "CD19",
    "cell_source": "autologous",
    "days_since_infusion": 3,
}
# What a nurse reads, never a patient: rule ids, sources, grading words and thresholds.
JARGON = re.compile(r"[A-Z]{2,4}-\d|\bS\d+\b|grade|CTCAE|ASTCT|ICANS|CRS|GVHD|SpO2|≥|≤", re.I)


def plain(explanation) -> str:
    return " ".join(
        [str(r) for r in explanation.reasons]
        + [f"{a.question} {a.answer}" for a in explanation.answers]
    )


def test_every_level_has_one_piece_of_advice():
    assert set(ADVICE) == set(Triage)
    for level in Triage:
        advice = advice_for(int(level))
        assert advice.level == level
        assert advice.title and advice.do_now
        assert not JARGON.search(f"{advice.title} {advice.do_now} {advice.then}")


def test_an_emergency_calls_the_emergency_number_and_urgent_levels_the_care_team():
    assert advice_for(Triage.EMERGENCY).call == "emergency"
    assert advice_for(Triage.URGENT_NOW).call == "team"
    assert advice_for(Triage.URGENT_TODAY).call == "team"
    assert advice_for(Triage.ROUTINE).call == ""
    assert advice_for(Triage.NONE).call == ""


def test_routine_advice_is_self_care_that_says_when_to_call():
    tips = " ".join(str(t) for t in advice_for(Triage.ROUTINE).self_care)
    for words in ("Rest", "Drink", "temperature", "worse"):
        assert words in tips


def test_every_category_has_a_plain_sentence():
    assert set(CATEGORY_WHY) == set(Category)
    for sentence in CATEGORY_WHY.values():
        assert not JARGON.search(str(sentence))


def test_a_fever_is_explained_by_the_temperature_the_patient_gave():
    answers = {"temperature_c": 38.6, "spo2": 98, "fatigue": "none"}
    findings = [f.as_dict() for f in assess(DAY_3_CAR_T, answers).findings]
    explanation = explain(answers, findings, DAY_3_CAR_T)
    assert explanation.reasons[0] == CATEGORY_WHY[Category.CRS]
    assert [(a.code, a.answer) for a in explanation.answers] == [("temperature_c", "38.6 °C")]
    assert not JARGON.search(plain(explanation))


@pytest.mark.parametrize(
    ("answers", "codes"),
    [
        ({"seizure": True, "temperature_c": 37.0}, ["seizure"]),
        ({"spo2": 88, "breathlessness": "at_rest"}, ["spo2", "breathlessness"]),
        ({"chills": "rigors"}, ["chills"]),
    ],
)
def test_the_answers_shown_are_the_ones_that_mattered(answers, codes):
    findings = [f.as_dict() for f in assess(DAY_3_CAR_T, answers).findings]
    explanation = explain(answers, findings, DAY_3_CAR_T)
    assert [a.code for a in explanation.answers] == codes
    assert not JARGON.search(plain(explanation))


def test_nothing_to_explain_when_nothing_was_found():
    explanation = explain({"temperature_c": 36.8}, [], DAY_3_CAR_T)
    assert explanation.reasons == ()
    assert explanation.answers == ()


def test_a_worried_patient_is_told_that_their_worry_counts():
    answers = {"concern": "worried"}
    findings = [f.as_dict() for f in assess(DAY_3_CAR_T, answers).findings]
    explanation = explain(answers, findings, DAY_3_CAR_T)
    assert len(explanation.reasons) == 1
    assert "You told us you are worried" in str(explanation.reasons[0])
