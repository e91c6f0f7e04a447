"""The clinical documentation in ``docs/`` stands on its own and matches the code.

A newcomer with only a clone must find every source a rule cites and every code a case file may
use, and no page or docstring may send them to a file the clone does not have.
"""

from __future__ import annotations

import re
from pathlib import Path

from symptoms.catalogue import CONTEXT, INPUTS
from symptoms.rules import RULES

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
OUTSIDE = ("../" + "shared", "shared" + "/clinical")
CHECKED = ("README.md", ".ci", "docs", "symptoms", "tracker", "templates", "tests")


def test_every_source_a_rule_cites_is_listed():
    listed = set(re.findall(r"^\| (S\d+) \|", (DOCS / "sources.md").read_text(), re.MULTILINE))
    cited = {source for rule in RULES for source in rule.sources}
    assert cited <= listed, sorted(cited - listed)
    assert listed == {f"S{n}" for n in range(1, len(listed) + 1)}


def test_the_case_format_names_every_input_and_context_key():
    page = (DOCS / "case-format.md").read_text()
    codes = set(INPUTS) | set(CONTEXT)
    codes |= {f"{key}" for item in CONTEXT.values() for key in item.fields}
    codes |= {code for item in INPUTS.values() for code in item.codes}
    missing = sorted(code for code in codes if f"`{code}`" not in page)
    assert not missing, missing


def test_no_file_points_outside_the_repository():
    paths = []
    for name in CHECKED:
        path = ROOT / name
        paths += [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    offenders = []
    for path in paths:
        if path.suffix in {".mo", ".png", ".pyc"} or "__pycache__" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        offenders += [str(path.relative_to(ROOT)) for marker in OUTSIDE if marker in text]
    assert not offenders
