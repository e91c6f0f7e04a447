"""The second step after the password: staff and nurses type a code from an app; patients do not.

These tests log in through the real pages (password, then code), not with the verified
``force_login`` the other tests use.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import (
    PASSWORD,
    CareTeamFactory,
    UserFactory,
    authenticator_app,
    car_t_patient,
    code_from,
    nurse_of,
)
from tracker.models import SecondFactorEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def nurse():
    nurse = nurse_of(CareTeamFactory(), username="jo.nurse")
    authenticator_app(nurse)
    return nurse


def log_in(client, user, address="10.0.0.1", password=PASSWORD):
    return client.post(
        reverse("login"),
        {"username": user.get_username(), "password": password},
        REMOTE_ADDR=address,
    )


def type_code(client, code, address="10.0.0.1", page="two_factor"):
    return client.post(reverse(page), {"code": code}, REMOTE_ADDR=address)


def test_a_nurse_with_only_the_password_does_not_reach_the_dashboard(client, nurse):
    log_in(client, nurse)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor") + "?next=%2Fdashboard%2F"
    page = client.get(response["Location"]).content.decode()
    assert "Type the code from your app" in page


def test_with_the_code_from_the_app_the_nurse_reaches_the_page_they_asked_for(client, nurse):
    log_in(client, nurse)
    response = client.post(
        reverse("two_factor"),
        {"code": code_from(TOTPDevice.objects.get(user=nurse)), "next": "/patients/"},
    )
    assert response["Location"] == "/patients/"
    assert client.get(reverse("dashboard")).status_code == 200
    assert SecondFactorEvent.objects.filter(user=nurse, kind="verified").count() == 1


def test_a_patient_logs_in_with_the_password_alone(client):
    patient = car_t_patient()
    log_in(client, patient.user)
    assert client.get(reverse("checkin")).status_code == 200


def test_a_wrong_code_is_refused_kindly_and_recorded(client, nurse):
    log_in(client, nurse)
    response = type_code(client, "000000")
    assert response.status_code == 200
    assert "That code did not work" in response.content.decode()
    assert client.get(reverse("dashboard")).status_code == 302
    assert SecondFactorEvent.objects.filter(user=nurse, kind="failed").count() == 1


def test_five_wrong_codes_lock_out_like_five_wrong_passwords(client, nurse, time_machine):
    log_in(client, nurse)
    for _ in range(4):
        assert type_code(client, "000000").status_code == 200
    response = type_code(client, "000000")
    assert response.status_code == 429
    page = response.content.decode()
    assert "The code from the app was wrong 5 times" in page
    assert "24-hour phone number" in page
    # Logged out, and the password alone is refused from this address for now.
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("login"))
    assert log_in(client, nurse).status_code == 429
    # From another computer the nurse still logs in, once django-otp's own pause after wrong
    # codes (1, 2, 4, 8, 16 seconds) is over.
    time_machine.move_to(timezone.now() + timedelta(seconds=20))
    other = Client()
    assert log_in(other, nurse, address="10.0.0.2").status_code == 302
    assert type_code(other, code_from(nurse.totpdevice_set.get()), "10.0.0.2").status_code == 302
    assert other.get(reverse("dashboard")).status_code == 200
    assert SecondFactorEvent.objects.filter(user=nurse, kind="locked_out").exists()


def test_a_recovery_code_works_once(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    log_in(client, admin)
    assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor_setup"))
    setup = client.get(reverse("two_factor_setup")).content.decode()
    assert "<svg" in setup
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', setup).group(1)
    device = TOTPDevice.objects.get(user=admin)
    assert secret.replace(" ", "") in device.config_url
    page = type_code(client, code_from(device), page="two_factor_setup").content.decode()
    codes = re.findall(r"<li><code>(\w+)</code></li>", page)
    assert len(codes) == 10
    assert client.get(reverse("admin:index")).status_code == 200
    client.post(reverse("logout"))

    log_in(client, admin)
    assert type_code(client, codes[0], page="two_factor_recovery").status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    client.post(reverse("logout"))

    log_in(client, admin)
    assert type_code(client, codes[0], page="two_factor_recovery").status_code == 200
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_password_alone_cannot_replace_the_app(client, nurse):
    log_in(client, nurse)
    assert client.get(reverse("two_factor_setup"))["Location"] == reverse("two_factor")


def test_the_demo_staff_have_the_documented_key(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    for name in ("nurse.demo", "admin.demo"):
        device = TOTPDevice.objects.get(user__username=name, confirmed=True)
        assert "secret=JBSWY3DPEHPK3PXP" in device.config_url
    client = Client()
    nurse = get_user_model().objects.get(username="nurse.demo")
    log_in(client, nurse, password="tracker-demo")
    assert client.get(reverse("dashboard")).status_code == 302
    code = totp(b"Hello!\xde\xad\xbe\xef")  # what JBSWY3DPEHPK3PXP decodes to
    assert type_code(client, f"{code:06d}").status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


# -- Sessions end everywhere ----------------------------------------------------------------------


def test_a_nurse_who_logs_out_is_logged_out_on_every_computer(nurse):
    ward, home = Client(), Client()
    ward.force_login(nurse)
    home.force_login(nurse)
    assert home.get(reverse("dashboard")).status_code == 200
    ward.post(reverse("logout"))
    assert home.get(reverse("dashboard"))["Location"].startswith(reverse("login"))


def test_the_password_alone_cannot_end_a_nurses_sessions(nurse):
    ward, stranger = Client(), Client()
    ward.force_login(nurse)
    log_in(stranger, nurse, address="203.0.113.9")
    for _ in range(5):
        type_code(stranger, "000000", address="203.0.113.9")
    stranger.post(reverse("logout"))
    assert ward.get(reverse("dashboard")).status_code == 200


def test_a_patient_who_logs_out_on_one_phone_stays_in_on_another():
    patient = car_t_patient()
    phone, tablet = Client(), Client()
    phone.force_login(patient.user)
    tablet.force_login(patient.user)
    phone.post(reverse("logout"))
    assert tablet.get(reverse("checkin")).status_code == 200


def test_a_new_app_ends_the_other_sessions_but_not_this_one(nurse):
    here, elsewhere = Client(), Client()
    here.force_login(nurse)
    elsewhere.force_login(nurse)
    here.get(reverse("two_factor_setup"))
    new = TOTPDevice.objects.get(user=nurse, confirmed=False)
    assert type_code(here, code_from(new), page="two_factor_setup").status_code == 200
    assert here.get(reverse("dashboard")).status_code == 200
    assert elsewhere.get(reverse("dashboard"))["Location"].startswith(reverse("login"))
    assert list(TOTPDevice.objects.filter(user=nurse)) == [new]


def test_a_password_change_ends_the_other_sessions(nurse):
    elsewhere = Client()
    elsewhere.force_login(nurse)
    nurse.set_password("a-new-long-password-9")
    nurse.save()
    assert elsewhere.get(reverse("dashboard"))["Location"].startswith(reverse("login"))


def test_an_admin_resets_a_lost_phone_with_the_command(client, nurse):
    elsewhere = Client()
    elsewhere.force_login(nurse)
    call_command("reset_two_factor", "jo.nurse", stdout=None)
    assert not TOTPDevice.objects.filter(user=nurse).exists()
    assert elsewhere.get(reverse("dashboard"))["Location"].startswith(reverse("login"))
    log_in(client, nurse)
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("two_factor_setup"))
    assert SecondFactorEvent.objects.filter(user=nurse, kind="reset").exists()
