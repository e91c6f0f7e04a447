"""Many patients checking in at once against a running server, and proof that no report is lost.

Each virtual patient logs in through the real login form, then, until the time is up: opens the
check-in page (a fresh form, ``?new=1``), sends a check-in with the fields that page really has,
and follows the redirect to the result. The answers vary: most are quiet, some are urgent or an
emergency, so flags open and join and the nurses' e-mails are queued. A send that fails is sent
again with the same answers and the same submission key, as a patient pressing "send" again would.

At the end it counts the reports in the database against the check-ins that got a success answer;
every submission key that got one must be in the database. It exits 1 if any is missing or the
counts differ. Then, with ``--trivial-seconds``, it loads ``/health/`` with the same concurrency,
to compare the check-in's throughput with a view that does nothing.

Usually started by ``tests/load/run.py``, which also starts gunicorn, the worker and a mail sink.
It needs the server's ``DATABASE_URL`` (set it in the environment, or ``--database-url``), to
prepare the patients and to count their reports.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

PASSWORD = "load-test-password-1"

# The check-ins the virtual patients send, with how often each is picked. Field names are the
# CheckInForm's; the client checks that the page it was given really has each one.
QUIET = {
    "temperature": "36.8",
    "temperature_unit": "C",
    "systolic_bp": "124",
    "diastolic_bp": "78",
    "heart_rate": "76",
    "spo2": "98",
    "antipyretic_last_6h": "no",
    "concern": "none",
}
SCENARIOS: list[tuple[str, int, dict[str, str | list[str]]]] = [
    ("quiet", 50, QUIET),
    (
        "not measured",
        10,
        {
            **QUIET,
            "temperature": "",
            "temperature_not_measured": "on",
            "systolic_bp": "",
            "diastolic_bp": "",
            "bp_not_measured": "on",
        },
    ),
    ("fahrenheit", 5, {**QUIET, "temperature": "98.4", "temperature_unit": "F"}),
    (
        "stomach",
        10,
        {
            **QUIET,
            "changes": ["gut"],
            "vomiting_episodes_24h": "2",
            "loose_stools_24h": "3",
        },
    ),
    ("fever", 15, {**QUIET, "temperature": "38.6", "heart_rate": "104"}),
    (
        "emergency",
        10,
        {
            **QUIET,
            "spo2": "89",
            "heart_rate": "118",
            "changes": ["whole_body"],
            "breathlessness": "at_rest",
            "concern": "very_unwell",
        },
    ),
]

# A check-in still failing when the time is up is sent again for this long, as a patient would.
RETRY_GRACE = 10.0

FIELD_NAME = re.compile(r'name="([^"]+)"')
SUBMISSION_KEY = re.compile(r'name="submission_key" value="([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REPORT_URL = re.compile(r"^/reports/(\d+)/$")


class Failure(Exception):
    """One failed request, named by its kind (HTTP 500, connection refused, form shown again…)."""


@dataclass
class Results:
    """What every virtual patient saw, gathered under a lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    post_latencies: list[float] = field(default_factory=list)
    confirmed: dict[str, int] = field(default_factory=dict)  # submission key -> report id
    scenarios: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    error_times: list[float] = field(default_factory=list)
    success_times: list[float] = field(default_factory=list)

    def request_done(self) -> None:
        with self.lock:
            self.requests += 1

    def error(self, kind: str, at: float) -> None:
        with self.lock:
            self.errors[kind] += 1
            self.error_times.append(at)


