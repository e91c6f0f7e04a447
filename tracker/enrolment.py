"""Enrolling a patient and the care team's later changes: infusions, labs, treatment, details,
carers, language and monitoring.

Each write is one keyword-only function in one transaction. ``by`` is the nurse who made the change;
it goes into the history records, so the audit trail knows who even outside a web request.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from tracker import tasks
from tracker.models import CareTeam, Infusion, Patient, Preferences


def send_invitation(*, user) -> None:
    """Queues the e-mail with the link to set a password, once the transaction commits.

    Someone without an e-mail address gets none: the nurse shows them the link at the bedside."""
    if user.email:
        transaction.on_commit(partial(tasks.send_invitation.enqueue, user.pk))


def _new_user(*, email: str, first_name: str, last_name: str, language: str):
    """An account with no password yet, in ``language``; its user name is the e-mail address,
    or, for someone without one, a made-up name the invitation link carries for them."""
    email = email.strip().lower()
    username = email or f"patient-{uuid.uuid4().hex[:12]}"
    user = get_user_model().objects.create_user(
        username=username, email=email, first_name=first_name, last_name=last_name
    )
    Preferences.choose(user, language)
    return user


@transaction.atomic
def enrol_patient(
    *,
    first_name: str,
    last_name: str,
    email: str = "",
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
    phone: str = "",
    hospital_number: str = "",
    date_of_birth: date | None = None,
    by=None,
) -> Patient:
    """Creates the patient's account (no password yet), the patient and the first infusion,
    and queues the invitation e-mail, in ``language`` like all their pages and e-mails. The user
    name is the e-mail address (the e-mail is optional: see ``_new_user``)."""
    user = _new_user(email=email, first_name=first_name, last_name=last_name, language=language)
    patient = Patient(
        user=user,
        care_team=care_team,
        prior_allogeneic_transplant=prior_allogeneic_transplant,
        neutropenia_expected=neutropenia_expected,
        crs_treated=crs_treated,
        baseline=baseline or {},
        labs=labs or {},
        phone=phone,
        hospital_number=hospital_number,
        date_of_birth=date_of_birth,
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
    return _save(patient, ["labs"], by)


def _save(patient: Patient, fields: list[str], by) -> Patient:
    patient._history_user = by
    patient.save(update_fields=fields)
    return patient


@transaction.atomic
def update_therapy(
    *,
    patient: Patient,
    prior_allogeneic_transplant: bool,
    neutropenia_expected: bool,
    crs_treated: bool,
    baseline: dict[str, Any],
    by=None,
) -> Patient:
    """What the triage knows beyond the infusions, as it stands now (tocilizumab given,
    neutropenia expected, new baselines); the next check-in is assessed with it."""
    patient.prior_allogeneic_transplant = prior_allogeneic_transplant
    patient.neutropenia_expected = neutropenia_expected
    patient.crs_treated = crs_treated
    patient.baseline = baseline
    fields = ["prior_allogeneic_transplant", "neutropenia_expected", "crs_treated", "baseline"]
    return _save(patient, fields, by)


@transaction.atomic
def update_details(
    *, patient: Patient, phone: str, hospital_number: str, date_of_birth: date | None, by=None
) -> Patient:
    patient.phone = phone
    patient.hospital_number = hospital_number
    patient.date_of_birth = date_of_birth
    return _save(patient, ["phone", "hospital_number", "date_of_birth"], by)


def set_language(*, patient: Patient, language: str) -> None:
    """The language of the patient's pages and e-mails (their own choice later overrides it)."""
    Preferences.choose(patient.user, language)


@transaction.atomic
def invite_carer(
    *, patient: Patient, first_name: str, last_name: str, email: str, language: str, by=None
):
    """A new account for someone who checks in for ``patient``, and their own invitation."""
    user = _new_user(email=email, first_name=first_name, last_name=last_name, language=language)
    patient.carers.add(user)
    send_invitation(user=user)
    return user


@transaction.atomic
def set_carer_reminders(*, patient: Patient, remind_carers: bool, by=None) -> Patient:
    """Whether the patient's carers get the daily check-in reminder as well as the patient."""
    patient.remind_carers = remind_carers
    return _save(patient, ["remind_carers"], by)


@transaction.atomic
def remove_carer(*, patient: Patient, carer, by=None) -> None:
    """``carer`` no longer checks in for ``patient`` (their account stays, for their other
    patients and the record of what they sent)."""
    patient.carers.remove(carer)


# Where monitoring may go from each state: a stay in hospital pauses it; an end can be undone
# (monitoring starts again) in case it was ended by mistake.
MONITORING_STEPS = {
    Patient.Monitoring.ACTIVE: {Patient.Monitoring.PAUSED, Patient.Monitoring.ENDED},
    Patient.Monitoring.PAUSED: {Patient.Monitoring.ACTIVE, Patient.Monitoring.ENDED},
    Patient.Monitoring.ENDED: {Patient.Monitoring.ACTIVE},
}


@transaction.atomic
def set_monitoring(
    *,
    patient: Patient,
    monitoring: str,
    reason: str = "",
    resumes_at: datetime | None = None,
    by=None,
) -> Patient:
    """Pauses (with a reason, and the moment it ends by itself if planned), resumes or ends
    monitoring; ValueError for a step that is not allowed.

    The step is taken from the status as it stands now: a pause past its planned end is already
    active again, so it can be paused again or ended, not resumed.
    """
    current = patient.monitoring_now
    if monitoring not in MONITORING_STEPS[current]:
        raise ValueError(f"monitoring cannot go from {current} to {monitoring}")
    if monitoring == Patient.Monitoring.PAUSED and not reason:
        raise ValueError("a pause needs a reason")
    patient.monitoring = monitoring
    paused = monitoring == Patient.Monitoring.PAUSED
    patient.pause_reason = reason if paused else ""
    patient.resumes_at = resumes_at if paused else None
    return _save(patient, ["monitoring", "pause_reason", "resumes_at"], by)
