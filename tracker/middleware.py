from collections.abc import Callable

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from tracker.models import CareTeam, Preferences


class CareTeamTimeZoneMiddleware:
    """Shows times in the care team's time zone: the patient's team, or the nurse's first team."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = None
        if request.user.is_authenticated:
            zone = (
                CareTeam.objects.filter(Q(patients__user=request.user) | Q(nurses=request.user))
                .values_list("time_zone", flat=True)
                .first()
            )
        if zone:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        return self.get_response(request)


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
