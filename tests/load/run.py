"""Starts the real thing (gunicorn, the task worker, a mail sink), runs the load, stops it all.

    python -m tests.load.run --database-url postgres://postgres@127.0.0.1:5432/tracker_load

It migrates the database (creating it first on PostgreSQL when it is missing), collects the
static files, starts a mail sink, ``gunicorn tracker.wsgi`` with production settings and
``manage.py worker``, runs ``tests/load/checkin_load.py`` and prints its figures, with the
e-mails the worker sent. It restarts the worker if it exits, as systemd's ``Restart=always``
would, and says so.

``--restart-db-after 20 --restart-db-command "…"`` runs the command (say, ``pg_ctl restart -m
fast`` of a PostgreSQL that is yours alone) that many seconds into the load, then reports the
errors of the restart window and how long the app took to recover by itself.
Exit status 1 when a check-in that got a success answer is missing from the database.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from tests.load import checkin_load

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tracker_load"


def server_environment(args: argparse.Namespace) -> dict[str, str]:
    """Production settings (debug off), plain HTTP on localhost, e-mail to the sink."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=args.database_url,
        DJANGO_SETTINGS_MODULE="tracker.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_EMAIL_HOST="127.0.0.1",
        DJANGO_EMAIL_PORT=str(args.smtp_port),
        DJANGO_EMAIL_USE_TLS="false",
        DJANGO_SITE_URL=f"http://127.0.0.1:{args.port}",
        DJANGO_LOG_LEVEL="WARNING",
    )
    return env


def create_database(url: str, *, fresh: bool = False) -> None:
    """Creates the PostgreSQL database of ``url`` if it does not exist yet; ``fresh`` drops it
    first (a smoke run's throwaway database, whatever migrations an earlier tree left in it)."""
    from urllib.parse import urlsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        if fresh:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        if not connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


