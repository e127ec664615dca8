"""`gongzhi worker`: run queued background tasks (django-tasks' database worker).

Before it starts it queues again the jobs a previous worker left half-done, so that they
resume from their last saved chunk. On SQLite a long write elsewhere (the demo being built, a
big import) can hold the file past the busy timeout; the worker then waits and goes on polling
instead of dying and leaving every later job queued for ever."""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import OperationalError, close_old_connections
from django_tasks_db.utils import is_locked_database_exception

from gongzhi.jobs.services import jobs_requeue_stale


class Command(BaseCommand):
    help = "Run the background task worker (all queues)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls when idle")

    def handle(self, *args, batch, max_tasks, interval, **options):
        resumed = jobs_requeue_stale()
        if resumed:
            self.stdout.write(f"resumed {resumed} interrupted job(s)")
        kwargs = {"queue_name": "*", "interval": interval, "reload": False, "startup_delay": False}
        if batch:
            kwargs["batch"] = True
        if max_tasks:
            kwargs["max_tasks"] = max_tasks
        while True:
            try:
                call_command("db_worker", verbosity=options.get("verbosity", 1), **kwargs)
                return
            except OperationalError as e:
                if batch or not is_locked_database_exception(e):
                    raise
                self.stderr.write("database busy; the worker tries again in a few seconds")
                close_old_connections()
                time.sleep(3)
