"""`gongzhi volunteers remind [--hours 24]`: remind confirmed volunteers of shifts starting within
the next hours (once per sign-up, however often it runs). Run it from cron every 15 minutes."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Remind volunteers of their shifts starting soon (idempotent; run from cron)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours", type=int, default=24, help="remind shifts starting within this many hours"
        )

    def handle(self, *args, hours, **options):
        from gongzhi.volunteers.reminders import shifts_remind

        if not 1 <= hours <= 168:
            raise CommandError("--hours must be between 1 and 168")
        r = shifts_remind(ahead=dt.timedelta(hours=hours))
        self.stdout.write(f"{r.created} reminders written, {r.delivered} sent, {r.failed} failed")
