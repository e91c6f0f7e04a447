"""The demo's setup holds under a burst: runserver and the real task worker on one SQLite file.

SQLite has one writer at a time and the worker (``manage.py worker``) takes the write lock every
second to look for tasks. Before the database settings asked for IMMEDIATE transactions, about one
login in three met "database is locked" and got a server error, and a wrong password that met it
was not counted toward the lockout. Here the real processes run as the README's demo runs them
(``DJANGO_DEBUG=true``, e-mails printed by the worker) on a database file of their own, while
several people at once log in, check in, enrol a patient, choose a password from the invitation
the worker sent, and get a password wrong five times.
"""

from __future__ import annotations

import base64
import email
import http.cookiejar
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django_otp.oath import TOTP

from tests.commands import ROOT
from tests.factories import check_in_form
from tracker.management.commands.seed_demo import SECOND_FACTOR_SECRET

DEMO_PASSWORD = "tracker-demo"
NEW_PASSWORD = "a-new-Pass-for-the-check-in"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Demo:
    """The running server and worker, what they printed, and every answer the server gave."""

    url: str
    database: Path
    worker_output: Path
    server_output: Path
    statuses: list[int] = field(default_factory=list)

    def server_errors(self) -> list[int]:
        return [status for status in self.statuses if status >= 500]

    def query(self, sql: str, *args) -> list[tuple]:
        with sqlite3.connect(self.database, timeout=20) as db:
            return db.execute(sql, args).fetchall()

    def tasks_waiting(self) -> int:
        waiting = "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'READY'"
        return self.query(waiting)[0][0]

    def invitation_link(self, address: str, *, wait: float = 60) -> str:
        """The link in the invitation the worker printed for ``address`` (the console e-mail)."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            for printed in self.worker_output.read_text().split("-" * 79):
                if f"To: {address}" not in printed:
                    continue
                # The worker's own log lines come first; the message from its first header on.
                message = email.message_from_string(printed[printed.index("Content-Type:") :])
                body = message.get_payload(decode=True).decode()
                return re.search(rf"{re.escape(self.url)}/welcome/\S+", body).group()
            time.sleep(0.5)
        raise AssertionError(f"the worker sent no invitation to {address}")


class Visitor:
    """One person's browser: its own cookies, the CSRF token sent back as the form would."""

    def __init__(self, demo: Demo) -> None:
        self.demo = demo
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def open(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        """GET (or POST ``data``), following redirects: (status, final address, page)."""
        url = path if path.startswith("http") else self.demo.url + path
        body = None
        if data is not None:
            token = next((c.value for c in self.cookies if c.name == "csrftoken"), "")
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}, doseq=True)
        try:
            with self.opener.open(url, body.encode() if body else None, timeout=60) as response:
                answer = response.status, response.url, response.read().decode()
        except urllib.error.HTTPError as error:
            answer = error.code, error.url, error.read().decode(errors="replace")
        self.demo.statuses.append(answer[0])
        return answer

    def log_in(
        self, username: str, password: str = DEMO_PASSWORD, *, keep: bool = False
    ) -> tuple[int, str, str]:
        self.open("/login/")
        form = {"username": username, "password": password, "next": ""}
        answer = self.open("/login/", {**form, "keep_signed_in": "on"} if keep else form)
        if "/account/two-factor/" in answer[1]:
            # A nurse types the code from the authenticator app holding the demo key. The app takes
            # a time step only after the last one it took, so the nurses type theirs one at a time,
            # each sent before the next is made (sent out of order, an earlier step is refused).
            with _codes:
                answer = self.open(answer[1], {"code": demo_code(), "next": "/dashboard/"})
        return answer


_codes = threading.Lock()
_last_step = [-1]


