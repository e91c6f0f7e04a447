"""Enrolling a patient and the care team's later changes: infusions, labs, monitoring.

Each write is one keyword-only function in one transaction. ``by`` is the nurse who made the change;
it goes into the history records, so the audit trail knows who even outside a web request.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from tracker import tasks
from tracker.models import CareTeam, Infusion, Patient, Preferences


def send_invitation(*, user) -> None:
    """Queues the e-mail with the link to set a password, once the transaction commits."""
    transaction.on_commit(partial(tasks.send_invitation.enqueue, user.pk))


@transaction.atomic
def enrol_patient(
    *,
    first_name: str,
    last_name: str,
    email: str,
    care_team: CareTeam,
    language: str = settings.LANGUAGE_CODE,
    product: str,
    car_target: str,
    cell_source: str,
    given_at: datetime,
    prior_allogeneic_transplant: bool = False,
    neutropenia_expected: bool = False,
    crs_treated: bool = False,
    baseline: dict[str, Any] | None = None,
    labs: dict[str, Any] | None = None,
    by=None,
) -> Patient:
    """Creates the patient's account (no password yet), the patient and the first infusion,
    and queues the invitation e-mail, in ``language`` like all their pages and e-mails. The user
    name is the e-mail address."""
    email = email.strip().lower()
    user = get_user_model().objects.create_user(
        username=email, email=email, first_name=first_name, last_name=last_name
    )
    Preferences.choose(user, language)
    patient = Patient(
        user=user,
        care_team=care_team,
        prior_allogeneic_transplant=prior_allogeneic_transplant,
        neutropenia_expected=neutropenia_expected,
        crs_treated=crs_treated,
        baseline=baseline or {},
        labs=labs or {},
    )
    patient._history_user = by
    patient.save()
    add_infusion(
        patient=patient,
        product=product,
        car_target=car_target,
        cell_source=cell_source,
        given_at=given_at,
        by=by,
    )
    send_invitation(user=user)
    return patient


@transaction.atomic
def add_infusion(
    *, patient: Patient, product: str, car_target: str, cell_source: str, given_at, by=None
) -> Infusion:
    """An infusion: the first at enrolment, the next of a weekly course, or a new product."""
    infusion = Infusion(
        patient=patient,
        product=product,
        car_target=car_target or "",
        # Donor lymphocytes are a donor's cells by definition.
        cell_source=(
            Infusion.CellSource.ALLOGENEIC if product == Infusion.Product.DLI else cell_source
        ),
        given_at=given_at,
    )
    infusion._history_user = by
    infusion.full_clean()
    infusion.save()
    return infusion


@transaction.atomic
def record_labs(*, patient: Patient, labs: dict[str, Any], by=None) -> Patient:
    """Replaces the latest labs with ``labs``; a value left out is no longer known."""
    patient.labs = labs
    patient._history_user = by
    patient.save(update_fields=["labs"])
    return patient


# Where monitoring may go from each state: a stay in hospital pauses it; ended is final.
MONITORING_STEPS = {
    Patient.Monitoring.ACTIVE: {Patient.Monitoring.PAUSED, Patient.Monitoring.ENDED},
    Patient.Monitoring.PAUSED: {Patient.Monitoring.ACTIVE, Patient.Monitoring.ENDED},
    Patient.Monitoring.ENDED: set(),
}


@transaction.atomic
def set_monitoring(*, patient: Patient, monitoring: str, by=None) -> Patient:
    """Pauses, resumes or ends monitoring; ValueError for a step that is not allowed."""
    if monitoring not in MONITORING_STEPS[patient.monitoring]:
        raise ValueError(f"monitoring cannot go from {patient.monitoring} to {monitoring}")
    patient.monitoring = monitoring
    patient._history_user = by
    patient.save(update_fields=["monitoring"])
    return patient
