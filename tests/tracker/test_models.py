from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import (
    CareTeamFactory,
    FlagFactory,
    InfusionFactory,
    PatientFactory,
    UserFactory,
)
from tracker import flags
from tracker.models import Flag, Infusion, Level

pytestmark = pytest.mark.django_db


def test_day_zero_is_the_infusion_day_in_the_team_time_zone():
    team = CareTeamFactory(time_zone="America/New_York")
    patient = PatientFactory(care_team=team)
    # 23:30 in New York on 1 March is 04:30 UTC on 2 March.
    InfusionFactory(patient=patient, given_at=datetime(2026, 3, 2, 4, 30, tzinfo=UTC))
    just_after_midnight = datetime(2026, 3, 2, 5, 30, tzinfo=UTC)  # 00:30 on 2 March there
    context = patient.therapy_context(just_after_midnight)
    assert context["days_since_infusion"] == 1
    assert context["hours_since_infusion"] == 1.0


def test_context_uses_the_latest_infusion_and_keeps_earlier_donor_cells():
    patient = PatientFactory()
    now = timezone.now()
    InfusionFactory(
        patient=patient,
        product=Infusion.Product.DLI,
        car_target="",
        cell_source=Infusion.CellSource.ALLOGENEIC,
        given_at=now - timedelta(days=40),
    )
    InfusionFactory(
        patient=patient,
        product=Infusion.Product.NK,
        car_target="",
        cell_source=Infusion.CellSource.AUTOLOGOUS,
        given_at=now - timedelta(days=5),
    )
    context = patient.therapy_context(now)
    assert context["product"] == "NK"
    assert context["target"] is None
    assert context["cell_source"] == "autologous"
    assert context["days_since_infusion"] == 5
    assert context["hours_since_infusion"] is None  # only given in the first 72 hours
    assert context["prior_allogeneic_transplant"] is True


def test_context_carries_the_site_fever_threshold_labs_and_baselines():
    team = CareTeamFactory(fever_threshold_c="37.5")
    patient = PatientFactory(
        care_team=team, labs={"anc": 0.4}, baseline={"systolic_bp": 120}, crs_treated=True
    )
    InfusionFactory(patient=patient)
    context = patient.therapy_context()
    assert context["site"] == {"fever_threshold_c": 37.5}
    assert context["labs"] == {"anc": 0.4}
    assert context["baseline"] == {"systolic_bp": 120}
    assert context["crs_treated"] is True


def test_a_donor_lymphocyte_infusion_cannot_be_recorded_as_own_cells():
    with pytest.raises(IntegrityError), transaction.atomic():
        InfusionFactory(product=Infusion.Product.DLI, cell_source=Infusion.CellSource.AUTOLOGOUS)


def test_only_urgent_levels_can_be_flagged():
    with pytest.raises(IntegrityError), transaction.atomic():
        FlagFactory(level=Level.ROUTINE)


def test_an_acknowledged_flag_must_say_who_and_when():
    flag = FlagFactory()
    flag.status = Flag.Status.ACKNOWLEDGED
    with pytest.raises(IntegrityError), transaction.atomic():
        flag.save()


def test_a_patient_has_at_most_one_unresolved_flag():
    flag = FlagFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        FlagFactory(patient=flag.patient)


def test_acknowledging_twice_keeps_the_first_nurse():
    flag = FlagFactory()
    first, second = UserFactory(), UserFactory()
    assert flags.acknowledge(flag, first) is True
    assert flags.acknowledge(flag, second) is False
    flag.refresh_from_db()
    assert flag.status == Flag.Status.ACKNOWLEDGED
    assert flag.acknowledged_by == first
    assert flag.acknowledged_at is not None
