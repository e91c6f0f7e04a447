"""Setting up a site and its care teams: the first-run commands, the team's settings in the admin
(a dialable 24-hour phone, response targets in hours and minutes), and a kind page for staff who
are not in a team yet."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.factories import CareTeamFactory, UserFactory
from tracker.forms import CareTeamForm
from tracker.models import CareTeam

pytestmark = pytest.mark.django_db


def team_data(**overrides):
    data = {
        "name": "Cell Therapy Unit",
        "phone_24h": "+44 20 7946 0000",
        "emergency_number": "999",
        "time_zone": "Europe/London",
        "fever_threshold_c": "38.0",
        "temperature_unit": "C",
        "reminder_time": "10:00",
        "emergency_target_hours": "0",
        "emergency_target_minutes": "15",
        "urgent_now_target_hours": "1",
        "urgent_now_target_minutes": "",
        "urgent_today_target_hours": "24",
        "urgent_today_target_minutes": "0",
        "emergency_resolve_target_hours": "4",
        "emergency_resolve_target_minutes": "",
        "urgent_now_resolve_target_hours": "8",
        "urgent_now_resolve_target_minutes": "0",
        "urgent_today_resolve_target_hours": "24",
        "urgent_today_resolve_target_minutes": "30",
    }
    data.update(overrides)
    return data


def test_response_targets_are_typed_as_hours_and_minutes():
    form = CareTeamForm(team_data())
    assert form.is_valid(), form.errors
    team = form.save()
    assert team.emergency_target == timedelta(minutes=15)
    assert team.urgent_now_target == timedelta(hours=1)
    assert team.urgent_today_target == timedelta(hours=24)
    shown = CareTeamForm(instance=team).as_p()
    assert 'name="urgent_now_target_hours" value="1"' in shown
    assert 'name="urgent_now_target_minutes" value="0"' in shown
    assert "1 00:00:00" not in shown


def test_resolve_targets_are_typed_as_hours_and_minutes_and_refuse_nothing():
    team = CareTeamForm(team_data()).save()
    assert team.emergency_resolve_target == timedelta(hours=4)
    assert team.urgent_now_resolve_target == timedelta(hours=8)
    assert team.urgent_today_resolve_target == timedelta(hours=24, minutes=30)
    shown = CareTeamForm(instance=team).as_p()
    assert 'name="urgent_today_resolve_target_minutes" value="30"' in shown
    form = CareTeamForm(
        team_data(urgent_now_resolve_target_hours="0", urgent_now_resolve_target_minutes="")
    )
    assert "Please enter a time longer than 0 minutes." in form.errors["urgent_now_resolve_target"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone_24h", "call the ward"),
        ("phone_24h", "555 0100"),
        ("phone_24h", ""),
        ("emergency_target_minutes", "60"),
        ("emergency_target_hours", "-1"),
        ("emergency_target_hours", "1e9"),
    ],
)
def test_wrong_team_settings_are_refused(field, value):
    form = CareTeamForm(team_data(**{field: value}))
    assert not form.is_valid()
    assert field.removesuffix("_hours").removesuffix("_minutes") in form.errors


def test_a_response_target_of_nothing_is_refused():
    form = CareTeamForm(team_data(emergency_target_hours="0", emergency_target_minutes="0"))
    assert "Please enter a time longer than 0 minutes." in form.errors["emergency_target"]


def test_the_admin_edits_a_team_with_hours_and_minutes(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    team = CareTeamFactory()
    url = reverse("admin:tracker_careteam_change", args=[team.pk])
    page = client.get(url).content.decode()
    assert "1 00:00:00" not in page
    response = client.post(url, {**team_data(name=team.name), "phone_24h": "call the ward"})
    assert response.status_code == 200
    team.refresh_from_db()
    assert team.phone_24h != "call the ward"


def test_first_run_creates_a_team_and_its_first_nurse(client, mailoutbox):
    out = StringIO()
    call_command(
        "create_team",
        "Cell Therapy Unit",
        "--phone",
        "+34 910 000 000",
        "--emergency-number",
        "112",
        "--time-zone",
        "Europe/Madrid",
        stdout=out,
    )
    team = CareTeam.objects.get(name="Cell Therapy Unit")
    assert team.phone_24h.as_e164 == "+34910000000"
    call_command(
        "add_nurse", "Ana.Ruiz@example.org", "--team", "Cell Therapy Unit", "--first-name", "Ana",
        stdout=out,
    )  # fmt: skip
    nurse = get_user_model().objects.get(username="ana.ruiz@example.org")
    assert list(nurse.care_teams.all()) == [team]
    assert not nurse.has_usable_password()
    link = out.getvalue().split("Link to choose a password: ", 1)[1].split()[0]
    path = "/" + link.split("/", 3)[3]
    assert client.get(path, follow=True).status_code == 200

    # Run again for the same person: still one account, still one team, no second link.
    out = StringIO()
    call_command("add_nurse", "ana.ruiz@example.org", "--team", "Cell Therapy Unit", stdout=out)
    assert get_user_model().objects.filter(email="ana.ruiz@example.org").count() == 1
    assert "Link" not in out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create_team", "T", "--phone", "call the ward", "--emergency-number", "112"], "phone"),
        (
            ["create_team", "T", "--phone", "+34 910 000 000", "--emergency-number", "1",
             "--time-zone", "Mars/Olympus"],
            "time zone",
        ),
        (["add_nurse", "nobody@example.org", "--team", "No such team"], "No care team"),
        (["add_nurse", "not an address", "--team", "T"], "not an e-mail"),
    ],
)  # fmt: skip
def test_first_run_commands_refuse_wrong_input_clearly(args, message):
    with pytest.raises(CommandError, match=message):
        call_command(*args, stdout=StringIO())
    assert not CareTeam.objects.filter(name="T").exists()


def test_staff_in_no_team_get_a_kind_page_not_a_missing_page(client):
    client.force_login(UserFactory())
    response = client.get(reverse("home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your account is not linked to a care team yet" in page
    assert "We could not find this page" not in page
