"""Test data builders (factory-boy)."""

from __future__ import annotations

import contextlib
import uuid
from datetime import timedelta

import factory
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

import symptoms
from tracker import flags
from tracker.models import (
    CareTeam,
    Flag,
    FlagEvent,
    Infusion,
    Level,
    Patient,
    Preferences,
    Report,
)
from tracker.second_factor import needs_second_factor

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CareTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareTeam
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Cell Therapy Team {n}")
    phone_24h = factory.Sequence(lambda n: f"+1 202 555 01{n % 100:02d}")
    emergency_number = "911"
    time_zone = "Europe/London"

    @factory.post_generation
    def nurses(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.nurses.add(*extracted)


def nurse_of(team: CareTeam, **kwargs):
    """A user who is a nurse of ``team``."""
    user = UserFactory(**kwargs)
    team.nurses.add(user)
    return user


def authenticator_app(user) -> TOTPDevice:
    """The user's authenticator app (a confirmed TOTP device), made if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test app", confirmed=True)


def code_from(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The 6-digit code the app shows now (or ``steps_ahead`` 30-second steps later)."""
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{value:0{device.digits}d}"


def log_in_verified(client: Client, user, backend=None, force_login=Client.force_login) -> None:
    """Logs ``user`` in; staff and nurses as if they had also typed a code from their app."""
    force_login(client, user, backend)
    if needs_second_factor(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = authenticator_app(user).persistent_id
        session.save()


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    user = factory.SubFactory(UserFactory)
    care_team = factory.SubFactory(CareTeamFactory)


class InfusionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Infusion

    patient = factory.SubFactory(PatientFactory)
    product = Infusion.Product.CAR_T
    car_target = Infusion.Target.CD19
    cell_source = Infusion.CellSource.AUTOLOGOUS
    given_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=3))


def car_t_patient(*, day: int = 3, team: CareTeam | None = None, **kwargs) -> Patient:
    """An autologous CD19 CAR-T patient on ``day`` after the infusion."""
    patient = PatientFactory(**({"care_team": team} if team else {}), **kwargs)
    given_at = patient.care_team.days_back(timezone.now(), day, timedelta(minutes=5))
    InfusionFactory(patient=patient, given_at=given_at)
    return patient


class FlagFactory(factory.django.DjangoModelFactory):
    """A flag with its report, for dashboard tests that need a given level and age."""

    class Meta:
        model = Flag

    patient = factory.SubFactory(PatientFactory)
    level = Level.URGENT_NOW
    report = factory.LazyAttribute(
        lambda f: f.patient.reports.create(
            reported_by=f.patient.user,
            answers={"temperature_c": 38.5},
            context={"days_since_infusion": 4},
            triage=f.level,
            findings=[
                {
                    "rule": "CRS-01",
                    "category": "CRS",
                    "grade": "ASTCT grade 1 (home estimate)",
                    "triage": Level(f.level).name,
                    "why": "temperature 38.5 °C ≥ 38.0 °C on day 4 after CAR-T",
                    "sources": ["S1"],
                }
            ],
            ruleset="rules-test",
        )
    )
    level_report = factory.SelfAttribute("report")


def finding(
    *, rule: str = "CRS-01", category: str = "CRS", level: int = Level.URGENT_NOW, why: str = ""
) -> dict:
    """One engine finding as a report stores it."""
    return {
        "rule": rule,
        "category": category,
        "grade": "test grade",
        "triage": Level(level).name,
        "why": why or f"{category.lower()} reason for a test",
        "sources": ["S1"],
    }


# A calm day's check-in: the four questions every patient is asked, all as usual.
USUAL_ANSWERS = {
    "temperature_c": 36.8,
    "chills": "none",
    "fatigue": "none",
    "bruising": "none",
    "rash_bsa_percent": 0.0,
}


class ReportFactory(factory.django.DjangoModelFactory):
    """A check-in assessed by the real engine in the patient's therapy context at ``submitted_at``,
    stored as ``record_report`` stores it, without opening a flag (use ``record_report`` for that).
    """

    class Meta:
        model = Report

    class Params:
        assessment = factory.LazyAttribute(lambda r: symptoms.assess(r.context, r.answers, []))

    patient = factory.SubFactory(PatientFactory)
    reported_by = factory.LazyAttribute(lambda r: r.patient.user)
    submitted_at = factory.LazyFunction(timezone.now)
    answers = factory.LazyFunction(lambda: dict(USUAL_ANSWERS))
    context = factory.LazyAttribute(lambda r: r.patient.therapy_context(r.submitted_at))
    triage = factory.LazyAttribute(lambda r: int(r.assessment.triage))
    findings = factory.LazyAttribute(lambda r: [f.as_dict() for f in r.assessment.findings])
    ruleset = factory.LazyAttribute(lambda r: r.assessment.ruleset)


def resolve_flag(flag: Flag, *, by, outcome: str, note: str = "", at=None) -> FlagEvent:
    """Resolves ``flag`` as the nurse ``by`` through the flag workflow, at ``at`` (else now)."""
    with time_machine.travel(at, tick=False) if at else contextlib.nullcontext():
        assert flags.resolve(flag, by, outcome, note), "the flag was already resolved"
    return flag.latest_event(FlagEvent.Action.RESOLVED)


def carer_of(*patients: Patient, **kwargs):
    """A user who may check in for each of ``patients`` (a family member, a friend)."""
    user = UserFactory(**kwargs)
    for patient in patients:
        patient.carers.add(user)
    return user


class PreferencesFactory(factory.django.DjangoModelFactory):
    """A user's own choices: ``PreferencesFactory(user=nurse, language="es")``."""

    class Meta:
        model = Preferences
        django_get_or_create = ["user"]

    user = factory.SubFactory(UserFactory)
    language = "es"


def check_in_form(**overrides) -> dict:
    """What the check-in form posts for a complete, quiet day: every vital sign measured and
    normal, nothing new. An override of ``None`` leaves that field out."""
    data = {
        "submission_key": str(uuid.uuid4()),
        "temperature": "36.8",
        "temperature_unit": "C",
        "systolic_bp": "124",
        "diastolic_bp": "78",
        "heart_rate": "76",
        "spo2": "98",
        "antipyretic_last_6h": "no",
        "concern": "none",
        **overrides,
    }
    return {k: v for k, v in data.items() if v is not None}
