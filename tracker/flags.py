"""A nurse's steps on a flag: acknowledge, resolve, reopen.

Each step is one conditional update (``UPDATE … WHERE status = …``) and its ``FlagEvent``, inside
one ``transaction.atomic()`` block: two nurses pressing the same button at once make one step and
one event, and the one who lost reads who won from the refreshed flag. Each returns whether this
call made the step; the flag passed in is refreshed either way.
"""

from __future__ import annotations

from django.db import IntegrityError, models, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tracker.models import Flag, FlagEvent


def acknowledge(flag: Flag, user) -> bool:
    """Marks the flag seen by ``user``; False when someone already had."""
    now = timezone.now()
    with transaction.atomic():
        updated = (
            Flag.objects.filter(pk=flag.pk, status=Flag.Status.OPEN).update(
                status=Flag.Status.ACKNOWLEDGED, acknowledged_by=user, acknowledged_at=now
            )
            == 1
        )
        flag.refresh_from_db()
        if updated:
            FlagEvent.objects.create(
                flag=flag, action=FlagEvent.Action.ACKNOWLEDGED, at=now, by=user, level=flag.level
            )
    return updated


def resolve(
    flag: Flag, user, outcome: str, note: str = "", *, report_id: int | None = None
) -> bool:
    """Closes the flag with an outcome and a note; False when it could not.

    It cannot when someone had already resolved it, or, given ``report_id`` (the report the nurse
    was looking at), when a newer report has joined the flag since. Resolving an open flag also
    marks it acknowledged by the same nurse.
    """
    now = timezone.now()
    outcome = Flag.Outcome(outcome)  # an unknown outcome fails before anything is written
    unresolved = Flag.objects.filter(pk=flag.pk).exclude(status=Flag.Status.RESOLVED)
    if report_id is not None:
        unresolved = unresolved.filter(report_id=report_id)
    with transaction.atomic():
        updated = (
            unresolved.update(
                status=Flag.Status.RESOLVED,
                resolved_by=user,
                resolved_at=now,
                outcome=outcome,
                note=note,
                acknowledged_by=Coalesce(
                    F("acknowledged_by"), Value(user.pk), output_field=models.BigIntegerField()
                ),
                acknowledged_at=Coalesce(F("acknowledged_at"), Value(now)),
            )
            == 1
        )
        flag.refresh_from_db()
        if updated:
            FlagEvent.objects.create(
                flag=flag,
                action=FlagEvent.Action.RESOLVED,
                at=now,
                by=user,
                level=flag.level,
                report_id=flag.report_id,
                outcome=outcome,
                note=note,
            )
    return updated


def reopen(flag: Flag, user) -> bool:
    """Puts a resolved flag back on the list as open; False when it could not.

    It cannot when someone had already reopened it, or when the patient has another unresolved
    flag (a newer report opened one; the database's one-unresolved-flag-per-patient constraint
    says so): that flag is the one to work on.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            updated = (
                Flag.objects.filter(pk=flag.pk, status=Flag.Status.RESOLVED).update(
                    status=Flag.Status.OPEN,
                    acknowledged_by=None,
                    acknowledged_at=None,
                    resolved_by=None,
                    resolved_at=None,
                    outcome="",
                    note="",
                )
                == 1
            )
            flag.refresh_from_db()
            if updated:
                FlagEvent.objects.create(
                    flag=flag,
                    action=FlagEvent.Action.REOPENED,
                    at=now,
                    by=user,
                    level=flag.level,
                    report_id=flag.report_id,
                )
    except IntegrityError:
        updated = False
        flag.refresh_from_db()
    return updated
