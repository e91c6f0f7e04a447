"""seed_scale: the measuring world that benchmark_pages times."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from tracker.models import CareTeam, Flag, Level, Patient, Report

pytestmark = pytest.mark.django_db


def test_seed_scale_refuses_to_run_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_scale", patients=2, reports_per_patient=3)
    assert not get_user_model().objects.exists()
    call_command("seed_scale", patients=2, reports_per_patient=3, teams=2, force=True)
    assert Patient.objects.count() == 2


def test_seed_scale_builds_teams_nurses_patients_reports_and_flags_once(settings):
    settings.DEBUG = True
    call_command("seed_scale", patients=40, reports_per_patient=30, teams=4)
    call_command("seed_scale", patients=40, reports_per_patient=30, teams=4)  # changes nothing

    assert CareTeam.objects.count() == 4
    assert Patient.objects.count() == 40
    everyone = get_user_model().objects.get(username="scale.nurse.all")
    assert everyone.care_teams.count() == 4
    assert get_user_model().objects.get(username="scale.nurse.one").care_teams.count() == 1
    first = Patient.objects.get(user__username="scale.p00001")
    assert first.reports.count() == 30
    assert first.infusions.count() == 1
    # The engine graded the answers: the levels are a mix, and urgent ones opened flags.
    levels = set(Report.objects.values_list("triage", flat=True))
    assert Level.NONE in levels or Level.ROUTINE in levels
    assert levels & set(Level.flagged())
    assert Flag.objects.filter(status=Flag.Status.RESOLVED).exists()
    for flag in Flag.objects.select_related("report"):
        assert flag.report.triage >= Level.URGENT_TODAY
    # Each patient has at most one unresolved flag (the database says so too).
    assert Flag.objects.exclude(status=Flag.Status.RESOLVED).count() <= 40
