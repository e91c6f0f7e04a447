"""The second factor: who needs one, setting one up, checking a code, and ending other sessions.

Staff (the admin) and nurses (anyone in a care team) see many patients' health records, so after
their password they type a code from an authenticator app (TOTP), or one of ten one-time recovery
codes, or they use a passkey or security key (WebAuthn, through django-otp-webauthn) where
their browser offers one. Patients and carers are not asked, unless they chose to set one up.
django-otp keeps the devices and marks a session as verified;
``tracker.middleware.SecondFactorMiddleware`` sends anyone who needs a code and has not given one
this session to type it before any other page.

A wrong code, or a passkey the server refuses, counts like a wrong password: django-axes counts
both, per user name and network address, and five lock that pair out for the same time.
"""

from __future__ import annotations

import base64

import django_otp
import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from tracker.access import is_nurse, who
from tracker.models import SecondFactorEvent, SignInVersion

RECOVERY_CODES = 10
SESSION_VERSION_KEY = "sign_in_version"


def needs_second_factor(user) -> bool:
    """Staff, nurses, and anyone who chose to set up a second factor."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or is_nurse(user) or has_second_factor(user)


def has_second_factor(user) -> bool:
    """An app or a passkey set up and confirmed (recovery codes alone do not count)."""
    if (known := getattr(user, "_has_second_factor", None)) is None:
        known = has_app(user) or has_passkey(user)
        user._has_second_factor = known
    return known


def has_app(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def has_passkey(user) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


# -- Setting up ------------------------------------------------------------------------------------


def pending_device(user) -> TOTPDevice:
    """The authenticator key being set up: kept unconfirmed until a code from it is typed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=False)
    return device


def secret_of(device: TOTPDevice) -> str:
    """The key as authenticator apps show and accept it when typed: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The key as a QR code, an inline SVG (no script, no image request)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=4, border=4, dark="#000", light="#fff"
    )


def new_recovery_codes(user) -> list[str]:
    """Ten new one-time recovery codes, replacing any earlier ones."""
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name="recovery codes")
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    recovery.token_set.bulk_create([StaticToken(device=recovery, token=c) for c in codes])
    return codes


@transaction.atomic
def confirm_setup(request: HttpRequest, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirms ``device`` with a code from it; returns the new recovery codes, or None.

    The new app replaces any earlier one and its recovery codes, this session counts as verified,
    and every other session of the user ends (a second-factor change, like a password change).
    """
    if not device.verify_token(code.strip().replace(" ", "")):
        return None
    user = request.user
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = new_recovery_codes(user)
    django_otp.login(request, device)
    end_other_sessions(request)
    user._has_second_factor = True
    SecondFactorEvent.objects.create(user=user, kind=SecondFactorEvent.Kind.SET_UP)
    return codes


def passkey_added(request: HttpRequest) -> None:
    """A passkey was just added (django-otp-webauthn saved it and verified this session).

    Like a new app, it ends the user's other sessions and is audited. Recovery codes come on the
    next page (``recovery_codes_for_new_passkey``).
    """
    end_other_sessions(request)
    request.user._has_second_factor = True
    SecondFactorEvent.objects.create(user=request.user, kind=SecondFactorEvent.Kind.SET_UP)


@transaction.atomic
def recovery_codes_for_new_passkey(user) -> list[str] | None:
    """New recovery codes for someone whose first second factor is a passkey; None if they have
    some already.

    A lost passkey then does not lock them out, as with a lost phone.
    """
    if StaticDevice.objects.filter(user=user).exists() or not has_passkey(user):
        return None
    return new_recovery_codes(user)


def give_demo_device(user, secret: str) -> TOTPDevice:
    """For the demo only: an authenticator key that testers can type into any app."""
    key = base64.b32decode(secret).hex()
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name="demo", key=key, confirmed=True)


@transaction.atomic
def reset(user) -> int:
    """Removes every second factor of ``user`` and ends all their sessions; returns how many.

    For a lost phone or passkey: at their next login the user is asked to set up a new one.
    """
    removed = 0
    for model in (TOTPDevice, StaticDevice, WebAuthnCredential):
        removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    SignInVersion.raise_for(user)
    SecondFactorEvent.objects.create(user=user, kind=SecondFactorEvent.Kind.RESET)
    return removed


# -- Checking a code -------------------------------------------------------------------------------


def _credentials(user) -> dict[str, str]:
    return {settings.AXES_USERNAME_FORM_FIELD: user.get_username()}


def is_locked_out(request: HttpRequest) -> bool:
    return AxesProxyHandler.is_locked(request, _credentials(request.user))


def verify(request: HttpRequest, code: str, *, recovery: bool = False) -> bool:
    """Checks a code from the user's app (or a recovery code) and marks the session verified.

    A wrong code is counted by django-axes like a wrong password; on the fifth the pair of user
    name and address is locked out (``request.axes_locked_out``) and the caller logs the user out.
    """
    user = request.user
    model = StaticDevice if recovery else TOTPDevice
    code = code.strip().replace(" ", "").lower()
    device = None
    for candidate in model.objects.filter(user=user, confirmed=True):
        if code and candidate.verify_token(code):
            device = candidate
            break
    if device is not None:
        django_otp.login(request, device)
        kind = (
            SecondFactorEvent.Kind.RECOVERY_CODE_USED
            if recovery
            else SecondFactorEvent.Kind.VERIFIED
        )
        accepted(request, kind)
        return True
    refused(request)
    return False


def refused(request: HttpRequest) -> bool:
    """A wrong code or a refused passkey: audited and counted. True when that locked them out."""
    user = request.user
    SecondFactorEvent.objects.create(user=user, kind=SecondFactorEvent.Kind.FAILED)
    user_login_failed.send(sender=__name__, credentials=_credentials(user), request=request)
    if getattr(request, "axes_locked_out", False):
        SecondFactorEvent.objects.create(user=user, kind=SecondFactorEvent.Kind.LOCKED_OUT)
        return True
    return False


def accepted(request: HttpRequest, kind: str = SecondFactorEvent.Kind.VERIFIED) -> None:
    """A right code or an accepted passkey (the session is already marked verified): audited, and
    the wrong tries of this user name and address are forgotten."""
    user = request.user
    SecondFactorEvent.objects.create(user=user, kind=kind)
    AxesProxyHandler.update_request(request)
    AxesProxyHandler.reset_attempts(
        ip_address=request.axes_ip_address, username=user.get_username()
    )


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# -- Ending sessions -------------------------------------------------------------------------------


def end_other_sessions(request: HttpRequest) -> None:
    """Ends every session of the user but this one (like ``update_session_auth_hash``)."""
    request.session[SESSION_VERSION_KEY] = SignInVersion.raise_for(request.user)


def session_is_current(request: HttpRequest) -> bool:
    return request.session.get(SESSION_VERSION_KEY, 0) == who(request.user).sign_in_version


@receiver(user_logged_in)
def _remember_version(sender, request, user, **kwargs) -> None:
    request.session[SESSION_VERSION_KEY] = SignInVersion.of(user)


@receiver(user_logged_out)
def _log_staff_out_everywhere(sender, request, user, **kwargs) -> None:
    """A nurse or staff member who logs out is logged out on every computer they used.

    Only from a session that gave the code: someone who has only the password cannot end the
    nurse's sessions by logging in and out (or by typing wrong codes until locked out).
    """
    verified = getattr(user, "is_verified", lambda: False)()
    if user is not None and verified and needs_second_factor(user):
        SignInVersion.raise_for(user)