class Browser:
    """One phone: a cookie jar and plain HTTP/1.1 requests (gunicorn's sync workers close each)."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {"Host": f"{self.host}:{self.port}", "User-Agent": "tracker-load"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        except ConnectionRefusedError as error:
            raise Failure("connection refused") from error
        except TimeoutError as error:
            raise Failure("timeout") from error
        except (OSError, http.client.HTTPException) as error:
            raise Failure(f"connection error ({type(error).__name__})") from error
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers.get("Location", ""), text

    def get(self, path: str) -> str:
        status, _location, text = self.request("GET", path)
        if status != 200:
            raise Failure(f"HTTP {status} on GET {re.sub(r'/\d+/', '/<id>/', path.split('?')[0])}")
        return text

    def login(self, username: str) -> None:
        page = self.get("/login/")
        token = CSRF_INPUT.search(page).group(1)
        form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
        status, _location, _text = self.request("POST", "/login/", form)
        if status != 302:
            raise Failure(f"login refused (HTTP {status})")


def pick_scenario(rng: random.Random) -> tuple[str, dict]:
    names = [s[0] for s in SCENARIOS]
    weights = [s[1] for s in SCENARIOS]
    name = rng.choices(names, weights)[0]
    return name, dict(next(s[2] for s in SCENARIOS if s[0] == name))


def check_in(browser: Browser, rng: random.Random, results: Results, stop: float) -> None:
    """One check-in, sent again (same key, same answers) after a failure until it is confirmed."""
    page = browser.get("/check-in/?new=1")
    results.request_done()
    key = SUBMISSION_KEY.search(page).group(1)
    name, answers = pick_scenario(rng)
    unknown = set(answers) - set(FIELD_NAME.findall(page))
    if unknown:
        raise Failure(f"the check-in page has no field {sorted(unknown)}: update SCENARIOS")
    form = {
        **answers,
        "submission_key": key,
        "csrfmiddlewaretoken": CSRF_INPUT.search(page).group(1),
    }
    while True:
        started = time.monotonic()
        try:
            status, location, _ = browser.request("POST", "/check-in/", form)
            results.request_done()
            path = urlsplit(location).path
            match = REPORT_URL.match(path)
            if status != 302 or not match:
                raise Failure(
                    "form shown again (invalid answers)" if status == 200 else f"HTTP {status}"
                )
        except Failure as failure:
            now = time.monotonic()
            results.error(f"{failure} on POST /check-in/", now)
            if now >= stop + RETRY_GRACE:
                return
            time.sleep(0.5)
            continue
        finished = time.monotonic()
        with results.lock:
            results.post_latencies.append(finished - started)
            results.confirmed[key] = int(match.group(1))
            results.scenarios[name] += 1
            results.success_times.append(finished)
        browser.get(path)  # the result page the patient reads
        results.request_done()
        return


def patient_loop(
    browser: Browser, seed: int, results: Results, start: threading.Barrier, stop_at: list
) -> None:
    rng = random.Random(seed)
    start.wait()
    while time.monotonic() < stop_at[0]:
        try:
            check_in(browser, rng, results, stop_at[0])
        except Failure as failure:
            results.error(str(failure), time.monotonic())
            time.sleep(0.5)


def health_loop(browser: Browser, results: Results, start: threading.Barrier, stop_at: list):
    start.wait()
    while time.monotonic() < stop_at[0]:
        try:
            browser.get("/health/")
            results.request_done()
        except Failure as failure:
            results.error(str(failure), time.monotonic())


def run_threads(targets, seconds: float, on_start=None) -> float:
    """Starts one thread per target, releases them together; returns the measured seconds."""
    stop_at = [float("inf")]
    barrier = threading.Barrier(len(targets) + 1)
    threads = [threading.Thread(target=t, args=(barrier, stop_at), daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.monotonic()
    stop_at[0] = began + seconds
    if on_start:
        on_start(began)
    for thread in threads:
        thread.join()
    return time.monotonic() - began


# -- The database side: the patients, and the count of their reports ------------------------------


def setup_django(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "load-test-" + uuid.uuid4().hex)
    import django

    django.setup()


def prepare_patients(count: int, run: str) -> list[str]:
    """A care team with a nurse who gets the e-mails, and ``count`` CAR-T patients on day 3."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from tracker.models import CareTeam, Infusion, Patient

    user_model = get_user_model()
    team = CareTeam.objects.create(
        name=f"Load test {run}", phone_24h="+1 202 555 0100", emergency_number="911"
    )
    nurse = user_model.objects.create_user(
        f"load-{run}-nurse", email=f"nurse-{run}@example.org", password=PASSWORD
    )
    team.nurses.add(nurse)
    password = make_password(PASSWORD)  # hashed once: 50 hashes would take longer than the run
    users = user_model.objects.bulk_create(
        user_model(username=f"load-{run}-{n:03d}", email="", password=password)
        for n in range(count)
    )
    patients = Patient.objects.bulk_create(Patient(user=u, care_team=team) for u in users)
    Infusion.objects.bulk_create(
        Infusion(
            patient=p,
            product=Infusion.Product.CAR_T,
            car_target=Infusion.Target.CD19,
            cell_source=Infusion.CellSource.AUTOLOGOUS,
            given_at=timezone.now() - timedelta(days=3),
        )
        for p in patients
    )
    return [u.username for u in users]


def saved_reports(run: str) -> dict[str, int]:
    """Every report of this run's patients in the database: submission key -> report id."""
    from django.db import connection

    from tracker.models import Report

    connection.close()  # a fresh connection: the database may have restarted during the run
    rows = Report.objects.filter(patient__care_team__name=f"Load test {run}").values_list(
        "submission_key", "pk"
    )
    return {str(key): pk for key, pk in rows}


def notification_counts(run: str) -> dict[str, int]:
    from tracker.models import Flag, Notification

    notes = Notification.objects.filter(flag__patient__care_team__name=f"Load test {run}")
    return {
        "flags": Flag.objects.filter(patient__care_team__name=f"Load test {run}").count(),
        "notifications": notes.count(),
        "notifications sent": notes.filter(sent_at__isnull=False).count(),
    }


