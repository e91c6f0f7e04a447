"""Times every nurse and patient page through gunicorn, with the trivial /health/ timed beside it.

    python -m tests.load.benchmark_pages \\
        --database-url postgres://postgres@127.0.0.1:5432/tracker_perf_scale

Serves the app as production does (gunicorn, ``--workers`` 2, debug off, a fresh secret key, hosts
127.0.0.1), logs in the users that ``manage.py seed_scale`` made, and for each page sends
``--requests`` GETs from ``--clients`` threads at once, after the same burst of ``/health/``.
It prints p50 and p95, requests a second, the answer's size and the ratio of the page's requests a
second to /health/'s: the share of the trivial view's throughput the page keeps.

``--seed-patients N`` first runs ``seed_scale --force`` with N patients when the database has no
scale data yet (CI's smoke uses 20). Exit status 1 on any 5xx or unexpected answer; it asserts no
timing.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import os
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from django_otp.oath import TOTP

from tests.load.checkin_load import CSRF_INPUT, Failure, percentile, setup_django
from tests.load.run import create_database, gunicorn, manage, wait_for

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tracker_perf_scale"
PASSWORD = "tracker-scale"  # seed_scale's measuring password
NURSE_ALL, NURSE_ONE, PATIENT = "scale.nurse.all", "scale.nurse.one", "scale.p00001"
# What the dashboard's 30-second refresh sends (htmx); an unchanged refresh adds the version it has.
POLL = {"HX-Request": "true", "HX-Trigger": "worklist", "HX-Target": "worklist"}


class Session:
    """A logged-in user's cookies, shared by the clients (GETs only, so that is safe)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def get(self, path: str, headers: dict | None = None) -> tuple[int, bytes, dict]:
        sent = {"Host": f"127.0.0.1:{self.port}", "User-Agent": "tracker-bench", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return self.send("GET", path, sent)

    def send(self, method: str, path: str, headers: dict, body: str | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as error:
            raise Failure(f"{type(error).__name__} on {method} {path}") from error
        finally:
            connection.close()
        return response.status, content, dict(response.headers)

    def _form(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        """GETs the form at ``path`` and posts ``fields`` with its CSRF token, keeping cookies:
        (status, Location)."""
        from urllib.parse import urlencode

        status, page, headers = self._exchange("GET", path)
        token = CSRF_INPUT.search(page.decode()).group(1)
        status, _, headers = self._exchange(
            "POST",
            path,
            urlencode({**fields, "csrfmiddlewaretoken": token}),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        return status, headers.get("Location", "")

    def _exchange(self, method: str, path: str, body: str | None = None, extra=None):
        from http.cookies import SimpleCookie

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Host": f"127.0.0.1:{self.port}", **(extra or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
            for value in response.headers.get_all("Set-Cookie") or []:
                for cookie, morsel in SimpleCookie(value).items():
                    self.cookies[cookie] = morsel.value
            return response.status, content, response.headers
        finally:
            connection.close()

    def login(self, username: str) -> Session:
        status, location = self._form("/login/", {"username": username, "password": PASSWORD})
        if status != 302:
            sys.exit(f"{username} could not log in (HTTP {status}): run seed_scale first")
        status, _, headers = self._exchange("GET", location or "/")
        if "/account/two-factor/" in headers.get("Location", ""):
            # seed_scale gives its nurses the demo authenticator key; one code per nurse.
            from tracker.management.commands.seed_demo import SECOND_FACTOR_SECRET

            code = f"{TOTP(base64.b32decode(SECOND_FACTOR_SECRET)).token():06d}"
            status, location = self._form("/account/two-factor/", {"code": code, "next": "/"})
            if status != 302 or "/account/" in location:
                sys.exit(f"{username}: the second-factor code was refused (HTTP {status})")
        return self


@dataclass
class Page:
    name: str
    session: Session
    path: str
    headers: dict = field(default_factory=dict)
    expect: tuple[int, ...] = (200,)


@dataclass
class Timing:
    latencies: list[float]
    seconds: float
    size: int
    statuses: dict[int, int]

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds


def burst(page: Page, requests: int, clients: int) -> Timing:
    """``requests`` GETs of the page from ``clients`` threads at once."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    sizes: list[int] = []
    lock = threading.Lock()
    left = [requests]

    def client() -> None:
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            began = time.perf_counter()
            try:
                status, content, _headers = page.session.get(page.path, page.headers)
            except Failure:
                status, content = 599, b""
            took = time.perf_counter() - began
            with lock:
                latencies.append(took)
                statuses[status] = statuses.get(status, 0) + 1
                sizes.append(len(content))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Timing(latencies, time.perf_counter() - began, int(statistics.median(sizes)), statuses)


def log_in_everyone(port: int) -> tuple[Session, Session, Session]:
    """The all-teams nurse, the one-team nurse and the patient, each logged in once (a nurse's
    code works once, so the same sessions serve every round)."""
    return tuple(Session(port).login(u) for u in (NURSE_ALL, NURSE_ONE, PATIENT))


def pages(sessions: tuple[Session, Session, Session], refresh_version: str | None) -> list[Page]:
    everyone, one_team, patient = sessions
    patient_pk = patient_id(everyone)
    listed = [
        Page("dashboard, nurse of all teams", everyone, "/dashboard/"),
        Page("dashboard, nurse of one team", one_team, "/dashboard/"),
        Page("dashboard refresh, all teams", everyone, "/dashboard/", POLL),
    ]
    if refresh_version:
        listed.append(
            Page(
                "dashboard refresh, unchanged",
                everyone,
                "/dashboard/",
                {**POLL, "X-Worklist-Version": refresh_version},
                expect=(204,),
            )
        )
    listed += [
        Page("patient list, all teams", everyone, "/patients/"),
        Page("timeline, patient with ~100 reports", everyone, f"/patients/{patient_pk}/"),
        Page("the patient's history", patient, "/history/"),
        Page("check-in page (GET)", patient, "/check-in/"),
    ]
    return listed


def patient_id(session: Session) -> int:
    """The pk of scale.p00001, the patient with every report."""
    from tracker.models import Patient

    return Patient.objects.values_list("pk", flat=True).get(user__username=PATIENT)


def worklist_version(session: Session) -> str | None:
    """The version the dashboard's list carries now, which its next refresh sends back."""
    try:
        drawn = session.get("/dashboard/", POLL)[1].decode()
    except Failure:
        return None
    found = re.search(r'"X-Worklist-Version": "(\w+)"', drawn)
    return found.group(1) if found else None


def server_environment(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="tracker.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_LOG_LEVEL="WARNING",
    )
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--port", type=int, default=8011)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--clients", type=int, default=8, help="requests at once (8)")
    parser.add_argument("--requests", type=int, default=80, help="GETs per page (80)")
    parser.add_argument(
        "--only", action="append", metavar="WORDS", help="time only pages whose name holds WORDS"
    )
    parser.add_argument("--seed-patients", type=int, metavar="N", help="seed N patients if empty")
    parser.add_argument("--reports-per-patient", type=int, default=20)
    args = parser.parse_args()

    env = server_environment(args.database_url)
    os.environ.update({k: v for k, v in env.items() if k.startswith(("DJANGO_", "DATABASE_"))})
    if args.database_url.startswith("postgres"):
        # Seeding makes a new world: start from an empty database.
        create_database(args.database_url, fresh=bool(args.seed_patients))
    manage("migrate", "--noinput", env=env)
    manage("collectstatic", "--noinput", env=env)
    if args.seed_patients:
        print(
            manage(
                "seed_scale",
                "--force",
                "--patients",
                str(args.seed_patients),
                "--reports-per-patient",
                str(args.reports_per_patient),
                env=env,
            ).strip()
        )
    setup_django(args.database_url)
    logs = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    web = gunicorn(args.port, args.workers, env, logs, timeout=60).start()
    failed: list[str] = []
    try:
        wait_for(f"http://127.0.0.1:{args.port}/health/")
        if web.popen.poll() is not None:
            sys.exit(f"gunicorn exited at start: see {web.log_path}")
        health = Page("/health/", Session(args.port), "/health/")
        sessions = log_in_everyone(args.port)
        listed = pages(sessions, None)
        # The version the list carries, which its next refresh sends back (none before issue 11).
        version = worklist_version(listed[2].session)
        listed = pages(sessions, version) if version else listed
        print(
            f"{args.clients} clients, {args.requests} GETs a page, {args.workers} gunicorn workers;"
            f" logs in {logs}"
        )
        print(
            f"| {'page':<38} | {'p50 ms':>7} | {'p95 ms':>7} | {'req/s':>6} "
            f"| {'/health/ req/s':>14} | {'ratio':>6} | {'size':>8} | status |"
        )
        print(
            f"|{'-' * 40}|{'-' * 9}|{'-' * 9}|{'-' * 8}|{'-' * 16}|{'-' * 8}|{'-' * 10}|--------|"
        )
        for page in listed:
            if args.only and not any(words in page.name for words in args.only):
                continue
            if "X-Worklist-Version" in page.headers:  # the version moves with the clock too
                page.headers["X-Worklist-Version"] = worklist_version(page.session)
            burst(page, min(args.clients, args.requests), args.clients)  # warm the workers
            beside = burst(health, max(args.requests, 200), args.clients)
            timing = burst(page, args.requests, args.clients)
            ratio = timing.per_second / beside.per_second
            statuses = ", ".join(f"{s}×{n}" for s, n in sorted(timing.statuses.items()))
            print(
                f"| {page.name:<38} | {percentile(timing.latencies, 0.5) * 1000:>7.0f}"
                f" | {percentile(timing.latencies, 0.95) * 1000:>7.0f}"
                f" | {timing.per_second:>6.1f} | {beside.per_second:>14.0f} | {ratio:>6.3f}"
                f" | {timing.size / 1024:>6.1f}KB | {statuses} |",
                flush=True,
            )
            unexpected = set(timing.statuses) - set(page.expect)
            if unexpected:
                failed.append(f"{page.name}: HTTP {sorted(unexpected)}")
            if set(beside.statuses) != {200}:
                failed.append(f"/health/ beside {page.name}: HTTP {sorted(beside.statuses)}")
    finally:
        web.stop()
    if failed:
        print("FAILED: " + "; ".join(failed) + f" (see {web.log_path})")
        sys.exit(1)


if __name__ == "__main__":
    main()
