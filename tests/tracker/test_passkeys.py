"""Passkeys and security keys as the second step (django-otp-webauthn), through our views.

A software passkey (``passkey_authenticator``) answers the ceremonies as a browser would, so the
package's real checks run: challenge, origin, site name, signature.
"""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp_webauthn.models import WebAuthnCredential

from tests.factories import PASSWORD, CareTeamFactory, authenticator_app, nurse_of
from tests.tracker.passkey_authenticator import ORIGIN, RP_ID, add_passkey, ceremony
from tracker.models import SecondFactorEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def passkeys_on(settings):
    settings.PASSKEYS = True
    settings.OTP_WEBAUTHN_RP_ID = RP_ID
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [ORIGIN]


@pytest.fixture
def new_nurse():
    """A nurse who has never set up a second factor."""
    return nurse_of(CareTeamFactory(), username="sam.nurse")


def log_in(client, user, address="10.0.0.1"):
    client.post(
        reverse("login"),
        {"username": user.get_username(), "password": PASSWORD},
        REMOTE_ADDR=address,
    )


def use_passkey(client, passkey, *, tampered=False, address="10.0.0.1", query=""):
    status, options = ceremony(client, "passkey_verify_begin", address=address)
    if status != 200:
        return status, options
    answer = passkey.get(options, tampered=tampered)
    return ceremony(client, "passkey_verify_complete", answer, address=address, query=query)


def test_a_new_nurse_adds_a_passkey_instead_of_an_app_and_gets_recovery_codes(client, new_nurse):
    log_in(client, new_nurse)
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("two_factor_setup"))
    page = client.get(reverse("two_factor_setup")).content.decode()
    assert 'id="otp_webauthn_config"' in page and "Add a passkey" in page
    add_passkey(client)
    assert WebAuthnCredential.objects.filter(user=new_nurse, confirmed=True).count() == 1
    assert client.get(reverse("dashboard")).status_code == 200
    codes_page = client.get(reverse("two_factor_passkey_added"))
    assert "Save your recovery codes" in codes_page.content.decode()
    assert len(codes_page.context["codes"]) == 10
    # Shown once: the next visit goes straight on.
    assert client.get(reverse("two_factor_passkey_added"))["Location"] == reverse("home")
    assert SecondFactorEvent.objects.filter(user=new_nurse, kind="set_up").count() == 1


def test_a_nurse_logs_in_with_password_and_passkey(client, new_nurse):
    log_in(client, new_nurse)
    passkey = add_passkey(client)
    client.post(reverse("logout"))
    log_in(client, new_nurse)
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("two_factor"))
    page = client.get(reverse("two_factor")).content.decode()
    assert "Use a passkey" in page
    assert 'name="code"' not in page  # no app: the code form would not help
    status, body = use_passkey(client, passkey, query="?next=/patients/")
    assert status == 200, body
    assert body["redirect_url"] == "/patients/"
    assert client.get(reverse("dashboard")).status_code == 200
    assert SecondFactorEvent.objects.filter(user=new_nurse, kind="verified").count() == 1


def test_the_password_alone_cannot_add_a_passkey_to_a_nurse_with_an_app(client):
    nurse = nurse_of(CareTeamFactory(), username="jo.nurse")
    authenticator_app(nurse)
    log_in(client, nurse)
    status, body = ceremony(client, "passkey_register_begin")
    assert status == 403 and body["code"] == "user_not_verified"
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("two_factor"))


def test_a_refused_passkey_counts_toward_the_lockout_and_is_recorded(new_nurse):
    setup = Client()
    log_in(setup, new_nurse)
    passkey = add_passkey(setup)
    client = Client()
    log_in(client, new_nurse)
    for _ in range(4):
        status, body = use_passkey(client, passkey, tampered=True)
        assert status in (400, 422) and "detail" in body
    status, body = use_passkey(client, passkey, tampered=True)
    assert status == 429  # django-axes' lockout page, as after a fifth wrong code
    assert "locked this account on this device" in body["page"]
    assert SecondFactorEvent.objects.filter(user=new_nurse, kind="failed").count() == 5
    assert SecondFactorEvent.objects.filter(user=new_nurse, kind="locked_out").count() == 1
    # Logged out and locked from this address, even with the right passkey …
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("login"))
    log_in(client, new_nurse)
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("login"))
    # … but not from the nurse's own computer.
    elsewhere = Client()
    log_in(elsewhere, new_nurse, address="10.0.0.2")
    assert use_passkey(elsewhere, passkey, address="10.0.0.2")[0] == 200
    assert elsewhere.get(reverse("dashboard")).status_code == 200


def test_someone_elses_passkey_does_not_verify_the_nurse(client, new_nurse):
    other = nurse_of(CareTeamFactory(), username="kim.nurse")
    other_client = Client()
    log_in(other_client, other)
    their_passkey = add_passkey(other_client)
    log_in(client, new_nurse)
    add_passkey(client)
    client.post(reverse("logout"))
    log_in(client, new_nurse)
    status, body = use_passkey(client, their_passkey)
    assert status == 403 and body["code"] == "credential_user_mismatch"
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("two_factor"))


def test_an_admin_reset_removes_the_passkeys_too(client, new_nurse):
    log_in(client, new_nurse)
    add_passkey(client)
    call_command("reset_two_factor", "sam.nurse", stdout=None)
    assert not WebAuthnCredential.objects.filter(user=new_nurse).exists()
    log_in(client, new_nurse)
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("two_factor_setup"))


def test_passkeys_are_not_offered_at_an_address_they_cannot_work_at(client, new_nurse, settings):
    settings.PASSKEYS = False
    log_in(client, new_nurse)
    assert "otp_webauthn_config" not in client.get(reverse("two_factor_setup")).content.decode()
    status, body = ceremony(client, "passkey_register_begin")
    assert status == 404 and body["code"] == "passkeys_off"
