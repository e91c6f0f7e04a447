"""``manage.py worker``: the task worker, starting with what a stopped worker left unsent.

A worker killed while it sent a nurse alert leaves that task marked as running, and django-tasks-db
never takes a running task again. So before it takes tasks, this worker queues again every alert
still unsent for a flag that is waiting for a nurse: a restart (systemd's ``Restart=always``) sends
it within seconds, and the task's own check makes sure it goes out once.
"""

from __future__ import annotations

from datetime import timedelta

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from tracker.notifications import retry_unsent_notifications


class Command(DatabaseWorker):
    help = (
        "Runs the task worker (django-tasks-db's db_worker, with the same options), after "
        "queuing again every nurse alert that a stopped worker left unsent."
    )

    def handle(self, *args, **options) -> None:
        queued = retry_unsent_notifications(older_than=timedelta(0))
        if queued and options["verbosity"]:
            self.stdout.write(f"Queued again {queued} alert(s) a stopped worker left unsent.")
        return super().handle(*args, **options)
