from django.core.management.base import BaseCommand

from gongzhi.core import clock
from gongzhi.ledgers.services import snapshots_take


class Command(BaseCommand):
    help = "Store this month's (or --period YYYY-MM) snapshot of every figure for a region and below."

    def add_arguments(self, parser):
        parser.add_argument("--region", default="350102")
        parser.add_argument("--period", default="")

    def handle(self, *args, region, period, **options):
        period = period or clock.now().strftime("%Y-%m")
        n = snapshots_take(region_code=region, period=period, progress=self.stdout.write)
        self.stdout.write(f"{n} snapshots for {region} {period}")
