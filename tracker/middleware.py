import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseRedirectBase
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_htmx.http import HttpResponseClientRedirect

from tracker.access import is_nurse, who
from tracker.models import Preferences
from tracker.second_factor import has_second_factor, needs_second_factor, session_is_current

# The session key set at login when a patient or carer ticked "Keep me signed in on this phone".
KEEP_SIGNED_IN = "keep_signed_in"


class CareTeamTimeZoneMiddleware:
    """Shows times in the care team's time zone: the patient's team, or the nurse's first team."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = who(request.user).time_zone if request.user.is_authenticated else None
        if zone:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        return self.get_response(request)


class SessionExpiryMiddleware:
    """Ends a session after a time without activity: shorter for staff and nurses than for patients.

    A patient or carer who ticked "Keep me signed in on this phone" at login stays signed in on it
    for ``REMEMBER_DEVICE_DAYS`` since they last used it; for staff and nurses the box changes
    nothing. Logging out ends the session whatever was ticked.

    Each request renews the session, except the dashboard's 30-second refresh: htmx sends it with
    ``HX-Trigger: worklist`` (the id of the element that polls), and a nurse who has left the
    screen is not active. Renewing writes the session, so it is written at most once every
    ``RENEW_SECONDS`` while the idle time stays the same: a session may end up to that much sooner
    than the idle time after the last click, never later. When the session has ended, an htmx
    request gets ``HX-Redirect`` to the login page, so the whole page goes there instead of a login
    form being swapped into the list.
    """

    # Ids of the elements whose ``hx-trigger="every …"`` refreshes a page by itself.
    BACKGROUND_POLLS = frozenset({"worklist"})
    RENEW_SECONDS = 60
    RENEWED = "session_renewed"  # [idle seconds, when (epoch seconds)] of the last renewal

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = request.user  # the view may have logged someone in or out
        if user.is_authenticated and not self.is_background_poll(request):
            self.renew(request.session, self.idle_seconds(user, request.session))
        if request.headers.get("HX-Request") and self.is_login_redirect(request, response):
            redirect = HttpResponseClientRedirect(self.login_url(request))
            redirect.cookies = response.cookies  # a language or logout cookie still applies
            return redirect
        return response

    def renew(self, session, idle: int) -> None:
        now = int(time.time())
        last_idle, last_renewed = session.get(self.RENEWED) or (None, 0)
        if (
            last_idle == idle
            and now - last_renewed < self.RENEW_SECONDS
            and session.get_expiry_age() == idle
        ):
            return  # renewed a moment ago for the same idle time: no write
        session.set_expiry(idle)
        session[self.RENEWED] = [idle, now]

    def is_background_poll(self, request: HttpRequest) -> bool:
        return (
            request.method == "GET"
            and request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-Trigger") in self.BACKGROUND_POLLS
        )

    @staticmethod
    def idle_seconds(user, session) -> int:
        if user.is_staff or is_nurse(user):
            return 60 * settings.STAFF_SESSION_MINUTES
        if session.get(KEEP_SIGNED_IN):
            return 60 * 60 * 24 * settings.REMEMBER_DEVICE_DAYS
        return 60 * 60 * settings.PATIENT_SESSION_HOURS

    @staticmethod
    def is_login_redirect(request: HttpRequest, response: HttpResponse) -> bool:
        if request.user.is_authenticated or not isinstance(response, HttpResponseRedirectBase):
            return False
        if isinstance(response, HttpResponseClientRedirect):
            return False  # the view already told htmx where to go
        return urlsplit(response.url).path == resolve_url(settings.LOGIN_URL)

    @staticmethod
    def login_url(request: HttpRequest) -> str:
        """The login page, then back to the page the browser shows (not the fragment's address)."""
        page = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = urlunsplit(("", "", page.path, page.query, ""))
        safe = page.path and url_has_allowed_host_and_scheme(
            request.headers["HX-Current-URL"],
            allowed_hosts={request.get_host()},
            require_https=request.is_secure(),
        )
        return redirect_to_login(back if safe else resolve_url("home")).url


class UserLanguageMiddleware:
    """Shows a logged-in user's pages in the language they chose (``Preferences``).

    Comes after Django's LocaleMiddleware, which has already picked the language cookie or the
    browser's Accept-Language: that choice stands for anyone who is not logged in, or who has not
    chosen a language yet.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and Preferences.is_supported(language := who(user).language):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


class SignInVersionMiddleware:
    """Ends a session whose user has since logged out elsewhere or changed their second factor.

    Each session keeps the user's sign-in version from when it logged in (``SignInVersion``); a
    staff logout or a new second factor raises it, and every older session ends here.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and not session_is_current(request):
            request.session.flush()  # not logout(): that would end the user's other sessions too
            request.user = AnonymousUser()
        return self.get_response(request)


class SecondFactorMiddleware:
    """Sends staff and nurses to type a code from their app before any other page.

    Who needs one: ``needs_second_factor``. Someone without an app set up yet is sent to set one
    up. Logging in and out, the language switch and the code pages themselves stay open. The
    page they asked for comes after the code (``next``).
    """

    OPEN_PAGES = frozenset(
        {
            "login",
            "logout",
            "language",
            "health",
            "set_password",
            "two_factor",
            "two_factor_setup",
            "two_factor_recovery",
            "passkey_register_begin",
            "passkey_register_complete",
            "passkey_verify_begin",
            "passkey_verify_complete",
            "passkey_js_catalog",
        }
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if request.resolver_match.view_name in self.OPEN_PAGES:
            return None
        if not needs_second_factor(user):
            return None
        page = "two_factor" if has_second_factor(user) else "two_factor_setup"
        if request.headers.get("HX-Request"):
            return HttpResponseClientRedirect(reverse(page))  # the whole page goes there
        back = request.get_full_path() if request.method == "GET" else resolve_url("home")
        return HttpResponseRedirect(f"{reverse(page)}?{urlencode({'next': back})}")
