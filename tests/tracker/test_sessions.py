"""Sessions end after a time without activity: 15 minutes for nurses and staff, 12 hours at home,
30 days on a patient's or carer's own phone when they tick "Keep me signed in on this phone".

The dashboard refreshes itself every 30 seconds; that refresh is not activity, so a nurse who walks
away from a ward computer with the dashboard open is still logged out.
"""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    PASSWORD,
    UserFactory,
    car_t_patient,
    carer_of,
    nurse_of,
)
from tracker.checkins import record_report
from tracker.models import Flag

pytestmark = pytest.mark.django_db

START = datetime.fromisoformat("2026-06-01 08:00:00+00:00")
PAGE = "http://testserver/dashboard/?level=4"
POLL = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TRIGGER": "worklist", "HTTP_HX_TARGET": "worklist"}


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)

    def at(minutes: float) -> None:
        time_machine.move_to(START + timedelta(minutes=minutes), tick=False)

    return at


@pytest.fixture
def nurse(client, team, clock):
    user = nurse_of(team)
    client.force_login(user)
    assert client.get(reverse("dashboard")).status_code == 200
    return user


def poll(client):
    return client.get(reverse("dashboard"), {"level": 4}, HTTP_HX_CURRENT_URL=PAGE, **POLL)


def logged_in(client, name="dashboard") -> bool:
    return client.get(reverse(name)).status_code == 200


def test_a_nurse_who_keeps_working_stays_logged_in(client, nurse, clock):
    for minute in range(10, 121, 10):
        clock(minute)
        assert logged_in(client)


def test_a_nurse_is_logged_out_after_15_minutes_without_activity(client, nurse, clock):
    clock(14)
    assert logged_in(client)
    clock(14 + 16)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_dashboard_refresh_does_not_keep_an_idle_nurse_logged_in(client, nurse, clock):
    minute = 0.0
    while minute < 14.5:
        minute += 0.5
        clock(minute)
        response = poll(client)
        assert response.status_code == 200
        assert 'id="worklist"' in response.content.decode()
    clock(15.5)
    response = poll(client)
    # The whole page goes to the login page, instead of a login form inside the list.
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('login')}?next=/dashboard/%3Flevel%3D4"
    assert response.content == b""
    assert not logged_in(client)


def test_a_flag_action_from_the_list_is_activity(client, team, nurse, clock):
    patient = car_t_patient(team=team)
    record_report(patient=patient, reported_by=patient.user, answers={"temperature_c": 38.6})
    flag = Flag.objects.get(patient=patient)
    clock(10)
    response = client.post(
        reverse("acknowledge", args=[flag.pk]),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET=f"flag-{flag.pk}",
        HTTP_HX_CURRENT_URL=PAGE,
    )
    assert response.status_code == 200
    clock(24)
    assert logged_in(client)


def test_a_flag_action_after_the_session_ended_sends_the_page_to_the_login(client, team, nurse):
    patient = car_t_patient(team=team)
    record_report(patient=patient, reported_by=patient.user, answers={"temperature_c": 38.6})
    flag = Flag.objects.get(patient=patient)
    client.logout()
    response = client.post(
        reverse("acknowledge", args=[flag.pk]),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=PAGE,
    )
    # Back to the page the nurse was on, not to the address of the button's request.
    assert response["HX-Redirect"] == f"{reverse('login')}?next=/dashboard/%3Flevel%3D4"
    assert Flag.objects.get(pk=flag.pk).status == Flag.Status.OPEN


def test_an_address_of_another_site_is_not_where_the_login_goes_back_to(client):
    response = client.get(
        reverse("dashboard"),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="https://evil.example.com/dashboard/",
    )
    assert response["HX-Redirect"] == f"{reverse('login')}?next=/"


