"""How long ago, in words a nurse reads at a glance: "just now" rather than "0 minutes"."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

register = template.Library()

JUST_NOW = timedelta(minutes=1)


@register.filter
def since(moment: datetime | None) -> str:
    """The time since ``moment`` ("5 minutes", "2 hours, 3 minutes"); "just now" under a minute."""
    if moment is None:
        return ""
    if timezone.now() - moment < JUST_NOW:
        return _("just now")
    return timesince(moment)


@register.filter
def ago(moment: datetime | None) -> str:
    """ "5 minutes ago"; "just now" under a minute."""
    if moment is None:
        return ""
    if timezone.now() - moment < JUST_NOW:
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(moment)}
