"""A programme-sized world to measure the pages at scale: care teams, patients, months of reports.

    python manage.py seed_scale --patients 5000 --reports-per-patient 100

Rows are written with ``bulk_create`` (no history rows, no e-mails); the reports' assessments come
from the real engine, run once for each kind of answer and then reused. Every user's password is
``tracker-scale``, so like ``seed_demo`` it refuses to run with debug off unless ``--force`` says
the database is a throwaway one for measuring.

Logins it makes: ``scale.nurse.all`` (a nurse of every team), ``scale.nurse.one`` (a nurse of the
first team only), both with the demo authenticator key of ``seed_demo``, patients ``scale.p00001`` …
(``scale.p00001`` has every report), carers ``scale.c00010`` … for every tenth patient."""

from __future__ import annotations

import random
import time
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

import symptoms
from tracker.management.commands.seed_demo import SECOND_FACTOR_SECRET
from tracker.models import CareTeam, Flag, FlagEvent, Infusion, Level, Patient, Report
from tracker.second_factor import give_demo_device

PASSWORD = "tracker-scale"  # noqa: S105 - documented measuring password, refused outside debug
PREFIX = "scale."
NURSE_ALL = "scale.nurse.all"
NURSE_ONE = "scale.nurse.one"

WELL = {
    "chills": "none",
    "fatigue": "relieved_by_rest",
    "bruising": "none",
    "rash_bsa_percent": 0,
    "antipyretic_last_6h": False,
    "temperature_c": 36.8,
    "systolic_bp": 122,
    "diastolic_bp": 76,
    "heart_rate": 78,
    "spo2": 98,
}
# (weight, answers): mostly well days, some routine worries, a few urgent ones.
KINDS: list[tuple[int, dict[str, Any]]] = [
    (60, {}),
    (10, {"temperature_c": 37.4, "heart_rate": 92}),
    (8, {"fatigue": "limits_usual_activities"}),
    (6, {"rash_bsa_percent": 5, "itching": True}),
    (5, {"temperature_c": 38.4, "chills": "shivering"}),
    (4, {"rash_bsa_percent": 20, "itching": True}),
    (4, {"temperature_c": 39.2, "systolic_bp": 86, "heart_rate": 118}),
    (3, {"bruising": "local", "temperature_c": 37.1}),
]
PRODUCTS = [
    ("CAR-T", "CD19", "autologous"),
    ("CAR-T", "BCMA", "autologous"),
    ("CAR-T", "CD19", "allogeneic"),
    ("DLI", "", "allogeneic"),
    ("CIK", "", "autologous"),
    ("NK", "", "allogeneic"),
    ("TIL", "", "autologous"),
]
ZONES = ["UTC", "Europe/London", "Europe/Madrid", "America/New_York", "America/Chicago"]
FIRST = ["Alex", "Sam", "Robin", "Jordan", "Maria", "Wei", "Aisha", "Lucas", "Noor", "Kai"]
LAST = ["Rivera", "Okafor", "Lee", "Garcia", "Chen", "Khan", "Smith", "Novak", "Silva", "Haddad"]


class Command(BaseCommand):
    help = "Creates a large measuring world (debug only, or --force). Password: tracker-scale."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--patients", type=int, default=5000)
        parser.add_argument("--reports-per-patient", type=int, default=100)
        parser.add_argument("--teams", type=int, default=20)
        parser.add_argument("--seed", type=int, default=11, help="random seed (same world again)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="run with debug off too: the database is a throwaway one for measuring",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_scale runs only with DJANGO_DEBUG=true (it makes users with a known "
                "password); add --force for a throwaway measuring database."
            )
        if get_user_model().objects.filter(username=NURSE_ALL).exists():
            self.stdout.write("Scale data is already there.")
            return
        started = time.monotonic()
        world = World(options, self.stdout)
        world.build()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # the planner's statistics, as autovacuum would make
        self.stdout.write(
            self.style.SUCCESS(
                f"{options['patients']} patients, {world.reports} reports, {world.flags} flags "
                f"in {options['teams']} teams, in {time.monotonic() - started:.0f} s. "
                f"Log in as {NURSE_ALL}, {NURSE_ONE} or scale.p00001 (password {PASSWORD})."
            )
        )