def test_without_javascript_the_login_is_a_plain_redirect(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/dashboard/"


def test_the_15_minutes_start_at_the_login_itself(client, team, clock):
    user = nurse_of(team)
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session.get_expiry_age() == 15 * 60
    clock(16)
    assert not logged_in(client)


def test_staff_who_are_not_nurses_get_15_minutes_too(client, clock):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:index")).status_code == 200
    clock(16)
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_nurses_time_comes_from_the_setting(client, settings, team, clock):
    settings.STAFF_SESSION_MINUTES = 5
    client.force_login(nurse_of(team))
    assert logged_in(client)
    clock(4)
    assert logged_in(client)
    clock(10)
    assert not logged_in(client)


@pytest.mark.parametrize("who", ["patient", "carer"])
def test_patients_and_carers_stay_logged_in_for_12_hours(client, clock, who):
    patient = car_t_patient()
    client.force_login(patient.user if who == "patient" else carer_of(patient))
    assert logged_in(client, "history")
    clock(11 * 60)
    assert logged_in(client, "history")
    clock(11 * 60 + 11 * 60)
    assert logged_in(client, "history")
    clock(22 * 60 + 13 * 60)
    assert not logged_in(client, "history")


def test_the_patients_time_comes_from_the_setting(client, settings, clock):
    settings.PATIENT_SESSION_HOURS = 2
    client.force_login(car_t_patient().user)
    assert logged_in(client, "history")
    clock(3 * 60)
    assert not logged_in(client, "history")


# -- "Keep me signed in on this phone" -----------------------------------------------------------


def log_in(client, user, *, keep: bool) -> None:
    data = {"username": user.username, "password": PASSWORD}
    if keep:
        data["keep_signed_in"] = "on"
    assert client.post(reverse("login"), data).status_code == 302


@pytest.mark.parametrize("who", ["patient", "carer"])
def test_a_patient_or_carer_who_ticks_the_box_stays_signed_in_for_30_days(client, clock, who):
    patient = car_t_patient()
    log_in(client, patient.user if who == "patient" else carer_of(patient), keep=True)
    # The cookie outlives closing the browser, for as long as the session.
    assert client.cookies["sessionid"]["max-age"] == 30 * 24 * 60 * 60
    clock(29 * 24 * 60)
    assert logged_in(client, "history")
    # Each use starts the 30 days again.
    clock((29 + 29) * 24 * 60)
    assert logged_in(client, "history")
    clock((29 + 29 + 31) * 24 * 60)
    assert not logged_in(client, "history")


def test_without_the_box_a_patient_keeps_the_12_hours(client, clock):
    log_in(client, car_t_patient().user, keep=False)
    assert client.session.get_expiry_age() == 12 * 60 * 60
    clock(13 * 60)
    assert not logged_in(client, "history")


def test_logging_out_ends_a_kept_session(client, clock):
    log_in(client, car_t_patient().user, keep=True)
    client.post(reverse("logout"))
    assert not logged_in(client, "history")


def test_the_box_does_not_last_into_the_next_login_on_the_same_browser(client, clock):
    patient = car_t_patient()
    log_in(client, patient.user, keep=True)
    client.post(reverse("logout"))
    log_in(client, patient.user, keep=False)
    clock(13 * 60)
    assert not logged_in(client, "history")


def test_the_box_changes_nothing_for_a_nurse(client, team, clock):
    log_in(client, nurse_of(team), keep=True)
    assert client.session.get_expiry_age() == 15 * 60
    clock(16)
    assert not logged_in(client)


def test_the_box_changes_nothing_for_staff(client, clock):
    log_in(client, UserFactory(is_staff=True, is_superuser=True), keep=True)
    assert client.session.get_expiry_age() == 15 * 60
    clock(16)
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_days_come_from_the_setting(client, settings, clock):
    settings.REMEMBER_DEVICE_DAYS = 7
    log_in(client, car_t_patient().user, keep=True)
    clock(6 * 24 * 60)
    assert logged_in(client, "history")
    clock((6 + 8) * 24 * 60)
    assert not logged_in(client, "history")


def test_the_login_page_offers_the_box_and_says_it_is_for_ones_own_phone(client):
    page = client.get(reverse("login")).content.decode()
    assert "Keep me signed in on this phone" in page
    assert "Only on your own phone, not a shared one" in page
    assert "30 days" in page


def session_writes(client) -> int:
    with CaptureQueriesContext(connection) as done:
        assert logged_in(client)
    return sum('UPDATE "django_session"' in query["sql"] for query in done.captured_queries)


def test_the_session_is_written_at_most_once_a_minute_while_the_nurse_works(client, nurse, clock):
    clock(0.5)
    assert session_writes(client) == 0  # renewed at the login a moment ago
    clock(1.1)
    assert session_writes(client) == 1
    clock(1.5)
    assert session_writes(client) == 0
    # The 15 minutes run from the last write: up to a minute less than from the last click.
    clock(1.1 + 14.9)
    assert logged_in(client)
    clock(1.1 + 14.9 + 15.1)
    assert not logged_in(client)
