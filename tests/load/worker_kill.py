"""The task worker killed (SIGKILL) in the middle of sending a nurse alert: is it sent, once?

    python -m tests.load.worker_kill --database-url postgres://postgres@127.0.0.1:5432/tracker_faults

1. An emergency check-in queues the nurses' alert. A mail sink holds the first message in its
   DATA phase (before answering "250"), and the worker is killed with SIGKILL right then.
2. django-tasks-db marked the task as running when that worker claimed it, and no worker takes a
   running task again. A new ``manage.py worker`` (what systemd's ``Restart=always`` starts)
   first queues again every alert still unsent, so it sends this one within seconds.
3. ``manage.py escalate_flags`` (cron) then finds nothing to send again: one e-mail in all.

Exit status 0 only when exactly one e-mail reached the sink and the alert is marked sent.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from tests.load import checkin_load
from tests.load.run import (
    Process,
    create_database,
    manage,
    server_environment,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tracker_faults"
EMERGENCY = {
    "temperature_c": 37.0,
    "spo2": 88,
    "heart_rate": 120,
    "systolic_bp": 118,
    "diastolic_bp": 70,
    "antipyretic_last_6h": False,
    "breathlessness": "at_rest",
    "concern": "very_unwell",
}


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            sys.exit(f"gave up waiting for {what} after {seconds:g} s")
        time.sleep(0.2)


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("FAULTS_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="a database of its own: the worker sends whatever else is queued there too",
    )
    parser.add_argument("--smtp-port", type=int, default=8025, help="the mail sink's port")
    parser.add_argument("--port", type=int, default=8040, help="only for the links in e-mails")
    parser.add_argument("--hold", type=float, default=60, help="how long the sink holds (60 s)")
    args = parser.parse_args()

    env = server_environment(args)
    os.environ.update({k: v for k, v in env.items() if k.startswith(("DJANGO_", "DATABASE_"))})
    if args.database_url.startswith("postgres"):
        create_database(args.database_url)
    manage("migrate", "--noinput", env=env)
    checkin_load.setup_django(args.database_url)

    from django_tasks_db.models import DBTaskResult

    from tracker.checkins import record_report
    from tracker.models import Notification

    logs = Path(tempfile.mkdtemp(prefix="tracker-worker-kill-"))
    mail = logs / "mail"
    say(f"logs and e-mails in {logs}")

    run = time.strftime("%Y%m%d-%H%M%S")
    nurse = f"nurse-kill-{run}@example.org"  # the care team's one nurse, made below

    def delivered() -> int:
        """E-mails to this run's nurse (the worker also sends what else this database queued)."""
        return sum(f"To: {nurse}" in m.read_text() for m in mail.glob("*.eml"))

    python = sys.executable
    sink = Process(
        "mail-sink",
        [
            python,
            "-m",
            "tests.load.mail_sink",
            "--port",
            str(args.smtp_port),
            "--dir",
            str(mail),
            "--hold-first",
            str(args.hold),
        ],
        env,
        logs,
    ).start()
    worker_command = [python, "manage.py", "worker", "--interval", "0.2", "--no-startup-delay"]
    worker = Process("worker", worker_command, env, logs)
    try:
        worker.start()
        (username,) = checkin_load.prepare_patients(1, f"kill-{run}")
        from tracker.models import Patient

        patient = Patient.objects.select_related("user").get(user__username=username)
        report = record_report(patient=patient, answers=EMERGENCY, reported_by=patient.user)
        alert = Notification.objects.get(flag__patient=patient)
        say(
            f"emergency check-in saved (triage {report.get_triage_display()}); "
            f"alert {alert.pk} queued"
        )

        wait_until(lambda: (mail / "holding").exists(), 30, "the worker to reach the DATA phase")
        say("the worker is in the middle of sending (the sink holds DATA): SIGKILL")
        worker.kill()
        worker.popen.wait()
        time.sleep(1)
        task = DBTaskResult.objects.filter(
            task_path__endswith="send_flag_notification", args_kwargs__args__0=alert.pk
        ).earliest("enqueued_at")
        alert.refresh_from_db()
        say(
            f"after the kill: e-mails delivered {delivered()}, alert sent_at {alert.sent_at}, "
            f"task status {task.status}"
        )

        worker.start()
        say("a new worker started (as systemd would restart it)")
        wait_until(
            lambda: Notification.objects.get(pk=alert.pk).sent_at is not None, 30, "the alert"
        )
        say(f"the new worker sent it: e-mails {delivered()}")
        say("escalate_flags (cron): " + manage("escalate_flags", env=env).strip())
        time.sleep(3)
        alert.refresh_from_db()
    finally:
        worker.stop()
        sink.stop()

    count = delivered()
    print()
    print("Worker killed mid-send:")
    print(f"  e-mails to the nurse:           {count}")
    others = len(list(mail.glob("*.eml"))) - count
    if others:
        print(f"  other e-mails (tasks queued earlier in this database): {others}")
    print(
        f"  alert marked sent:              {alert.sent_at is not None} ({alert.recipients} nurse)"
    )
    print("  mail sink log (without the deliveries):")
    for line in (logs / "mail-sink.log").read_text().splitlines():
        if "delivered message" not in line:
            print(f"    {line}")
    ok = count == 1 and alert.sent_at is not None
    print("  RESULT: " + ("sent once" if ok else "NOT sent exactly once"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
