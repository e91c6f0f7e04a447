"""The second factor's pages: type a code, use a recovery code, set up an authenticator app, and
the passkey ceremonies (django-otp-webauthn's JSON views, with our lockout and audit added).

They come after the password (the login page is unchanged). The rules live in
``tracker.second_factor``; these views only show the pages and move people on.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.middleware import csrf
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import exceptions as webauthn_errors
from django_otp_webauthn import views as webauthn

from tracker import second_factor
from tracker.forms import SecondFactorCodeForm
from tracker.views import locked_out

WRONG_CODE = _(
    "That code did not work. Check that you typed the newest code from your app, then try again."
)


def _lock_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    request.second_factor_locked_out = True  # the lockout page then says "code", not "password"
    return locked_out(request)


def _next_page(request: HttpRequest) -> str:
    back = request.POST.get("next") or request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return resolve_url("home")


def _check_code(request: HttpRequest, *, recovery: bool, template: str) -> HttpResponse:
    if request.user.is_verified():
        return redirect(_next_page(request))
    if not second_factor.has_second_factor(request.user):
        return redirect("two_factor_setup")
    if second_factor.is_locked_out(request):
        return _lock_out(request)
    form = SecondFactorCodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        if second_factor.verify(request, form.cleaned_data["code"], recovery=recovery):
            return redirect(_next_page(request))
        if getattr(request, "axes_locked_out", False):
            return _lock_out(request)
        form.add_error("code", WRONG_CODE)
    context = {
        "form": form,
        "next": _next_page(request),
        "has_app": second_factor.has_app(request.user),
        **_passkeys(request, offer=second_factor.has_passkey(request.user)),
    }
    return render(request, template, context)


def _passkeys(request: HttpRequest, *, offer: bool) -> dict:
    """What the passkey script needs (read from a JSON element: no inline script)."""
    if not (offer and settings.PASSKEYS):
        return {"passkeys": None}
    return {
        "passkeys": {
            "csrfToken": csrf.get_token(request),
            "nextFieldSelector": "input[name='next']",
            "autocompleteLoginFieldSelector": None,
            "beginAuthenticationUrl": reverse("passkey_verify_begin"),
            "completeAuthenticationUrl": reverse("passkey_verify_complete"),
            "beginRegistrationUrl": reverse("passkey_register_begin"),
            "completeRegistrationUrl": reverse("passkey_register_complete"),
        }
    }


@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """The code from the authenticator app, after the password."""
    return _check_code(request, recovery=False, template="registration/two_factor.html")


@require_http_methods(["GET", "POST"])
def two_factor_recovery(request: HttpRequest) -> HttpResponse:
    """One of the recovery codes, for someone without their phone. Each works once."""
    return _check_code(request, recovery=True, template="registration/two_factor_recovery.html")


@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Sets up an authenticator app: scan the QR code (or type the key), then type its code.

    Someone who already has an app must give a code from it this session before replacing it, so a
    password alone cannot swap in a stranger's phone.
    """
    if second_factor.has_second_factor(request.user) and not request.user.is_verified():
        return redirect("two_factor")
    device = second_factor.pending_device(request.user)
    form = SecondFactorCodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        codes = second_factor.confirm_setup(request, device, form.cleaned_data["code"])
        if codes is not None:
            context = {"codes": codes, "next": _next_page(request)}
            return render(request, "registration/two_factor_codes.html", context)
        form.add_error("code", WRONG_CODE)
    context = {
        "form": form,
        "next": _next_page(request),
        "qr_code": second_factor.qr_code_svg(device),
        "secret": second_factor.secret_of(device),
        "replacing": second_factor.has_app(request.user),
        **_passkeys(request, offer=True),
    }
    return render(request, "registration/two_factor_setup.html", context)


@require_GET
def passkey_added(request: HttpRequest) -> HttpResponse:
    """After a passkey is added: recovery codes if it is the first second factor, else go on."""
    if not request.user.is_verified():
        return redirect("two_factor")
    codes = second_factor.recovery_codes_for_new_passkey(request.user)
    if codes is None:
        return redirect(_next_page(request))
    context = {"codes": codes, "next": _next_page(request)}
    return render(request, "registration/two_factor_codes.html", context)


# -- Passkeys: django-otp-webauthn's ceremonies (JSON, called by its script) -----------------------

PASSKEY_LOCKED_OUT = _(
    "Too many tries: you cannot log in for a while. If you need help now, phone your care team."
)


class LockedOut(webauthn_errors.OTPWebAuthnApiError):
    status_code = 403
    default_detail = PASSKEY_LOCKED_OUT
    default_code = "locked_out"


class PasskeysOff(webauthn_errors.OTPWebAuthnApiError):
    status_code = 404
    default_detail = _("Passkeys are not available at this address.")
    default_code = "passkeys_off"


class _PasskeyCeremony:
    def initial(self, request, *args, **kwargs):
        if not settings.PASSKEYS:
            raise PasskeysOff()
        super().initial(request, *args, **kwargs)


class PasskeyRegisterBegin(_PasskeyCeremony, webauthn.BeginCredentialRegistrationView):
    """Options for adding a passkey. Someone with a second factor must have given it first."""


class PasskeyRegisterComplete(_PasskeyCeremony, webauthn.CompleteCredentialRegistrationView):
    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        second_factor.passkey_added(self.request)
        return response


class _NotLockedOut:
    def check_can_authenticate(self):
        super().check_can_authenticate()
        if self.request.user.is_authenticated and second_factor.is_locked_out(self.request):
            raise LockedOut()


class PasskeyVerifyBegin(
    _PasskeyCeremony, _NotLockedOut, webauthn.BeginCredentialAuthenticationView
):
    """Options for checking a passkey of the logged-in user (never a login without a password)."""


class PasskeyVerifyComplete(
    _PasskeyCeremony, _NotLockedOut, webauthn.CompleteCredentialAuthenticationView
):
    """Checks the passkey's answer; a refused one counts toward the lockout like a wrong code."""

    def complete_auth(self, device):
        super().complete_auth(device)
        second_factor.accepted(self.request)

    def handle_exception(self, exc):
        counts = self.request.user.is_authenticated and not isinstance(
            exc, LockedOut | PasskeysOff | webauthn_errors.PasswordlessLoginDisabled
        )
        api_error = isinstance(exc, webauthn_errors.OTPWebAuthnApiError)
        if counts and api_error and second_factor.refused(self.request):
            # django-axes answers with its lockout page (429), as after a fifth wrong code.
            logout(self.request)
            self.request.second_factor_locked_out = True
            exc = LockedOut()
        return super().handle_exception(exc)

    def get_success_url(self):
        return _next_page(self.request)


passkey_js_catalog = JavaScriptCatalog.as_view(packages=["django_otp_webauthn"])
