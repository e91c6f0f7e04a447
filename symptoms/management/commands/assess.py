"""``manage.py assess FILE|-``: assess one case or a JSON list of cases; print one JSON line each.

Every case is validated before anything is printed: if any case is malformed, the errors (naming
the file, the case and the key) go to standard error, nothing goes to standard output, and the exit
status is 2. No triage is ever printed for input that was not understood.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from symptoms.engine import assess
from symptoms.validation import MalformedJSON, clean_case_list, parse_json

EXIT_MALFORMED = 2


def read_text(name: str, stdin: Any) -> tuple[str, str]:
    """The text of FILE (or of standard input for ``-``) and the name to show in errors."""
    if name == "-":
        return stdin.read(), "<stdin>"
    return Path(name).read_text(encoding="utf-8"), name


class Command(BaseCommand):
    help = (
        "Assess a case file (one case or a JSON list of cases; '-' reads standard input) and "
        "print one JSON object per case. Exit status 2 for malformed input."
    )
    requires_system_checks: list[str] = []
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument(
            "file", metavar="FILE", help="a JSON case file, or - for standard input"
        )

    def fail(self, *lines: str) -> None:
        for line in lines:
            self.stderr.write(line)
        raise SystemExit(EXIT_MALFORMED)

    def handle(self, *args, file: str, **options) -> None:
        stdin = options.get("stdin") or sys.stdin
        try:
            text, where = read_text(file, stdin)
        except (OSError, UnicodeDecodeError) as exc:
            self.fail(f"{file}: cannot read: {exc}")
        try:
            data = parse_json(text)
        except MalformedJSON as exc:
            self.fail(f"{where}: {exc}")
        cases, errors = clean_case_list(data, where)
        if errors:
            self.fail(*errors, f"{where}: {len(errors)} malformed case(s); nothing was assessed")

        lines = []
        for index, case in enumerate(cases):
            try:
                result = assess(case["context"], case["report"], case["history"])
            except Exception as exc:
                raise CommandError(
                    f"{where}: case [{index}] (id {case['id']!r}): the engine failed: {exc!r}"
                ) from exc
            lines.append(json.dumps({"id": case["id"], **result.as_dict()}, ensure_ascii=False))
        for line in lines:
            self.stdout.write(line)
