"""Demo data to try the app locally: a care team, a nurse, two patients, a carer, a few reports."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from tracker.checkins import record_report
from tracker.models import CareTeam, Infusion, Patient
from tracker.second_factor import give_demo_device

PASSWORD = "tracker-demo"  # noqa: S105 - documented demo password, refused outside debug
TEAM = "Cell Therapy Unit (demo)"
# The demo staff's authenticator key (base32): add it to any authenticator app to get their codes.
SECOND_FACTOR_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105 - documented demo key, debug only


class Command(BaseCommand):
    help = "Creates demo users and data (only with DJANGO_DEBUG on). Password: tracker-demo."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo runs only with DJANGO_DEBUG=true: it makes users with a known password."
            )
        if CareTeam.objects.filter(name=TEAM).exists():
            self.stdout.write("Demo data is already there.")
            return
        with transaction.atomic():
            self.seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready. Log in as nurse.demo, patient.demo, patient2.demo or carer.demo "
                f"(password {PASSWORD}); admin.demo for the admin."
            )
        )
        self.stdout.write(
            f"nurse.demo and admin.demo also type a code from an authenticator app: add the key "
            f"{SECOND_FACTOR_SECRET} to any authenticator app (as a time-based key)."
        )

    def seed(self) -> None:
        users = get_user_model()
        now = timezone.now()
        team = CareTeam.objects.create(
            name=TEAM, phone_24h="+1 202 555 0100", emergency_number="911", time_zone="UTC"
        )
        nurse = users.objects.create_user(
            "nurse.demo", "nurse.demo@example.org", PASSWORD, first_name="Jordan", last_name="Lee"
        )
        team.nurses.add(nurse)
        admin = users.objects.create_superuser("admin.demo", "admin.demo@example.org", PASSWORD)
        for staff in (nurse, admin):
            give_demo_device(staff, SECOND_FACTOR_SECRET)

        alex = Patient.objects.create(
            user=users.objects.create_user(
                "patient.demo",
                "patient.demo@example.org",
                PASSWORD,
                first_name="Alex",
                last_name="Rivera",
            ),
            care_team=team,
            baseline={"systolic_bp": 124, "heart_rate": 78, "spo2": 98, "ice_score": 10},
        )
        Infusion.objects.create(
            patient=alex,
            product="CAR-T",
            car_target="CD19",
            cell_source="autologous",
            given_at=team.days_back(now, 3, timedelta(hours=2)),
        )
        sam = Patient.objects.create(
            user=users.objects.create_user(
                "patient2.demo",
                "patient2.demo@example.org",
                PASSWORD,
                first_name="Sam",
                last_name="Okafor",
            ),
            care_team=team,
            prior_allogeneic_transplant=True,
            baseline={"loose_stools_per_day": 1},
            labs={"anc": 1.8, "platelets": 95, "hemoglobin": 10.9},
        )
        Infusion.objects.create(
            patient=sam,
            product="DLI",
            cell_source="allogeneic",
            given_at=team.days_back(now, 30, timedelta(hours=4)),
        )

        carer = users.objects.create_user(
            "carer.demo", "carer.demo@example.org", PASSWORD, first_name="Robin", last_name="Rivera"
        )
        alex.carers.add(carer)

        well = {
            "chills": "none",
            "fatigue": "relieved_by_rest",
            "bruising": "none",
            "rash_bsa_percent": 0,
            "antipyretic_last_6h": False,
        }
        # Alex's first days at home, some answered by Robin: vital signs for the charts.
        for days_ago, temperature, systolic, pulse, spo2, by in [
            (3, 36.8, 122, 80, 98, alex.user),
            (2, 36.9, 120, 84, 97, carer),
            (1, 37.4, 116, 92, 97, alex.user),
        ]:
            record_report(
                patient=alex,
                reported_by=by,
                at=now - timedelta(days=days_ago, hours=1) + timedelta(hours=3),
                answers={
                    **well,
                    "temperature_c": temperature,
                    "systolic_bp": systolic,
                    "diastolic_bp": 74,
                    "heart_rate": pulse,
                    "spo2": spo2,
                },
            )
        for days_ago in (4, 2):
            record_report(
                patient=sam,
                reported_by=sam.user,
                at=now - timedelta(days=days_ago, hours=3),
                answers={**well, "temperature_c": 36.8, "systolic_bp": 128, "heart_rate": 72},
            )
        # The flagged one: a new itchy rash on a fifth of the skin, four weeks after donor cells.
        record_report(
            patient=sam,
            reported_by=sam.user,
            at=now - timedelta(hours=5),
            answers={**well, "temperature_c": 37.1, "rash_bsa_percent": 20, "itching": True},
        )
