"""A report read in its therapy context, with the derived facts many rules share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

DEFAULT_FEVER_THRESHOLD_C = 38.0


@dataclass(frozen=True)
class Case:
    """A report read in its therapy context, with the derived facts many rules share.

    ``history`` lists earlier reports newest first, each ``{"days_ago": int, "report": {...}}``.
    """

    context: Mapping[str, Any]
    report: Mapping[str, Any]
    history: Sequence[Mapping[str, Any]] = field(default_factory=tuple)

    # -- context ---------------------------------------------------------------------------------

    @cached_property
    def product(self) -> str:
        return self.context.get("product") or "OTHER"

    @cached_property
    def is_car_t(self) -> bool:
        return self.product == "CAR-T"

    @cached_property
    def days(self) -> int:
        return int(self.context.get("days_since_infusion") or 0)

    @cached_property
    def hours(self) -> float | None:
        return self.context.get("hours_since_infusion")

    @cached_property
    def target(self) -> str | None:
        return self.context.get("target")

    @cached_property
    def crs_treated(self) -> bool:
        return bool(self.context.get("crs_treated"))

    @cached_property
    def allogeneic_exposure(self) -> bool:
        return bool(
            self.context.get("cell_source") == "allogeneic"
            or self.product == "DLI"
            or self.context.get("prior_allogeneic_transplant")
        )

    @cached_property
    def baseline(self) -> Mapping[str, Any]:
        return self.context.get("baseline") or {}

    @cached_property
    def labs(self) -> Mapping[str, Any]:
        return self.context.get("labs") or {}

    @cached_property
    def fever_threshold_c(self) -> float:
        site = self.context.get("site") or {}
        return float(site.get("fever_threshold_c") or DEFAULT_FEVER_THRESHOLD_C)

    def may_be_within_hours(self, hours: float) -> bool:
        """True when the infusion may have been at most ``hours`` ago.

        Without a known infusion time we only know the day, so we count every hour of that day:
        a window rule then fires rather than being missed (under-triage is the failure we avoid).
        """
        if self.hours is not None:
            return self.hours <= hours
        return self.days * 24 <= hours

    def may_be_after_hours(self, hours: float) -> bool:
        """True when the infusion may have been more than ``hours`` ago (see the method above)."""
        if self.hours is not None:
            return self.hours > hours
        return (self.days + 1) * 24 > hours

    # -- the report ------------------------------------------------------------------------------

    def get(self, code: str, default: Any = None) -> Any:
        return self.report.get(code, default)

    @cached_property
    def temperature_c(self) -> float | None:
        return self.report.get("temperature_c")

    @cached_property
    def measured_fever(self) -> bool:
        t = self.temperature_c
        return t is not None and t >= self.fever_threshold_c

    @cached_property
    def masked_fever(self) -> bool:
        """P5: after an antipyretic, feeling feverish or shivering counts as fever."""
        return bool(
            self.report.get("antipyretic_last_6h")
            and not self.measured_fever
            and (
                self.report.get("feels_feverish")
                or self.report.get("chills") in ("shivering", "rigors")
            )
        )

    @cached_property
    def fever(self) -> bool:
        return self.measured_fever or self.masked_fever

    @cached_property
    def fever_inputs(self) -> tuple[str, ...]:
        """The report inputs that make the fever: the reading, or the P5 symptoms."""
        if self.measured_fever:
            return ("temperature_c",)
        inputs: tuple[str, ...] = ()
        if self.masked_fever:
            if self.report.get("chills") in ("shivering", "rigors"):
                inputs += ("chills",)
            if self.report.get("feels_feverish"):
                inputs += ("feels_feverish",)
        return inputs

    @cached_property
    def fever_why(self) -> str:
        """Names the values that make this a fever, for the one-line reasons."""
        if self.measured_fever:
            return f"temperature {self.temperature_c:.1f} °C ≥ {self.fever_threshold_c:.1f} °C"
        if self.masked_fever:
            return "feels feverish or shivery after a fever-lowering medicine in the last 6 h"
        return ""

    @cached_property
    def when_why(self) -> str:
        return f"on day {self.days} after {self.product}"

    @cached_property
    def systolic_drop_pct(self) -> float | None:
        """How far the systolic is below ``baseline.systolic_bp``, in % (None if unknown)."""
        sbp = self.report.get("systolic_bp")
        base = self.baseline.get("systolic_bp")
        if sbp is None or not base:
            return None
        return (base - sbp) * 100 / base

    @cached_property
    def stools_over_baseline(self) -> int | None:
        """Loose stools in 24 h over ``baseline.loose_stools_per_day`` (missing baseline: 0)."""
        stools = self.report.get("loose_stools_24h")
        if stools is None:
            return None
        return stools - (self.baseline.get("loose_stools_per_day") or 0)

    # -- history ---------------------------------------------------------------------------------

    @cached_property
    def previous_report(self) -> Mapping[str, Any] | None:
        return self.history[0]["report"] if self.history else None

    def earlier(self, index: int) -> Case:
        """``history[index]`` read as a case of its own, with the reports before it as its history.

        Its day is counted back by ``days_ago``; its hour is unknown, so window rules stay
        conservative for it (see ``may_be_within_hours``).
        """
        cases = self._earlier_cases
        if index not in cases:
            entry = self.history[index]
            context = {
                **self.context,
                "days_since_infusion": max(0, self.days - int(entry.get("days_ago") or 0)),
                "hours_since_infusion": None,
            }
            cases[index] = Case(context, entry["report"], self.history[index + 1 :])
        return cases[index]

    @cached_property
    def _earlier_cases(self) -> dict[int, Case]:
        return {}

    @cached_property
    def reports_by_days_ago(self) -> Mapping[int, Sequence[Mapping[str, Any]]]:
        """Earlier reports grouped by ``days_ago`` (0 = earlier today)."""
        days: dict[int, list[Mapping[str, Any]]] = {}
        for entry in self.history:
            days.setdefault(int(entry.get("days_ago") or 0), []).append(entry["report"])
        return days

    @cached_property
    def derived(self) -> dict[str, Any]:
        """Scratch space for results the rule table derives once per case (e.g. its findings)."""
        return {}