def demo_code() -> str:
    """The next unused code of the demo staff's key (the caller holds ``_codes``): a code works
    once, so concurrent nurses take consecutive time steps (the app accepts one step either side of
    now)."""
    totp = TOTP(base64.b32decode(SECOND_FACTOR_SECRET))
    while (step := max(totp.t(), _last_step[0] + 1)) > totp.t() + 1:
        time.sleep(1)
    _last_step[0] = step
    totp.drift = step - totp.t()
    return f"{totp.token():06d}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """``bash .ci/demo``'s processes on a fresh database file, on a free port."""
    folder = tmp_path_factory.mktemp("demo")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="tracker.settings",
        DJANGO_DEBUG="true",
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        DJANGO_SITE_URL=f"http://127.0.0.1:{port}",
        PYTHONUNBUFFERED="1",
    )
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603
    demo = Demo(
        url=f"http://127.0.0.1:{port}",
        database=folder / "db.sqlite3",
        worker_output=folder / "worker.log",
        server_output=folder / "server.log",
    )
    processes = []
    for command, output in (
        (["worker"], demo.worker_output),
        (["runserver", f"127.0.0.1:{port}", "--noreload"], demo.server_output),
    ):
        with output.open("w") as log:
            processes.append(
                subprocess.Popen(  # noqa: S603 - our own manage.py with fixed arguments
                    [*manage, *command],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(demo.url + "/health/", timeout=5)  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield demo
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)


def patient_checks_in(demo: Demo, username: str, temperature: str, keep: bool = False) -> None:
    visitor = Visitor(demo)
    status, url, _ = visitor.log_in(username, keep=keep)
    assert (status, url) == (200, demo.url + "/check-in/"), f"{username} could not log in"
    status, url, _ = visitor.open("/check-in/", check_in_form(temperature=temperature))
    assert status == 200
    assert "/reports/" in url, f"{username}'s check-in was not sent"


def nurse_enrols(demo: Demo, email: str) -> None:
    visitor = Visitor(demo)
    status, url, _ = visitor.log_in("nurse.demo")
    assert (status, url) == (200, demo.url + "/dashboard/")
    _, _, form = visitor.open("/patients/new/")
    team = re.search(r'<option value="(\d+)" selected', form).group(1)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    details = {
        "first_name": "New",
        "last_name": "Patient",
        "email": email,
        "care_team": team,
        "product": "CAR-T",
        "car_target": "CD19",
        "cell_source": "autologous",
        "infusion_date": yesterday.date().isoformat(),
        "infusion_time": "10:00",
    }
    status, url, _ = visitor.open("/patients/new/", details)
    assert status == 200
    assert url.endswith("/care/"), "the enrolment was not saved"


def new_patient_chooses_a_password_and_checks_in(demo: Demo, email: str) -> None:
    visitor = Visitor(demo)
    status, url, _ = visitor.open(demo.invitation_link(email))
    assert status == 200
    assert url.endswith("/set-password/")
    choice = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    status, url, _ = visitor.open(url, choice)
    assert (status, url) == (200, demo.url + "/check-in/"), "the password was not saved"
    status, url, _ = visitor.open("/check-in/", check_in_form())
    assert "/reports/" in url


@contextmanager
def write_lock_held(demo: Demo, seconds: float):
    """Another process holds SQLite's write lock for ``seconds`` (as the worker does, briefly)."""
    db = sqlite3.connect(demo.database, isolation_level=None, check_same_thread=False)
    db.execute("BEGIN IMMEDIATE")
    release = threading.Timer(seconds, db.execute, ["COMMIT"])
    release.start()
    try:
        yield
    finally:
        release.join()
        db.close()


def wrong_password(demo: Demo, username: str) -> int:
    status, _, _ = Visitor(demo).log_in(username, "not-the-password")
    return status


def test_a_burst_of_logins_and_check_ins_beside_the_worker_has_no_server_error(demo):
    new_patients = [f"new.patient{n}@example.org" for n in range(3)]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=6) as pool:
        journeys = [
            *(pool.submit(nurse_enrols, demo, email) for email in new_patients),
            *(pool.submit(patient_checks_in, demo, "patient.demo", "36.9", True) for _ in range(3)),
            *(pool.submit(patient_checks_in, demo, "patient2.demo", "37.1") for _ in range(3)),
            # A fever on day 3 after CAR-T: the worker e-mails the nurse at once.
            *(pool.submit(patient_checks_in, demo, "carer.demo", "38.6") for _ in range(2)),
            *(pool.submit(wrong_password, demo, "admin.demo") for _ in range(5)),
            *(
                pool.submit(new_patient_chooses_a_password_and_checks_in, demo, email)
                for email in new_patients
            ),
        ]
        for journey in journeys:
            journey.result()

    logins = demo.query("SELECT count(*) FROM axes_accesslog")[0][0]
    print(  # the numbers for the reviewer (pytest -s)
        f"\n{len(demo.statuses)} responses, {logins} logins, "
        f"{len(demo.server_errors())} server errors in {time.monotonic() - started:.1f} s"
    )
    assert demo.server_errors() == []
    server_log = demo.server_output.read_text()
    assert "database is locked" not in server_log
    assert "Traceback" not in server_log
    # Every wrong password counted: the fifth locked the account, so the right one is refused.
    assert demo.query(
        "SELECT failures_since_start FROM axes_accessattempt WHERE username = 'admin.demo'"
    ) == [(5,)]
    status, _, page = Visitor(demo).log_in("admin.demo")
    assert status == 429
    assert "Your account is locked for now" in page

    # A wrong password that meets the database locked by another process waits, and counts.
    with write_lock_held(demo, seconds=3):
        status, _, page = Visitor(demo).log_in("patient2.demo", "not-the-password")
    assert status == 200
    assert "do not match" in page
    assert demo.query(
        "SELECT failures_since_start FROM axes_accessattempt WHERE username = 'patient2.demo'"
    ) == [(1,)]

    # The worker kept up beside it: every e-mail it was given (invitations, the nurse's alert) sent.
    deadline = time.monotonic() + 60
    while demo.tasks_waiting():
        assert time.monotonic() < deadline, "the worker left tasks waiting"
        time.sleep(0.5)
    tasks = dict(
        demo.query("SELECT status, count(*) FROM django_tasks_database_dbtaskresult GROUP BY 1")
    )
    assert set(tasks) == {"SUCCESSFUL"}, tasks
    assert tasks["SUCCESSFUL"] >= len(new_patients) + 1
    worker_log = demo.worker_output.read_text()
    assert "database is locked" not in worker_log
    assert "Traceback" not in worker_log