class World:
    def __init__(self, options: dict, stdout) -> None:
        self.patients = options["patients"]
        self.per_patient = options["reports_per_patient"]
        self.team_count = options["teams"]
        self.rng = random.Random(options["seed"])  # noqa: S311 - made-up data, not secrets
        self.stdout = stdout
        self.now = timezone.now()
        self.password = make_password(PASSWORD)
        self.reports = self.flags = 0
        self.pool = self.assessed_kinds()

    def assessed_kinds(self) -> list[tuple[dict, int, list, str]]:
        """Each kind of answers with the engine's triage and findings (a day-30 CAR-T context)."""
        context = {
            "product": "CAR-T",
            "target": "CD19",
            "cell_source": "autologous",
            "prior_allogeneic_transplant": False,
            "days_since_infusion": 30,
            "hours_since_infusion": None,
            "crs_treated": False,
            "neutropenia_expected": False,
            "labs": {},
            "baseline": {},
            "site": {"fever_threshold_c": 38.0},
        }
        pool = []
        for weight, change in KINDS:
            answers = {**WELL, **change}
            assessment = symptoms.assess(context, answers, [])
            findings = [f.as_dict() for f in assessment.findings]
            pool += [(answers, int(assessment.triage), findings, assessment.ruleset)] * weight
        return pool

    def build(self) -> None:
        users = get_user_model()
        teams = CareTeam.objects.bulk_create(
            CareTeam(
                name=f"Scale team {n:02d}",
                phone_24h=f"+1-555-01{n:02d}",
                emergency_number="911",
                time_zone=ZONES[n % len(ZONES)],
            )
            for n in range(1, self.team_count + 1)
        )
        nurse_all = users.objects.create_user(NURSE_ALL, password=PASSWORD, first_name="Ada")
        nurse_one = users.objects.create_user(NURSE_ONE, password=PASSWORD, first_name="Bo")
        for team in teams:
            team.nurses.add(nurse_all)
        teams[0].nurses.add(nurse_one)
        for nurse in (nurse_all, nurse_one):  # nurses sign in with a second factor
            give_demo_device(nurse, SECOND_FACTOR_SECRET)
        chunk = 100
        for start in range(0, self.patients, chunk):
            numbers = range(start + 1, min(start + chunk, self.patients) + 1)
            with transaction.atomic():
                self.build_patients(numbers, teams, nurse_all)
            self.stdout.write(f"  {numbers[-1]} patients, {self.reports} reports", ending="\r")
            self.stdout.flush()
        self.stdout.write("")

    def build_patients(self, numbers: range, teams: list[CareTeam], nurse) -> None:
        users = get_user_model()
        rng = self.rng
        people = users.objects.bulk_create(
            users(
                username=f"{PREFIX}p{n:05d}",
                email=f"{PREFIX}p{n:05d}@example.org",
                password=self.password,
                first_name=rng.choice(FIRST),
                last_name=f"{rng.choice(LAST)}-{n:05d}",
            )
            for n in numbers
        )
        carers = {
            n: users(
                username=f"{PREFIX}c{n:05d}",
                email=f"{PREFIX}c{n:05d}@example.org",
                password=self.password,
                first_name=rng.choice(FIRST),
                last_name="Carer",
            )
            for n in numbers
            if n % 10 == 0
        }
        users.objects.bulk_create(carers.values())
        monitoring = [Patient.Monitoring.ACTIVE] * 18 + [
            Patient.Monitoring.PAUSED,
            Patient.Monitoring.ENDED,
        ]
        patients = Patient.objects.bulk_create(
            Patient(
                user=person,
                care_team=teams[(n - 1) % len(teams)],
                monitoring=rng.choice(monitoring),
                baseline={"systolic_bp": 124, "heart_rate": 78, "spo2": 98},
                labs={"anc": 1.6, "platelets": 110, "hemoglobin": 11.2},
            )
            for n, person in zip(numbers, people, strict=True)
        )
        through = Patient.carers.through
        through.objects.bulk_create(
            through(patient=patient, user=carers[n])
            for n, patient in zip(numbers, patients, strict=True)
            if n in carers
        )
        infusions, reports, flags = [], [], []
        for n, patient in zip(numbers, patients, strict=True):
            product, target, source = rng.choice(PRODUCTS)
            # Day 0 a little before the first report, so reports are days 1 … N.
            given = self.now - timedelta(days=self.per_patient + rng.randint(0, 20), hours=3)
            infusions.append(
                Infusion(
                    patient=patient,
                    product=product,
                    car_target=target,
                    cell_source=source,
                    given_at=given,
                )
            )
            patient_reports = self.reports_of(n, patient, carers.get(n), product, target, given)
            reports += patient_reports
        Infusion.objects.bulk_create(infusions)
        Report.objects.bulk_create(reports, batch_size=2000)
        self.reports += len(reports)
        by_patient: dict[int, list[Report]] = {}
        for report in reports:
            by_patient.setdefault(report.patient_id, []).append(report)
        events = []
        for patient in patients:
            flags += self.flags_of(patient, by_patient.get(patient.pk, []), nurse, events)
        Flag.objects.bulk_create(flags)
        FlagEvent.objects.bulk_create(events)
        self.flags += len(flags)

    def reports_of(self, n, patient, carer, product, target, given) -> list[Report]:
        rng = self.rng
        count = self.per_patient if n == 1 else max(0, self.per_patient - rng.randint(0, 2))
        # About a quarter have not checked in yet today.
        today = n == 1 or rng.random() > 0.25
        zone = patient.care_team.zone
        midnight = self.now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
        context = {
            "product": product,
            "target": target or None,
            "cell_source": "autologous",
            "prior_allogeneic_transplant": False,
            "hours_since_infusion": None,
            "crs_treated": False,
            "neutropenia_expected": False,
            "labs": dict(patient.labs),
            "baseline": dict(patient.baseline),
            "site": {"fever_threshold_c": 38.0},
        }
        reports = []
        for days_ago in range(0 if today else 1, count + (0 if today else 1)):
            if days_ago == 0:
                since_midnight = (self.now - midnight).total_seconds()
                at = midnight + timedelta(seconds=rng.uniform(0, since_midnight * 0.95))
            else:
                at = midnight - timedelta(days=days_ago) + timedelta(hours=rng.uniform(7, 21))
            answers, triage, findings, ruleset = rng.choice(self.pool)
            reports.append(
                Report(
                    patient=patient,
                    reported_by=carer if carer is not None and rng.random() < 0.3 else patient.user,
                    submitted_at=at,
                    submission_key=uuid.uuid4(),
                    answers=answers,
                    context={**context, "days_since_infusion": (at - given).days},
                    triage=triage,
                    findings=findings,
                    ruleset=ruleset,
                )
            )
        return reports

    def flags_of(self, patient, reports: list[Report], nurse, events: list) -> list[Flag]:
        """Every urgent report long ago was resolved; about 6 % of patients have one waiting."""
        rng = self.rng
        urgent = [r for r in reports if r.triage >= Level.URGENT_TODAY]
        flags = []
        recent = sorted(urgent, key=lambda r: r.submitted_at)[-3:]
        for report in recent:
            waiting = report is recent[-1] and rng.random() < 0.06
            resolved_at = min(
                report.submitted_at + timedelta(hours=rng.uniform(0.3, 6)),
                self.now - timedelta(minutes=1),
            )
            flag = Flag(
                patient=patient,
                report=report,
                level_report=report,
                level=report.triage,
                opened_at=report.submitted_at,
            )
            events.append(
                FlagEvent(
                    flag=flag,
                    action="opened",
                    at=report.submitted_at,
                    level=report.triage,
                    report=report,
                )
            )
            if not waiting:
                flag.status = Flag.Status.RESOLVED
                flag.acknowledged_by = flag.resolved_by = nurse
                flag.acknowledged_at = flag.resolved_at = resolved_at
                flag.outcome = rng.choice(Flag.Outcome.values)
                events.append(
                    FlagEvent(
                        flag=flag,
                        action="resolved",
                        at=resolved_at,
                        by=nurse,
                        level=report.triage,
                        report=report,
                        outcome=flag.outcome,
                    )
                )
            elif rng.random() < 0.3:
                flag.status = Flag.Status.ACKNOWLEDGED
                flag.acknowledged_by = nurse
                flag.acknowledged_at = report.submitted_at + timedelta(minutes=20)
            flags.append(flag)
        return flags
