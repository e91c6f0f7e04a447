"""Who may see what: a patient only their own data, a nurse only their own care teams'; else 404."""

import pytest
from django.urls import reverse

from tests.factories import CareTeamFactory, FlagFactory, PreferencesFactory, UserFactory, nurse_of
from tracker.access import is_nurse, who
from tracker.models import Flag, SignInVersion

pytestmark = pytest.mark.django_db


def test_a_patient_sees_their_own_report(client, two_teams):
    client.force_login(two_teams["patient_a"].user)
    assert client.get(reverse("report", args=[two_teams["report_a"].pk])).status_code == 200


def test_patient_b_gets_404_on_patient_a_report(client, two_teams):
    client.force_login(two_teams["patient_b"].user)
    assert client.get(reverse("report", args=[two_teams["report_a"].pk])).status_code == 404


def test_a_nurse_cannot_open_a_patient_result_page(client, two_teams):
    client.force_login(two_teams["nurse_x"])
    assert client.get(reverse("report", args=[two_teams["report_a"].pk])).status_code == 404


def test_a_patient_gets_404_on_the_dashboard_and_acknowledge(client, two_teams):
    client.force_login(two_teams["patient_a"].user)
    assert client.get(reverse("dashboard")).status_code == 404
    assert client.post(reverse("acknowledge", args=[two_teams["flag_a"].pk])).status_code == 404
    assert Flag.objects.get(pk=two_teams["flag_a"].pk).status == "open"


def test_a_nurse_gets_404_on_the_check_in(client, two_teams):
    client.force_login(two_teams["nurse_x"])
    assert client.get(reverse("checkin")).status_code == 404


def test_a_nurse_of_another_team_does_not_see_or_touch_the_flag(client, two_teams):
    other = FlagFactory(patient__care_team=two_teams["nurse_y"].care_teams.get())
    client.force_login(two_teams["nurse_y"])
    html = client.get(reverse("dashboard")).content.decode()
    assert f'id="flag-{two_teams["flag_a"].pk}"' not in html
    assert f'id="flag-{other.pk}"' in html
    assert client.post(reverse("acknowledge", args=[two_teams["flag_a"].pk])).status_code == 404
    assert Flag.objects.get(pk=two_teams["flag_a"].pk).status == "open"


def test_the_nurse_of_the_team_sees_the_flag(client, two_teams):
    client.force_login(two_teams["nurse_x"])
    html = client.get(reverse("dashboard")).content.decode()
    assert f'id="flag-{two_teams["flag_a"].pk}"' in html
    assert two_teams["patient_a"].name in html


def test_acknowledge_only_accepts_post(client, two_teams):
    client.force_login(two_teams["nurse_x"])
    assert client.get(reverse("acknowledge", args=[two_teams["flag_a"].pk])).status_code == 405


# ``who``: what every request asks of the user before its view (sign-in version, language, the
# team whose time zone the pages use, whether they nurse), in one query kept for the request.


def test_who_reads_a_nurse_of_two_teams_in_one_query_and_keeps_it(django_assert_num_queries):
    later = CareTeamFactory(name="Zeta ward", time_zone="Asia/Tokyo")
    nurse = nurse_of(later)
    CareTeamFactory(name="Alpha ward", time_zone="America/Chicago").nurses.add(nurse)
    PreferencesFactory(user=nurse, language="es")
    SignInVersion.raise_for(nurse)
    with django_assert_num_queries(1):
        found = who(nurse)
        assert is_nurse(nurse) and who(nurse) is found
    assert found.sign_in_version == 1
    assert found.language == "es"
    assert found.time_zone == "America/Chicago"  # the first team by name
    assert found.patient_team is None


def test_who_reads_a_patient_and_someone_with_no_team(two_teams):
    patient = two_teams["patient_a"]
    found = who(patient.user)
    assert (found.nurse, found.language, found.sign_in_version) == (False, None, 0)
    assert found.time_zone == patient.care_team.time_zone
    nobody = who(UserFactory())
    assert (nobody.nurse, nobody.time_zone, nobody.patient_team) == (False, None, None)
