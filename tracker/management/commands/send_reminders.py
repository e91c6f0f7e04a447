"""Reminds monitored patients who have not checked in today by their care team's reminder time.

Cron runs it every 15 minutes; a patient gets at most one reminder a day, however often it runs.
"""

from django.core.management.base import BaseCommand

from tracker.notifications import queue_due_reminders


class Command(BaseCommand):
    help = "Queue today's check-in reminder for each patient who has not checked in yet."

    def handle(self, *args, **options):
        queued = queue_due_reminders()
        self.stdout.write(f"{queued} reminder(s) queued.")
