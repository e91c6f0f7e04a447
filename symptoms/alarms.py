"""P4: the readings a patient is asked to measure again before sending (rules reference P4, D3).

A possible but alarming reading is re-measured and confirmed once, unless a matching symptom is
reported with it: then it is sent straight away. The thresholds are the rules' own (``THRESHOLDS``),
so the form and the engine agree. A fever with low oxygen is the pattern of CRS grade 2 or worse:
it is never held back for a re-measure. Plain Python over a report's answers, like the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from symptoms.catalogue import INPUTS
from symptoms.rules import THRESHOLDS

Answers = Mapping[str, Any]


def _reported(code: str, answers: Answers) -> bool:
    """Whether ``code`` has an answer other than its quiet one (no, none, not at all)."""
    item = INPUTS[code]
    value = answers.get(code)
    if value is None:
        return False
    if item.kind == "bool":
        return bool(value)
    return value != item.codes[0]


def _fever(answers: Answers) -> bool:
    temperature = answers.get("temperature_c")
    return temperature is not None and temperature >= THRESHOLDS["fever_threshold_c"]


@dataclass(frozen=True, slots=True)
class Alarm:
    """One reading that asks for a confirm: when it is alarming, and what makes it credible."""

    code: str
    alarming: Callable[[float], bool]
    matching_symptoms: tuple[str, ...]
    with_fever: bool = False

    def needs_confirm(self, answers: Answers) -> bool:
        """True when the reading in ``answers`` is alarming and nothing reported matches it."""
        value = answers.get(self.code)
        if value is None or not self.alarming(value):
            return False
        if self.with_fever and _fever(answers):
            return False
        return not any(_reported(code, answers) for code in self.matching_symptoms)


ALARMS: dict[str, Alarm] = {
    alarm.code: alarm
    for alarm in (
        Alarm(
            "spo2",
            lambda v: v <= THRESHOLDS["spo2_emergency"],
            ("breathlessness", "wheeze", "airway_swelling", "confusion", "alertness", "chills"),
            with_fever=True,
        ),
        Alarm(
            "temperature_c",
            lambda v: v <= THRESHOLDS["temp_low_c"],
            ("chills", "feels_feverish", "confusion", "alertness", "dizziness"),
        ),
    )
}
