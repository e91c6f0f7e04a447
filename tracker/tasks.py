"""Background work through django.tasks: every e-mail the app sends.

Each task takes the id of a row that says what to send, so it can be retried safely: a row marked
``sent_at`` is not sent again. The e-mails carry no clinical detail and no patient name; they are a
kind sentence and a link. In production `manage.py worker` runs them (django-tasks-db).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker.models import CheckInReminder, Notification, Patient, Preferences
from tracker.tokens import invitation_url, password_reset_url

logger = logging.getLogger(__name__)


def checked_in_on(patient: Patient, day: date) -> bool:
    """Whether anyone sent a check-in for ``patient`` on ``day`` (the care team's calendar)."""
    return patient.reports.on_day(day, patient.care_team.zone).exists()


def _email(subject: str, template: str, context: dict, to: list[str]) -> list[EmailMessage]:
    body = render_to_string(template, context)
    return [EmailMessage(subject, body, to=[address]) for address in to]


def _language(language: str | None) -> str:
    """The recipient's chosen language, or the site's when they have not chosen one."""
    return language if Preferences.is_supported(language) else settings.LANGUAGE_CODE


def _send_password_link(user, *, url: str, subject: Promise, template: str) -> None:
    """An e-mail with a link to choose a password, in the person's language."""
    days = settings.PASSWORD_RESET_TIMEOUT // (60 * 60 * 24)
    context = {"url": url, "username": user.get_username(), "days": days}
    with translation.override(_language(Preferences.language_of(user))):
        message = _email(str(subject), template, context, [user.email])
    mailers.default.send_messages(message)


@task
def send_invitation(user_id: int) -> None:
    user = get_user_model().objects.get(pk=user_id)
    if not user.email:
        logger.warning("Invitation for user %s not sent: no e-mail address.", user_id)
        return
    _send_password_link(
        user,
        url=invitation_url(user),
        subject=gettext_lazy("Your daily check-in: choose a password"),
        template="email/invitation.txt",
    )


@task
def send_password_reset(user_id: int) -> None:
    """The "forgot your password" e-mail: its link is made here, so no token waits in the queue."""
    user = get_user_model().objects.get(pk=user_id)
    if user.is_active and user.has_usable_password() and user.email:
        _send_password_link(
            user,
            url=password_reset_url(user),
            subject=gettext_lazy("Your daily check-in: choose a new password"),
            template="email/password_reset.txt",
        )


@task
def send_flag_notification(notification_id: int) -> None:
    with transaction.atomic():
        # Only the notification's row is locked while the mail server answers: a slow server
        # must never hold up a check-in or a nurse acting on the flag.
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("flag__patient__care_team")
            .get(pk=notification_id)
        )
        if notification.sent_at is not None:
            return
        team = notification.flag.patient.care_team
        nurses = list(
            team.nurses.filter(is_active=True)
            .exclude(email="")
            .values_list("email", "preferences__language")
        )
        if not nurses:
            logger.warning(
                "Notification %s: no nurse of care team %s has an e-mail address.",
                notification_id,
                team.pk,
            )
            return
        kind = notification.kind
        context = {"url": settings.SITE_URL + reverse("dashboard"), "kind": kind}
        messages = []
        for address, language in nurses:  # each nurse reads it in their own language
            with translation.override(_language(language)):
                subject = _flag_subject(kind)
                messages += _email(subject, "email/flag_notification.txt", context, [address])
        sent = mailers.default.send_messages(messages)
        notification.sent_at = timezone.now()
        notification.recipients = sent or 0
        notification.save(update_fields=["sent_at", "recipients"])


def _flag_subject(kind: str) -> str:
    return {
        Notification.Kind.ESCALATION: _("Still waiting: a patient needs review"),
        Notification.Kind.UNRESOLVED: _("Not resolved yet: a patient needs review"),
        Notification.Kind.NEWS: _("A new check-in on an acknowledged flag"),
    }.get(kind, _("A patient needs review"))


@task
def send_checkin_reminder(reminder_id: int) -> None:
    with transaction.atomic():
        reminder = (
            CheckInReminder.objects.select_for_update()
            .select_related("patient__user", "patient__care_team")
            .get(pk=reminder_id)
        )
        patient = reminder.patient
        # The queue may have waited: a check-in since, or a stay in hospital, makes it needless.
        if (
            reminder.sent_at is not None
            or patient.monitoring_now != Patient.Monitoring.ACTIVE
            or checked_in_on(patient, reminder.day)
        ):
            return
        messages = []
        for user, for_carer in reminder_recipients(patient):
            context = {"url": settings.SITE_URL + reverse("checkin"), "for_carer": for_carer}
            with translation.override(_language(Preferences.language_of(user))):
                messages += _email(
                    _("Time for your daily check-in"),
                    "email/checkin_reminder.txt",
                    context,
                    [user.email],
                )
        if not messages:
            return
        mailers.default.send_messages(messages)
        reminder.sent_at = timezone.now()
        reminder.save(update_fields=["sent_at"])


def reminder_recipients(patient: Patient) -> list[tuple[Any, bool]]:
    """Who gets ``patient``'s reminder: the patient, and their carers when the nurse chose so;
    each only with an e-mail address and a password already chosen (they can check in)."""
    people = [(patient.user, False)]
    if patient.remind_carers:
        people += [(carer, True) for carer in patient.carers.filter(is_active=True)]
    return [(u, carer) for u, carer in people if u.email and u.has_usable_password()]
