"""The triage engine: one pure function from (context, report, history) to an assessment.

The rules themselves are data in ``symptoms.rules``; this module only evaluates them and applies the
global principle that no single rule owns (P1: the highest level wins).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from symptoms.assessment import Assessment, Finding
from symptoms.case import Case
from symptoms.levels import Triage
from symptoms.rules import RULESET_VERSION, evaluate

__all__ = ["Assessment", "Finding", "assess"]


def assess(
    context: Mapping[str, Any],
    report: Mapping[str, Any],
    history: Sequence[Mapping[str, Any]] = (),
) -> Assessment:
    """Assess one report. The inputs are the contract's plain data, already validated."""
    case = Case(context=context, report=report, history=tuple(history))
    findings = tuple(evaluate(case))
    triage = max((f.triage for f in findings), default=Triage.NONE)
    return Assessment(triage=triage, findings=findings, ruleset=RULESET_VERSION)
