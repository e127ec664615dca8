"""`gongzhi volunteers expire-points [--days N] [--dry-run]`: expire points earned more than the
configured period ago (settings.GONGZHI_POINTS_VALID_DAYS, two years by default) and not spent.
Idempotent: run it from cron every night; a second run finds nothing to expire."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = "Expire unspent volunteer points older than the configured period (idempotent; run nightly)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="validity in days (default: the setting)")
        parser.add_argument("--dry-run", action="store_true", help="count what would expire, write nothing")

    def handle(self, *args, days, dry_run, **options):
        from gongzhi.volunteers.points import points_expire

        if days is not None and days < 1:
            raise CommandError("--days must be at least 1")
        result = points_expire(valid_days=days, dry_run=dry_run)
        verb = "would expire" if dry_run else "expired"
        self.stdout.write(
            f"{verb} {result.points:.0f} points on {result.accounts} accounts "
            f"(earned before {timezone.localtime(result.cutoff):%Y-%m-%d %H:%M})"
        )
