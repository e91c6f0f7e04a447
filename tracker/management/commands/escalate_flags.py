"""E-mails the nurses again about flags still unacknowledged past their team's response target.

Cron runs it every few minutes; each flag escalates once per level, however often it runs. It also
queues again any e-mail about a waiting flag that could not be sent (say, the mail server was down).
"""

from django.core.management.base import BaseCommand

from tracker.notifications import escalate_overdue_flags, retry_unsent_notifications


class Command(BaseCommand):
    help = "Queue an e-mail to the nurses for each flag unacknowledged past its response target."

    def handle(self, *args, **options):
        retried = retry_unsent_notifications()
        queued = escalate_overdue_flags()
        self.stdout.write(f"{queued} escalation(s) queued, {retried} unsent e-mail(s) retried.")
