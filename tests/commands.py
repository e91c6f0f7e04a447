"""Running ``manage.py`` in a real process, for what only a process shows (exit status, startup)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_manage(
    *args: str, stdin: str | None = None, settings: str | None = "tracker.settings", **env: str
) -> subprocess.CompletedProcess:
    """``manage.py`` with no ``DJANGO_*`` variable but ``env`` (and ``settings``, unless None)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    if settings:
        clean["DJANGO_SETTINGS_MODULE"] = settings
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )
