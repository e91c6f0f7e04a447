"""Every vignette in ``tests/vignettes`` through ``symptoms.assess``, as a clinician would read it.

The fourteen ``a*.json`` / ``b*.json`` files are the clinical team's cases; the ``r-*.json`` files
are ours, one per rule that a vignette shows best. The repository's copies are the record: nothing
here reads outside the repository, and ``tests/vignettes/README.md`` must describe every file as it
is. The expected triage must match exactly; ``categories_any`` needs one finding with one of them;
``categories_none`` none.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from symptoms import assess
from symptoms.validation import validate_case

VIGNETTES = Path(__file__).resolve().parent.parent / "vignettes"
FILES = sorted(VIGNETTES.glob("*.json"))
CLINICAL_TEAM = (
    "a01",
    "a03",
    "a06",
    "a07",
    "a11",
    "a12",
    "a13",
    "a15",
    "a19",
    "a21",
    "a22",
    "a25",
    "b01",
    "b02",
)


def test_the_clinical_teams_vignettes_are_all_here() -> None:
    assert {f"{name}.json" for name in CLINICAL_TEAM} <= {path.name for path in FILES}


def test_the_vignettes_readme_lists_every_case_with_its_expected_triage() -> None:
    """A reader of the README sees each case and the level it must get, and no case that is gone."""
    rows = {}
    for line in (VIGNETTES / "README.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("| ") and cells[0].endswith(".json"):
            rows[cells[0]] = cells[2]
    expected = {path.name: json.loads(path.read_text())["expect"]["triage"] for path in FILES}
    assert rows == expected


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_vignette(path: Path) -> None:
    data = json.loads(path.read_text())
    validate_case(data)
    expect = data["expect"]
    result = assess(data["context"], data["report"], data.get("history", []))
    got = [(f.rule, f.category.value, f.triage.name, f.why) for f in result.findings]
    assert result.triage.name == expect["triage"], got
    categories = {str(c) for c in result.categories}
    if expect.get("categories_any"):
        assert categories & set(expect["categories_any"]), got
    assert not categories & set(expect.get("categories_none", ())), got
