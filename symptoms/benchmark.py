"""A realistic mixed corpus of cases, and a throughput measurement of the engine over it.

The corpus is made with plain ``random.Random(seed)``, so a seed always gives the same cases: mostly
well patients, with some fevers, rashes, diarrhoea, neurological signs, bleeding and allergic
reactions, over mixed products, days 0–120 and 0–3 earlier reports. Every generated case passes
``symptoms.validation`` (checked before timing), so the corpus also exercises the catalogue.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from symptoms.engine import assess
from symptoms.levels import Triage
from symptoms.validation import validate_case

Case = tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]

PRODUCTS = (("CAR-T", 55), ("CIK", 10), ("DLI", 10), ("NK", 10), ("TIL", 10), ("OTHER", 5))
SCENARIOS = (
    ("well", 62),
    ("fever", 10),
    ("rash", 6),
    ("diarrhoea", 6),
    ("neuro", 5),
    ("bleeding", 4),
    ("allergic", 3),
    ("breathless", 4),
)


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    names, weights = zip(*weighted, strict=True)
    return rng.choices(names, weights)[0]


def _context(rng: random.Random) -> dict[str, Any]:
    product = _pick(rng, PRODUCTS)
    band = rng.random()
    if band < 0.4:
        days = rng.randint(0, 14)
    elif band < 0.65:
        days = rng.randint(15, 30)
    else:
        days = rng.randint(31, 120)
    if product == "CAR-T":
        target = rng.choices(("CD19", "BCMA", "OTHER"), (70, 25, 5))[0]
        source = "allogeneic" if rng.random() < 0.05 else "autologous"
    elif product == "DLI":
        target, source = None, "allogeneic"
    elif product == "NK":
        target = "CD19" if rng.random() < 0.2 else None
        source = "allogeneic" if rng.random() < 0.7 else "autologous"
    else:
        target = None
        source = "allogeneic" if rng.random() < 0.15 else "autologous"
    context: dict[str, Any] = {
        "product": product,
        "target": target,
        "cell_source": source,
        "prior_allogeneic_transplant": product == "DLI" or rng.random() < 0.1,
        "days_since_infusion": days,
        "crs_treated": product == "CAR-T" and days <= 30 and rng.random() < 0.15,
        "neutropenia_expected": days <= 30 and rng.random() < 0.25,
    }
    if days <= 2 and rng.random() < 0.5:
        context["hours_since_infusion"] = round(days * 24 + rng.uniform(0, 23), 1)
    if rng.random() < 0.4:
        labs: dict[str, float] = {}
        if rng.random() < 0.8:
            labs["anc"] = round(rng.choice((0.2, 0.6, 1.4, 2.5, 4.0)) * rng.uniform(0.7, 1.3), 2)
        if rng.random() < 0.8:
            labs["platelets"] = float(rng.choice((12, 18, 35, 80, 150, 240)))
        if rng.random() < 0.5:
            labs["hemoglobin"] = round(rng.uniform(7.0, 14.0), 1)
        context["labs"] = labs
    if rng.random() < 0.6:
        context["baseline"] = {
            "systolic_bp": rng.randint(100, 145),
            "heart_rate": rng.randint(58, 92),
            "spo2": rng.choice((94, 95, 96, 97, 98, 99)),
            "loose_stools_per_day": rng.choice((0, 1, 1, 2)),
            "ice_score": 10 if rng.random() < 0.9 else 9,
            "breathlessness": rng.choices(("none", "moderate_exertion"), (85, 15))[0],
        }
    if rng.random() < 0.2:
        context["site"] = {"fever_threshold_c": 37.5}
    return context


def _well_report(rng: random.Random) -> dict[str, Any]:
    report: dict[str, Any] = {}
    if rng.random() < 0.85:
        report["temperature_c"] = round(rng.uniform(36.1, 37.4), 1)
    if rng.random() < 0.7:
        report["systolic_bp"] = rng.randint(102, 142)
        report["diastolic_bp"] = rng.randint(60, 90)
    if rng.random() < 0.7:
        report["heart_rate"] = rng.randint(58, 98)
    if rng.random() < 0.6:
        report["spo2"] = rng.randint(95, 99)
    if rng.random() < 0.3:
        report["respiratory_rate"] = rng.randint(12, 20)
    if rng.random() < 0.5:
        report["ice_score"] = 10
        report["alertness"] = "alert"
    for code, value in (
        ("chills", "none"),
        ("fatigue", rng.choice(("none", "none", "relieved_by_rest"))),
        ("breathlessness", "none"),
        ("nausea", "none"),
        ("headache", "none"),
        ("concern", "none"),
        ("loose_stools_24h", 0),
        ("vomiting_episodes_24h", 0),
        ("confusion", False),
        ("petechiae", False),
        ("rash_bsa_percent", 0),
    ):
        if rng.random() < 0.5:
            report[code] = value
    return report


def _add_scenario(rng: random.Random, scenario: str, report: dict[str, Any]) -> None:
    if scenario == "fever":
        report["temperature_c"] = round(rng.uniform(37.6, 40.2), 1)
        report["chills"] = rng.choices(("none", "shivering", "rigors"), (5, 4, 1))[0]
        if rng.random() < 0.3:
            report["heart_rate"] = rng.randint(100, 135)
        if rng.random() < 0.15:
            report["systolic_bp"] = rng.randint(78, 100)
        if rng.random() < 0.2:
            report["antipyretic_last_6h"] = True
    elif scenario == "rash":
        report["rash_bsa_percent"] = float(rng.choice((3, 8, 15, 25, 40, 60)))
        report["itching"] = rng.random() < 0.7
        report["rash_blisters"] = rng.random() < 0.05
        report["mucosal_sores"] = rng.random() < 0.05
    elif scenario == "diarrhoea":
        report["loose_stools_24h"] = rng.choice((2, 3, 4, 5, 6, 8, 10))
        report["abdominal_pain"] = rng.choice(("none", "mild", "moderate"))
        report["nausea"] = rng.choice(("none", "appetite_loss", "reduced_intake"))
        report["stool_blood"] = rng.random() < 0.03
    elif scenario == "neuro":
        report["ice_score"] = rng.choice((10, 9, 8, 7, 5, 2))
        report["alertness"] = rng.choices(
            ("alert", "sleepier_wakes_self", "wakes_to_voice"), (7, 2, 1)
        )[0]
        for code in ("tremor", "handwriting_changed", "word_finding_trouble", "confusion"):
            if rng.random() < 0.2:
                report[code] = True
    elif scenario == "bleeding":
        report["bruising"] = rng.choice(("local", "widespread"))
        report["petechiae"] = rng.random() < 0.4
        report["nosebleed"] = rng.random() < 0.3
        report["bleeding_gums"] = rng.random() < 0.2
    elif scenario == "allergic":
        report["hives"] = rng.choice(("local", "widespread"))
        report["itching"] = True
        report["flushing"] = rng.random() < 0.3
        report["wheeze"] = rng.random() < 0.1
    elif scenario == "breathless":
        report["breathlessness"] = rng.choice(("moderate_exertion", "minimal_exertion", "at_rest"))
        report["spo2"] = rng.choice((98, 96, 95, 94, 93, 91))
        report["productive_cough"] = rng.random() < 0.3


def generate_case(rng: random.Random) -> Case:
    context = _context(rng)
    report = _well_report(rng)
    _add_scenario(rng, _pick(rng, SCENARIOS), report)
    history = []
    days_ago = 0
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        days_ago += rng.choice((0, 1, 1, 1, 2))
        earlier = _well_report(rng)
        if rng.random() < 0.2:
            _add_scenario(rng, _pick(rng, SCENARIOS[1:]), earlier)
        history.append({"days_ago": days_ago, "report": earlier})
    return context, report, history


def generate_corpus(count: int, seed: int) -> list[Case]:
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    return [generate_case(rng) for _ in range(count)]


@dataclass(frozen=True)
class Result:
    count: int
    rates: tuple[float, ...]
    distribution: dict[str, int]

    @property
    def median_rate(self) -> float:
        return statistics.median(self.rates)

    @property
    def best_rate(self) -> float:
        return max(self.rates)


def run(corpus: list[Case], repeat: int = 3, warmup: int = 2000) -> Result:
    """Assess the corpus ``repeat`` times in this process (one core) after a warm-up pass."""
    for context, report, history in corpus:
        validate_case({"context": context, "report": report, "history": history})
    for context, report, history in corpus[:warmup]:
        assess(context, report, history)
    rates = []
    counts: Counter[str] = Counter()
    for _ in range(repeat):
        triages = []
        started = time.perf_counter()
        for context, report, history in corpus:
            triages.append(assess(context, report, history).triage)
        elapsed = time.perf_counter() - started
        rates.append(len(corpus) / elapsed if elapsed > 0 else float("inf"))
        counts = Counter(t.name for t in triages)
    distribution = {level.name: counts.get(level.name, 0) for level in Triage}
    return Result(count=len(corpus), rates=tuple(rates), distribution=distribution)
