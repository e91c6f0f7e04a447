"""``manage.py check_vignettes DIR``: run every ``*.json`` case in DIR against its ``expect``.

Prints one line per failing case (expected against got) and a last line ``N passed, M failed``;
exits 1 if any case failed. Malformed files (bad JSON, an unknown key, a wrong type, a value out of
range, a missing ``expect``, an id used twice) are reported on standard error, naming the file and
the key, and the command exits 2 without running anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from symptoms.engine import Assessment, assess
from symptoms.validation import MalformedJSON, clean_case_list, parse_json

EXIT_FAILED = 1
EXIT_MALFORMED = 2


def compare(expect: dict[str, Any], result: Assessment) -> list[str]:
    """What differs between a case's expectations and its assessment (empty when it passes)."""
    problems = []
    if result.triage.name != expect["triage"]:
        problems.append(f"expected {expect['triage']}, got {result.triage.name}")
    got = {str(f.category) for f in result.findings}
    wanted = expect.get("categories_any") or []
    if wanted and not got & set(wanted):
        shown = ", ".join(sorted(got)) or "none"
        problems.append(f"expected a finding in {', '.join(wanted)}, got categories {shown}")
    for category in expect.get("categories_none") or []:
        rules = [f.rule for f in result.findings if str(f.category) == category]
        if rules:
            problems.append(f"expected no {category} finding, got {', '.join(rules)}")
    return problems


def describe(result: Assessment) -> str:
    if not result.findings:
        return "no findings"
    return ", ".join(f"{f.rule} {f.category} {f.triage.name}" for f in result.findings)


class Command(BaseCommand):
    help = (
        "Run every *.json vignette in DIR; print failing cases and 'N passed, M failed'. "
        "Exit 1 if any failed, 2 if a file is malformed."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help="a folder of *.json case files")

    def fail(self, *lines: str) -> None:
        for line in lines:
            self.stderr.write(line)
        raise SystemExit(EXIT_MALFORMED)

    def handle(self, *args, directory: str, **options) -> None:
        folder = Path(directory)
        if not folder.is_dir():
            self.fail(f"{directory}: not a directory")
        files = sorted(folder.glob("*.json"))
        if not files:
            self.fail(f"{directory}: no *.json files to check")

        cases: list[tuple[str, int, dict[str, Any]]] = []
        errors: list[str] = []
        for path in files:
            try:
                data = parse_json(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, MalformedJSON) as exc:
                errors.append(f"{path.name}: {exc}")
                continue
            clean, bad = clean_case_list(data, path.name)
            errors.extend(bad)
            for index, case in enumerate(clean):
                if case["expect"] is None:
                    label = f"case (id {case['id']!r})" if case["id"] else f"case [{index}]"
                    errors.append(f"{path.name}: {label}: expect: is required")
                else:
                    cases.append((path.name, index, case))
        seen: dict[str, str] = {}
        for name, _index, case in cases:
            if case["id"] is None:
                continue
            if case["id"] in seen:
                errors.append(f"{name}: id: {case['id']!r} is also used in {seen[case['id']]}")
            else:
                seen[case["id"]] = name
        if errors:
            self.fail(*errors, f"{len(errors)} problem(s) in {directory}; no case was run")

        failed = 0
        for name, index, case in cases:
            result = assess(case["context"], case["report"], case["history"])
            problems = compare(case["expect"], result)
            if problems:
                failed += 1
                case_id = case["id"] or f"case [{index}]"
                self.stdout.write(
                    f"FAIL {case_id} ({name}): {'; '.join(problems)} [{describe(result)}]"
                )
        self.stdout.write(f"{len(cases) - failed} passed, {failed} failed")
        if failed:
            raise SystemExit(EXIT_FAILED)
