import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from tests.commands import run_manage
from tracker.models import CareTeam, Flag, Patient


def test_with_debug_off_and_no_secret_key_the_app_refuses_to_start_and_says_why():
    result = run_manage("check", DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_with_debug_on_it_starts_without_a_secret_key():
    result = run_manage("check", DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG=true"):
        call_command("seed_demo")
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_seed_demo_creates_the_demo_world_once(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")  # a second run changes nothing
    team = CareTeam.objects.get()
    assert team.nurses.get().username == "nurse.demo"
    alex = Patient.objects.get(user__username="patient.demo")
    sam = Patient.objects.get(user__username="patient2.demo")
    assert alex.therapy_context()["product"] == "CAR-T"
    assert alex.therapy_context()["cell_source"] == "autologous"
    assert alex.therapy_context()["days_since_infusion"] == 3
    assert sam.therapy_context()["product"] == "DLI"
    assert sam.therapy_context()["days_since_infusion"] == 30
    assert alex.reports.count() >= 2
    assert sam.reports.count() >= 2
    assert Flag.objects.count() == 1
    assert alex.carers.get().username == "carer.demo"
    assert alex.reports.exclude(reported_by=alex.user).exists()  # one answered by the carer
    assert get_user_model().objects.get(username="patient.demo").check_password("tracker-demo")
