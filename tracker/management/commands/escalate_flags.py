"""E-mails the nurses again about flags still unacknowledged past their team's response target,
and once about flags acknowledged but still unresolved past the team's resolve target.

Cron runs it every few minutes; each flag escalates once per level, however often it runs. It also
queues again any e-mail about a waiting flag that could not be sent (say, the mail server was down).
"""

from django.core.management.base import BaseCommand

from tracker.notifications import (
    escalate_overdue_flags,
    escalate_unresolved_flags,
    retry_unsent_notifications,
)


class Command(BaseCommand):
    help = "Queue an e-mail to the nurses for each flag unacknowledged past its response target."

    def handle(self, *args, **options):
        retried = retry_unsent_notifications()
        queued = escalate_overdue_flags()
        unresolved = escalate_unresolved_flags()
        self.stdout.write(
            f"{queued} escalation(s) queued, {unresolved} unresolved flag(s) escalated, "
            f"{retried} unsent e-mail(s) retried."
        )
