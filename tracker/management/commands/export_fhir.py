"""Writes one patient's monitoring as a FHIR R4 Bundle (JSON) to standard output."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tracker import fhir
from tracker.models import Patient


class Command(BaseCommand):
    help = (
        "Writes a patient's check-ins, vital signs, triage, flags and infusions as one FHIR R4 "
        "Bundle (JSON) to standard output: the staff copy, with the nurses' names and notes."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--patient", required=True, help="the patient's user name")
        parser.add_argument(
            "--patient-copy",
            action="store_true",
            help="the patient's own copy instead: no nurse names, no nurses' notes",
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            help="the language of the questions and advice (the patient's own by default)",
        )

    def handle(self, *args, **options) -> None:
        patient = Patient.objects.filter(user__username=options["patient"]).first()
        if patient is None:
            raise CommandError(f"No patient has the user name {options['patient']!r}.")
        record = fhir.read_record(patient)
        bundle = fhir.bundle(
            record, staff=not options["patient_copy"], language=options["language"]
        )
        self.stdout.write(json.dumps(bundle, ensure_ascii=False, indent=2))