# -- The run ------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def load(args: argparse.Namespace) -> dict:
    """Runs the check-in load, then the trivial view; returns every figure for the summary."""
    run = args.run or time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:4]
    usernames = prepare_patients(args.patients, run)
    print(f"run {run}: {len(usernames)} patients, logging in…", flush=True)

    browsers = [Browser(args.host, args.port, args.timeout) for _ in usernames]
    login_errors: list[str] = []

    def login(browser: Browser, username: str) -> None:
        try:
            browser.login(username)
        except Failure as failure:
            login_errors.append(str(failure))

    logins = [
        threading.Thread(target=login, args=pair) for pair in zip(browsers, usernames, strict=True)
    ]
    for thread in logins:
        thread.start()
    for thread in logins:
        thread.join()
    if login_errors:
        sys.exit(f"{len(login_errors)} login(s) failed: {Counter(login_errors)}")

    results = Results()
    print(f"checking in for {args.seconds:g} s…", flush=True)
    began = [0.0]

    def started(at: float) -> None:
        began[0] = at
        if getattr(args, "on_start", None):
            args.on_start(at)

    seconds = run_threads(
        [
            lambda barrier, stop_at, b=b, n=n: patient_loop(b, n, results, barrier, stop_at)
            for n, b in enumerate(browsers)
        ],
        args.seconds,
        on_start=started,
    )
    saved = saved_reports(run)
    missing = sorted(set(results.confirmed) - set(saved))
    unconfirmed = len(set(saved) - set(results.confirmed))
    summary = {
        "run": run,
        "patients": args.patients,
        "seconds": seconds,
        "requests": results.requests,
        "requests_per_s": results.requests / seconds,
        "checkins": len(results.confirmed),
        "checkins_per_s": len(results.confirmed) / seconds,
        "p50": percentile(results.post_latencies, 0.50),
        "p95": percentile(results.post_latencies, 0.95),
        "errors": results.errors,
        "scenarios": results.scenarios,
        "reports": len(saved),
        "missing": missing,
        "unconfirmed": unconfirmed,
        "began": began[0],
        "error_times": sorted(t - began[0] for t in results.error_times),
        "success_times": sorted(t - began[0] for t in results.success_times),
    }
    if args.trivial_seconds:
        trivial = Results()
        print(f"loading /health/ for {args.trivial_seconds:g} s…", flush=True)
        health_browsers = [Browser(args.host, args.port, args.timeout) for _ in usernames]
        trivial_seconds = run_threads(
            [
                lambda barrier, stop_at, b=b: health_loop(b, trivial, barrier, stop_at)
                for b in health_browsers
            ],
            args.trivial_seconds,
        )
        summary["trivial_per_s"] = trivial.requests / trivial_seconds
        summary["trivial_errors"] = trivial.errors
    return summary


def print_summary(s: dict) -> bool:
    """Prints the figures; True when every confirmed check-in is in the database."""
    print()
    print(f"Load run {s['run']}: {s['patients']} patients for {s['seconds']:.1f} s")
    print(f"  requests per second (all):          {s['requests_per_s']:.1f}")
    print(f"  check-ins confirmed:                {s['checkins']} ({s['checkins_per_s']:.2f}/s)")
    print(
        f"  check-in POST latency p50 / p95:    {s['p50'] * 1000:.0f} ms / {s['p95'] * 1000:.0f} ms"
    )
    print(f"  answers sent:                       {dict(s['scenarios'])}")
    errors = sum(s["errors"].values())
    print(f"  errors:                             {errors}")
    for kind, count in s["errors"].most_common():
        print(f"    {count:6d}  {kind}")
    if "trivial_per_s" in s:
        print(f"  /health/ requests per second:       {s['trivial_per_s']:.1f}")
        if s["trivial_errors"]:
            print(f"    /health/ errors: {dict(s['trivial_errors'])}")
        print(
            "  ratio check-in / trivial:           "
            f"{s['requests_per_s'] / s['trivial_per_s']:.3f} (requests/s), "
            f"{s['checkins_per_s'] / s['trivial_per_s']:.4f} (check-ins/s)"
        )
    for key in ("flags", "notifications", "notifications sent", "e-mails delivered"):
        if key in s:
            print(f"  {key + ':':<36}{s[key]}")
    print(f"  reports in the database:            {s['reports']}")
    print(f"  check-ins answered with success:    {s['checkins']}")
    print(f"  confirmed but missing from the db:  {len(s['missing'])}")
    if s["unconfirmed"]:
        print(f"  saved but never confirmed:          {s['unconfirmed']}")
    ok = not s["missing"] and s["reports"] == s["checkins"]
    print("  RESULT: " + ("reports == successes" if ok else "MISMATCH: a report is lost or extra"))
    return ok


def arguments(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8040, help="the app server's port")
    parser.add_argument("--patients", type=int, default=50, help="concurrent patients (50)")
    parser.add_argument("--seconds", type=float, default=60, help="length of the run (60)")
    parser.add_argument(
        "--trivial-seconds", type=float, default=15, help="then /health/ this long (15; 0: skip)"
    )
    parser.add_argument("--timeout", type=float, default=60, help="per request, in seconds")
    parser.add_argument("--run", help="a name for this run (default: the time)")
    parser.add_argument("--database-url", help="default: $DATABASE_URL")
    return parser


def main() -> None:
    args = arguments().parse_args()
    setup_django(args.database_url)
    sys.exit(0 if print_summary(load(args)) else 1)


if __name__ == "__main__":
    main()
