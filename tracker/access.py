"""Who is asking: a nurse, or someone who checks in for a patient (the patient or a carer).

Middleware, views and the page header all ask this on the same request, so each answer is kept on
the user object for the rest of the request instead of being asked of the database again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse

from tracker.models import Patient


def is_nurse(user) -> bool:
    """A nurse of at least one care team."""
    if not user.is_authenticated:
        return False
    if (known := getattr(user, "_is_nurse", None)) is None:
        known = user._is_nurse = user.care_teams.exists()
    return known


def nurse_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorator for a nurse's view, in the style of ``django.contrib.auth.decorators``.

    Anyone who is not a nurse of a care team gets 404, as if the page were not there: the page
    does not tell a patient or a stranger that it exists. Which patients and flags a nurse may
    see is then the view's scoped QuerySet (``for_nurse``), so a nurse of another team gets 404
    from the lookup.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_nurse(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def answers_for_patients(user) -> bool:
    """A patient, or a carer of at least one patient."""
    if not user.is_authenticated:
        return False
    if (known := getattr(user, "_answers_for_patients", None)) is None:
        # Two indexed lookups on the user's own rows (an OR across both would scan every patient).
        known = (
            Patient.objects.filter(user=user).exists()
            or Patient.carers.through.objects.filter(user=user).exists()
        )
        user._answers_for_patients = known
    return known


def roles(request) -> dict[str, bool]:
    """Template context processor: what the page header offers.

    A nurse's pages are offered once they have typed the code from their app (django-otp's
    ``is_verified``): before that, every one of them would lead back to the code page.
    """
    verified = getattr(request.user, "is_verified", lambda: True)()
    return {
        "is_nurse": is_nurse(request.user) and verified,
        "answers_for_patients": answers_for_patients(request.user),
    }
