"""What the engine answers: findings and the overall triage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from symptoms.levels import Category, Triage


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule that fired: what it found, how urgent, why, and where the rule comes from."""

    rule: str
    category: Category
    grade: str
    triage: Triage
    why: str
    sources: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "category": str(self.category),
            "grade": self.grade,
            "triage": self.triage.name,
            "why": self.why,
            "sources": list(self.sources),
        }


@dataclass(frozen=True, slots=True)
class Assessment:
    triage: Triage
    findings: tuple[Finding, ...]
    ruleset: str

    @property
    def categories(self) -> list[Category]:
        """The categories of the findings, most urgent finding first, each once."""
        ordered = sorted(self.findings, key=lambda f: -f.triage)
        return list(dict.fromkeys(f.category for f in ordered))

    def as_dict(self) -> dict[str, Any]:
        return {
            "triage": self.triage.name,
            "ruleset": self.ruleset,
            "findings": [f.as_dict() for f in self.findings],
        }
