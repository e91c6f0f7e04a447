from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseRedirectBase
from django.shortcuts import resolve_url
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

from tracker.access import is_nurse
from tracker.models import CareTeam, Preferences


class CareTeamTimeZoneMiddleware:
    """Shows times in the care team's time zone: the patient's team, or the nurse's first team."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = None
        if request.user.is_authenticated:
            # Two indexed lookups (an OR across both joins would read every patient), then the
            # first team by name, as one query ordered by name would give.
            teams = [
                CareTeam.objects.filter(patients__user=request.user),
                CareTeam.objects.filter(nurses=request.user),
            ]
            found = [team.values_list("name", "time_zone").first() for team in teams]
            zone = min((f for f in found if f), default=(None, None))[1]
        if zone:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        return self.get_response(request)


class SessionExpiryMiddleware:
    """Ends a session after a time without activity: shorter for staff and nurses than for patients.

    Each request renews the session, except the dashboard's 30-second refresh: htmx sends it with
    ``HX-Trigger: worklist`` (the id of the element that polls), and a nurse who has left the
    screen is not active. When the session has ended, an htmx request gets ``HX-Redirect`` to the
    login page, so the whole page goes there instead of a login form being swapped into the list.
    """

    # Ids of the elements whose ``hx-trigger="every …"`` refreshes a page by itself.
    BACKGROUND_POLLS = frozenset({"worklist"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = request.user  # the view may have logged someone in or out
        if user.is_authenticated and not self.is_background_poll(request):
            request.session.set_expiry(self.idle_seconds(user))
        if request.headers.get("HX-Request") and self.is_login_redirect(request, response):
            redirect = HttpResponseClientRedirect(self.login_url(request))
            redirect.cookies = response.cookies  # a language or logout cookie still applies
            return redirect
        return response

    def is_background_poll(self, request: HttpRequest) -> bool:
        return (
            request.method == "GET"
            and request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-Trigger") in self.BACKGROUND_POLLS
        )

    @staticmethod
    def idle_seconds(user) -> int:
        if user.is_staff or is_nurse(user):
            return 60 * settings.STAFF_SESSION_MINUTES
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
        if request.user.is_authenticated:
            language = Preferences.language_of(request.user)
            if language in dict(settings.LANGUAGES):
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)
