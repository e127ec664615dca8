from django.core.management.base import BaseCommand, CommandError

from gongzhi.core import clock


def month_before(today) -> str:
    return f"{today.year - 1}-12" if today.month == 1 else f"{today.year}-{today.month - 1:02d}"


class Command(BaseCommand):
    help = (
        "Store the snapshot of every figure for a region and below: for this month, for --period "
        "YYYY-MM, or with --last-month for the month just ended (what the monthly timer runs on the 1st). "
        "A month already snapshotted is left as it was (snapshots are never rewritten)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--region", default="350102")
        parser.add_argument("--period", default="")
        parser.add_argument("--last-month", action="store_true", help="the month before today's")

    def handle(self, *args, region, period, last_month: bool, **options):
        from gongzhi.demands.calendar import local
        from gongzhi.ledgers.services import snapshots_take

        if period and last_month:
            raise CommandError("give --period or --last-month, not both")
        today = local(clock.now()).date()
        if last_month:
            period = month_before(today)
        period = period or today.strftime("%Y-%m")
        n = snapshots_take(region_code=region, period=period, progress=self.stdout.write)
        self.stdout.write(f"{n} snapshots for {region} {period}")