class Process:
    """A child process in its own process group, its output in a log file."""

    def __init__(self, name: str, command: list[str], env: dict, logs: Path) -> None:
        self.name, self.command, self.env = name, command, env
        self.log_path = logs / f"{name}.log"
        self.popen: subprocess.Popen | None = None

    def start(self) -> Process:
        log = self.log_path.open("a")
        self.popen = subprocess.Popen(  # noqa: S603 - our own commands
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def kill(self, sig: int = signal.SIGKILL) -> None:
        os.killpg(self.popen.pid, sig)

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.kill(signal.SIGTERM)
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill(signal.SIGKILL)
                self.popen.wait()


def manage(*args: str, env: dict) -> str:
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - localhost
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{url} did not answer within {seconds:g} s")


class Supervisor(threading.Thread):
    """Starts the worker again when it exits, as systemd's Restart=always does; logs each time."""

    def __init__(self, worker: Process) -> None:
        super().__init__(daemon=True)
        self.worker = worker
        self.exits: list[tuple[float, int]] = []
        self.running = True

    def run(self) -> None:
        while self.running:
            code = self.worker.popen.poll()
            if code is not None and self.running:
                self.exits.append((time.monotonic(), code))
                time.sleep(1)
                self.worker.start()
            time.sleep(0.2)


def gunicorn(port: int, workers: int, env: dict, logs: Path, timeout: int = 30) -> Process:
    """``gunicorn tracker.wsgi`` on 127.0.0.1 (not started yet)."""
    command = ["-m", "gunicorn", "tracker.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--timeout", str(timeout)]
    return Process("gunicorn", [sys.executable, *command], env, logs)


def services(args: argparse.Namespace, env: dict, logs: Path, mail: Path) -> dict[str, Process]:
    python = sys.executable
    return {
        "mail": Process(
            "mail-sink",
            [python, "-m", "tests.load.mail_sink", "--port", str(args.smtp_port), "--dir", mail],
            env,
            logs,
        ),
        "web": gunicorn(args.port, args.workers, env, logs),
        "worker": Process(
            "db-worker",
            [python, "manage.py", "worker", "--interval", "0.5", "--no-startup-delay"],
            env,
            logs,
        ),
    }


def drain_tasks(since, seconds: float = 60) -> int:
    """Waits for the worker to finish the e-mails queued ``since``; returns how many are left.

    (A task whose worker was killed stays "running" for ever: older ones are not waited for.)
    """
    from django_tasks_db.models import DBTaskResult

    deadline = time.monotonic() + seconds
    queued = DBTaskResult.objects.filter(enqueued_at__gte=since, status__in=["READY", "RUNNING"])
    while True:
        waiting = queued.count()
        if waiting == 0 or time.monotonic() > deadline:
            return waiting
        time.sleep(0.5)


def restart_window(summary: dict, restart: dict) -> None:
    """Prints what the patients saw around the database restart."""
    start, end = restart["start"] - summary["began"], restart["end"] - summary["began"]
    errors = [t for t in summary["error_times"] if t >= start - 1]
    print(f"  database restart command:           {start:.1f} s to {end:.1f} s into the run")
    if not errors:
        print("  errors after the restart:           none")
        return
    last = max(errors)
    after = [t for t in summary["success_times"] if t > last]
    print(
        f"  errors after the restart:           {len(errors)}, "
        f"from {min(errors):.1f} s to {last:.1f} s"
    )
    print(f"  recovered (last error - restart):   {last - start:.1f} s")
    print(f"  check-ins confirmed after that:     {len(after)}")


def main() -> None:
    parser = checkin_load.arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    parser.set_defaults(database_url=os.environ.get("LOAD_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--smtp-port", type=int, default=8025, help="the mail sink's port")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--restart-db-after", type=float, metavar="SECONDS")
    parser.add_argument("--restart-db-command", help="shell command that restarts PostgreSQL")
    args = parser.parse_args()
    if bool(args.restart_db_after) != bool(args.restart_db_command):
        parser.error("--restart-db-after and --restart-db-command go together")

    env = server_environment(args)
    os.environ.update({k: v for k, v in env.items() if k.startswith(("DJANGO_", "DATABASE_"))})
    if args.database_url.startswith("postgres"):
        create_database(args.database_url)
    manage("migrate", "--noinput", env=env)
    manage("collectstatic", "--noinput", env=env)
    checkin_load.setup_django(args.database_url)
    from django.utils import timezone

    logs = Path(tempfile.mkdtemp(prefix="tracker-load-"))
    mail = logs / "mail"
    print(f"logs and e-mails in {logs}")
    procs = services(args, env, logs, mail)
    procs["mail"].start()
    procs["web"].start()
    procs["worker"].start()
    supervisor = Supervisor(procs["worker"])
    supervisor.start()
    restart: dict[str, float] = {}
    try:
        wait_for(f"http://127.0.0.1:{args.port}/health/")
        time.sleep(1)
        for proc in procs.values():
            if proc.popen.poll() is not None:  # say, its port was taken by another server
                sys.exit(f"{proc.name} exited at start: see {proc.log_path}")

        if args.restart_db_after:

            def restart_db() -> None:
                restart["start"] = time.monotonic()
                print(f"restarting the database: {args.restart_db_command}", flush=True)
                subprocess.run(shlex.split(args.restart_db_command), check=False)  # noqa: S603
                restart["end"] = time.monotonic()

            def on_start(began: float) -> None:
                threading.Timer(args.restart_db_after, restart_db).start()

            args.on_start = on_start
        since = timezone.now()
        summary = checkin_load.load(args)
        still_queued = drain_tasks(since)
        summary.update(checkin_load.notification_counts(summary["run"]))
        nurse = f"To: nurse-{summary['run']}@example.org"
        summary["e-mails delivered"] = sum(nurse in m.read_text() for m in mail.glob("*.eml"))
        if still_queued:
            summary["e-mail tasks still queued"] = still_queued
    finally:
        supervisor.running = False
        for name in ("worker", "web", "mail"):
            procs[name].stop()

    ok = checkin_load.print_summary(summary)
    if restart:
        restart_window(summary, restart)
    for at, code in supervisor.exits:
        print(f"  the worker exited (status {code}) at {at - summary['began']:.1f} s; restarted")
    if "e-mail tasks still queued" in summary:
        print(f"  e-mail tasks still queued:          {summary['e-mail tasks still queued']}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
