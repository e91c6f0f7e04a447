"""``manage.py rules``: the whole rule table as markdown, for a clinician to read and sign off.

``manage.py rules --write`` refreshes ``docs/rules.md``: the new text is rendered in full first,
then written to a temporary file beside it and renamed over it, so a failure leaves the old rule
book whole instead of empty or half-written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from symptoms import rules as rulebook
from symptoms.catalogue import CONTEXT
from symptoms.levels import Triage

SECTION_TITLES = {
    "CRS": "Cytokine release syndrome",
    "NEU": "Neurotoxicity (ICANS and delayed neurotoxicity)",
    "HEM": "Blood counts, febrile neutropenia and bleeding",
    "INF": "Infection",
    "GVHD": "Graft-versus-host disease (only with allogeneic exposure)",
    "IR": "Infusion-related and allergic reactions",
    "GEN": "General symptoms",
    "AGG": "Combining findings",
}

TAG_MEANINGS = (
    ("V", "checked against a stored copy of the source"),
    ("V2", "checked only against a secondary copy"),
    ("M", "from memory of the primary source; unverified"),
    ("D", "a design choice, not from a source; needs clinician sign-off"),
)


def cell(value: Any) -> str:
    """Text safe inside a markdown table cell."""
    text = " ".join(str(value).split())
    return text.replace("|", "\\|") or "–"


def tags(values: Iterable[str]) -> str:
    return " ".join(f"[{str(tag).strip('[]')}]" for tag in values) or "–"


def prefix(rule_id: str) -> str:
    return rule_id.split("-", 1)[0]


def render() -> str:
    rows = list(rulebook.RULES)
    thresholds = dict(getattr(rulebook, "THRESHOLDS", {}))
    fever = CONTEXT["site"].fields["fever_threshold_c"]
    out = [
        "# Triage rule table",
        "",
        f"Ruleset version: `{rulebook.RULESET_VERSION}` ({len(rows)} rules). The version "
        "changes whenever any rule or threshold changes; every assessment records the version "
        "that made it.",
        "",
        "Not clinically validated: every rule and threshold needs the sign-off of the clinical "
        "lead of each centre. The sources S1… are listed in [sources.md](sources.md); the codes "
        "the conditions use are explained in [case-format.md](case-format.md).",
        "",
        "Triage levels, lowest first: " + " < ".join(f"`{t.name}`" for t in Triage) + ". "
        "Every rule is evaluated and the highest level wins (P1).",
        "",
        "Evidence tags: " + "; ".join(f"[{tag}] {meaning}" for tag, meaning in TAG_MEANINGS) + ".",
        "",
        "## Thresholds",
        "",
        "| parameter | value |",
        "|---|---|",
    ]
    out += [f"| `{cell(name)}` | {cell(value)} |" for name, value in thresholds.items()]
    out += [
        "",
        f"The fever threshold is a site parameter: `context.site.fever_threshold_c`, "
        f"{fever.minimum}–{fever.maximum} °C, default {fever.default} °C.",
    ]

    sections: dict[str, list[Any]] = {}
    for row in rows:
        sections.setdefault(prefix(row.id), []).append(row)
    for key, section in sections.items():
        title = SECTION_TITLES.get(key, key)
        out += [
            "",
            f"## {key}: {title} ({len(section)} rule{'s' if len(section) != 1 else ''})",
            "",
            "| id | condition | category | triage | grade | sources | tags |",
            "|---|---|---|---|---|---|---|",
        ]
        out += [
            f"| {cell(row.id)} | {cell(row.when)} | {cell(row.category)} | {cell(row.triage.name)} "
            f"| {cell(row.grade)} | {cell(', '.join(row.sources))} | {cell(tags(row.tags))} |"
            for row in section
        ]
    return "\n".join(out)


RULE_BOOK = Path(__file__).resolve().parents[3] / "docs" / "rules.md"


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step: readers see the old file or the new one."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        # mkstemp makes the file private; the rule book keeps the permissions it had.
        os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = (
        "Print the whole rule table as markdown, headed by the ruleset version and thresholds; "
        "--write refreshes docs/rules.md."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--write",
            nargs="?",
            const=RULE_BOOK,
            type=Path,
            metavar="FILE",
            help="write the rule book to FILE (default docs/rules.md) instead of printing it",
        )

    def handle(self, *args, write: Path | None = None, **options) -> None:
        text = render()
        if write is None:
            self.stdout.write(text)
            return
        write_atomically(write, text + "\n")
        self.stderr.write(f"{write}: {rulebook.RULESET_VERSION}, {len(rulebook.RULES)} rules")
