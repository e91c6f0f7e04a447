"""The second factor's pages: type a code, use a recovery code, set up an authenticator app.

They come after the password (the login page is unchanged). The rules live in
``tracker.second_factor``; these views only show the pages and move people on.
"""

from __future__ import annotations

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

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
    context = {"form": form, "next": _next_page(request)}
    return render(request, template, context)


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
        "replacing": second_factor.has_second_factor(request.user),
    }
    return render(request, "registration/two_factor_setup.html", context)
