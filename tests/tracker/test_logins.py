"""Logins: five wrong passwords lock a user name for 30 minutes; the lock page says how to get help.

django-axes counts failures per user name and network address together, so one person's mistakes
never lock out someone else on the same network (a family at home, a ward's computers), and a
stranger elsewhere who types a patient's user name cannot lock the patient out.
"""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, CareTeamFactory, UserFactory, car_t_patient
from tracker.accounts import LoginView
from tracker.enrolment import enrol_patient

pytestmark = [pytest.mark.django_db, pytest.mark.patient(user__username="alex@example.org")]

WRONG = "not-the-password"


def log_in(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def fail(client, username, times):
    for _ in range(times):
        response = log_in(client, username, WRONG)
        assert response.status_code == 200
        assert "do not match" in response.content.decode()


def logged_in(client) -> bool:
    return client.get(reverse("history")).status_code == 200


def test_four_wrong_passwords_do_not_lock_and_the_right_one_still_works(client, patient):
    fail(client, "alex@example.org", 4)
    response = log_in(client, "alex@example.org", PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)


def test_the_fifth_wrong_password_locks_the_account_with_a_kind_page(client, patient):
    fail(client, "alex@example.org", 4)
    response = log_in(client, "alex@example.org", WRONG)
    assert response.status_code == 429
    text = " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())
    assert "Your account is locked for now" in text
    assert "locked this account for 30 minutes" in text
    assert "Call your care team on their 24-hour phone number" in text
    assert "Wait 30 minutes" in text
    assert "python manage.py axes_reset_username USER-NAME" in text
    # It names nobody: whoever typed the user name may not be its owner.
    assert patient.name not in text
    assert str(patient.care_team.phone_24h) not in text


def test_while_locked_the_right_password_is_refused_too(client, patient):
    fail(client, "alex@example.org", 4)
    log_in(client, "alex@example.org", WRONG)
    response = log_in(client, "alex@example.org", PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)


def test_after_30_minutes_the_lock_lifts_by_itself(client, patient, time_machine):
    time_machine.move_to("2026-06-01 09:00 +0000", tick=False)
    fail(client, "alex@example.org", 4)
    log_in(client, "alex@example.org", WRONG)
    time_machine.move_to("2026-06-01 09:20 +0000", tick=False)
    assert log_in(client, "alex@example.org", WRONG).status_code == 429
    # Trying again while locked does not make the wait longer.
    time_machine.move_to("2026-06-01 09:31 +0000", tick=False)
    response = log_in(client, "alex@example.org", PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)


def test_a_staff_member_lifts_the_lock_with_the_command(client, patient):
    fail(client, "alex@example.org", 4)
    log_in(client, "alex@example.org", WRONG)
    call_command("axes_reset_username", "alex@example.org", stdout=None)
    response = log_in(client, "alex@example.org", PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)


def test_a_staff_member_lifts_the_lock_in_the_admin(client, patient):
    fail(client, "alex@example.org", 4)
    log_in(client, "alex@example.org", WRONG)
    admin = UserFactory(is_staff=True, is_superuser=True)
    staff = client.__class__()
    staff.force_login(admin)
    page = staff.get(reverse("admin:axes_accessattempt_changelist"))
    assert page.status_code == 200
    assert "alex@example.org" in page.content.decode()
    [attempt] = re.findall(r'name="_selected_action" value="(\d+)"', page.content.decode())
    staff.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt], "post": "yes"},
    )
    assert log_in(client, "alex@example.org", PASSWORD).status_code == 302


