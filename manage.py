#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys

# Commands that only read the rule table and case files. Without DJANGO_SETTINGS_MODULE they run
# with tracker/tool_settings.py (no database, no secret key), so a fresh clone can run them.
TOOLS = frozenset({"rules", "assess", "check_vignettes", "benchmark_engine"})


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    settings = "tracker.tool_settings" if command in TOOLS else "tracker.settings"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
