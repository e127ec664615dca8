"""Refresh the three rates' monthly rollup (rates_rollup.py) and report how long it took."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from gongzhi.demands.rates_rollup import rates_rollup_refresh


class Command(BaseCommand):
    help = (
        "Recompute the three rates' monthly rollup from the records: the stale or never computed "
        "months (default), every month (--all), or the months given (YYYY-MM ...)."
    )

    def add_arguments(self, parser):
        parser.add_argument("months", nargs="*", help="months to recompute, e.g. 2026-03")
        parser.add_argument("--all", action="store_true", help="recompute every month")

    def handle(self, *args, months, all, **options):
        try:
            wanted = [dt.date.fromisoformat(f"{m}-01") for m in months] or None
        except ValueError as exc:
            raise CommandError(f"a month is written YYYY-MM: {exc}") from None
        report = rates_rollup_refresh(months=wanted, force=all)
        for m in report.months:
            self.stdout.write(f"{m:%Y-%m}: {report.per_month[m] * 1000:.0f} ms")
        for m in report.skipped:
            self.stdout.write(f"{m:%Y-%m}: not settled yet (a sign-for limit still running), skipped")
        self.stdout.write(
            f"{len(report.months)} months, {report.rows} rows in {report.seconds:.2f} s"
            f"{f'; {len(report.skipped)} skipped' if report.skipped else ''}"
        )