def test_one_user_names_failures_do_not_lock_another_on_the_same_network(client, patient):
    car_t_patient(user__username="sam@example.org")
    fail(client, "sam@example.org", 4)
    log_in(client, "sam@example.org", WRONG, REMOTE_ADDR="10.0.0.7")
    response = log_in(client, "alex@example.org", PASSWORD, REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 302
    assert logged_in(client)


def test_five_wrong_passwords_from_one_address_do_not_lock_the_account_elsewhere(client, patient):
    for _ in range(5):
        log_in(client, "alex@example.org", WRONG, REMOTE_ADDR="198.51.100.66")
    assert (
        log_in(client, "alex@example.org", PASSWORD, REMOTE_ADDR="198.51.100.66").status_code == 429
    )
    response = log_in(client, "alex@example.org", PASSWORD, REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 302
    assert logged_in(client)


def test_behind_a_proxy_the_address_is_the_clients_not_the_proxys(client, patient, settings):
    """DJANGO_PROXY_COUNT=1: one reverse proxy writes the client's address in X-Forwarded-For."""
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    settings.AXES_IPWARE_PROXY_COUNT = 0
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(5):
        log_in(client, "alex@example.org", WRONG, HTTP_X_FORWARDED_FOR="198.51.100.66", **proxy)
    stranger = log_in(
        client, "alex@example.org", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.66", **proxy
    )
    assert stranger.status_code == 429
    response = log_in(
        client, "alex@example.org", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy
    )
    assert response.status_code == 302


def test_a_right_password_clears_the_earlier_mistakes(client, patient):
    fail(client, "alex@example.org", 4)
    log_in(client, "alex@example.org", PASSWORD)
    client.post(reverse("logout"))
    fail(client, "alex@example.org", 4)
    assert log_in(client, "alex@example.org", PASSWORD).status_code == 302


def test_the_admin_login_is_locked_the_same_way(client):
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    for _ in range(5):
        client.post(reverse("admin:login"), {"username": "boss", "password": WRONG})
    response = client.post(reverse("admin:login"), {"username": "boss", "password": PASSWORD})
    assert response.status_code == 429
    assert client.get(reverse("admin:index")).status_code == 302


# -- The password a patient chooses from the invitation obeys every validator --------------------


@pytest.fixture
def invitation_form(client, mailoutbox, django_capture_on_commit_callbacks):
    """The set-password form an invited patient reaches from the e-mail's link."""
    with django_capture_on_commit_callbacks(execute=True):
        enrol_patient(
            first_name="Ada",
            last_name="Quinn",
            email="ada.quinn@example.org",
            care_team=CareTeamFactory(),
            product="CAR-T",
            car_target="CD19",
            cell_source="autologous",
            given_at=timezone.now() - timedelta(days=1),
        )
    [url] = re.findall(r"https?://\S+", mailoutbox[0].body)
    return client.get(url.removeprefix(settings.SITE_URL))["Location"]


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Kd8#q", "too short"),
        ("password123", "too common"),
        ("58203948571", "entirely numeric"),
        ("ada.quinn@example.org", "too similar"),
    ],
)
def test_the_invitation_password_is_checked_by_every_validator(
    client, invitation_form, password, reason
):
    response = client.post(invitation_form, {"new_password1": password, "new_password2": password})
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not get_user_model().objects.get(username="ada.quinn@example.org").has_usable_password()


# -- Every wrong password counts, even when something fails after it was checked -----------------


@pytest.mark.django_db(transaction=True)
def test_a_wrong_password_counts_even_when_the_request_then_fails(monkeypatch):
    """The failure is written down (committed) when the password is checked.

    Here the database "is locked" after the check, so the visitor gets a server error; before, the
    whole request's transaction was rolled back and the guess was never counted.
    """
    car_t_patient(user__username="alex@example.org")

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(LoginView, "form_invalid", locked)
    client = Client(raise_request_exception=False)
    for tries in range(1, 5):
        assert log_in(client, "alex@example.org", WRONG).status_code == 500
        assert AccessAttempt.objects.get().failures_since_start == tries
    # The fifth, like any fifth wrong password, locks the account: the right one is refused too.
    assert log_in(client, "alex@example.org", WRONG).status_code == 429
    monkeypatch.undo()
    assert log_in(client, "alex@example.org", PASSWORD).status_code == 429
