"""Who gets told, and when: nurses about urgent flags, patients about a missed check-in.

Each decision is written down first (a ``Notification`` or a ``CheckInReminder`` row, unique per
flag and level, or per patient and day), and the e-mail is queued only after that row is committed.
So cron may run a command twice, or two at once, and each e-mail still goes out once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tracker import tasks
from tracker.models import CareTeam, CheckInReminder, Flag, Level, Notification, Patient

# Levels that need a nurse within the hour get an e-mail the moment their flag opens or rises.
ALERT_LEVELS = (Level.EMERGENCY, Level.URGENT_NOW)
# An alert still unsent this long after it was queued is queued again (the mail server was down,
# or the worker lost it); the task sends each notification once, so a second copy is harmless.
RETRY_AFTER = timedelta(minutes=5)
RETRY_FOR = timedelta(days=1)


def _queue_once(model, task, **fields) -> bool:
    """Creates the record once and, on commit, queues ``task`` to send its e-mail.

    False when the record already existed: that e-mail has been queued before.
    """
    record, created = model.objects.get_or_create(**fields)
    if created:
        transaction.on_commit(partial(task.enqueue, record.pk))
    return created


def flag_raised(flag: Flag) -> None:
    """Called by ``raise_flag``: alerts the nurses once per level at emergency and urgent now."""
    if flag.level in ALERT_LEVELS and flag.status == Flag.Status.OPEN:
        _queue_once(
            Notification,
            tasks.send_flag_notification,
            flag=flag,
            kind=Notification.Kind.ALERT,
            level=flag.level,
        )


def escalate_overdue_flags(*, now: datetime | None = None) -> int:
    """E-mails the nurses again about each flag still unacknowledged past the team's target.

    Every flagged level escalates, urgent today included: a same-day flag nobody has seen after a
    day is a missed patient. Returns how many escalations were queued.
    """
    now = now or timezone.now()
    flags = (
        Flag.objects.filter(status=Flag.Status.OPEN)
        .with_waiting_since()
        .select_related("patient__care_team")
    )
    return _escalate_each([f for f in flags if f.overdue_at(now)], Notification.Kind.ESCALATION)


def _escalate_each(flags: list[Flag], kind: str) -> int:
    """One e-mail of ``kind`` per flag and level, however often cron runs."""
    queued = 0
    for flag in flags:
        with transaction.atomic():
            queued += _queue_once(
                Notification, tasks.send_flag_notification, flag=flag, kind=kind, level=flag.level
            )
    return queued


def news_after_acknowledged(flag: Flag) -> None:
    """Called by ``raise_flag`` when a check-in joins a flag a nurse has acknowledged: tells the
    nurses once per flag and level (the dashboard row marks every such check-in)."""
    _queue_once(
        Notification,
        tasks.send_flag_notification,
        flag=flag,
        kind=Notification.Kind.NEWS,
        level=flag.level,
    )


def escalate_unresolved_flags(*, now: datetime | None = None) -> int:
    """E-mails the nurses once about each flag acknowledged but still unresolved past the team's
    resolve target for its level. Returns how many were queued."""
    now = now or timezone.now()
    flags = Flag.objects.filter(status=Flag.Status.ACKNOWLEDGED).select_related(
        "patient__care_team"
    )
    late = [flag for flag in flags if flag.unresolved_too_long_at(now)]
    return _escalate_each(late, Notification.Kind.UNRESOLVED)


def retry_unsent_notifications(
    *, now: datetime | None = None, older_than: timedelta = RETRY_AFTER
) -> int:
    """Queues again each alert or escalation not yet sent for a flag still waiting for a nurse.

    A copy queued while the first is still on its way is harmless: the task sends each
    notification once. Returns how many were queued again.
    """
    now = now or timezone.now()
    unsent = (
        Notification.objects.filter(
            sent_at__isnull=True,
            created_at__lte=now - older_than,
            created_at__gte=now - RETRY_FOR,
        )
        .filter(
            Q(flag__status=Flag.Status.OPEN)
            | Q(
                flag__status=Flag.Status.ACKNOWLEDGED,
                kind__in=(Notification.Kind.UNRESOLVED, Notification.Kind.NEWS),
            )
        )
        .values_list("pk", flat=True)
    )
    for pk in unsent:
        tasks.send_flag_notification.enqueue(pk)
    return len(unsent)


def queue_due_reminders(*, now: datetime | None = None) -> int:
    """Queues today's one reminder for each monitored patient who has not checked in by the
    care team's reminder time. Returns how many were queued.

    A patient who has not yet set a password (invited, not started) cannot check in, so gets none,
    unless their carers get the reminder too; nor does one whose first infusion is still ahead.
    Who is due is read in a fixed number of queries, one row per patient however many infusions
    they have had (NK cells come weekly); only each reminder queued costs its own write.
    """
    now = now or timezone.now()
    zones = sorted(set(CareTeam.objects.values_list("time_zone", flat=True)))
    days = {zone: now.astimezone(ZoneInfo(zone)).date() for zone in zones}
    reminded = set(
        CheckInReminder.objects.filter(day__in=set(days.values())).values_list("patient", "day")
    )
    due = (
        Patient.objects.monitored(at=now)
        .exclude(Q(user__password__startswith=UNUSABLE_PASSWORD_PREFIX) & Q(remind_carers=False))
        .without_check_in_today(zones, now)
        .select_related("care_team")
        .order_by("pk")
    )
    queued = 0
    for patient in due:
        team = patient.care_team
        day = days[team.time_zone]
        if now.astimezone(team.zone).time() < team.reminder_time:
            continue
        if (patient.pk, day) in reminded:
            continue
        with transaction.atomic():
            queued += _queue_once(
                CheckInReminder, tasks.send_checkin_reminder, patient=patient, day=day
            )
    return queued
