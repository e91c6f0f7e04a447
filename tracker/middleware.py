from collections.abc import Callable

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from tracker.models import CareTeam


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
