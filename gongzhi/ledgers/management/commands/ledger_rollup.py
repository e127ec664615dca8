from django.core.management.base import BaseCommand, CommandError

from gongzhi.core import clock
from gongzhi.ledgers.rollups import rollups_check, rollups_refresh


class Command(BaseCommand):
    help = (
        "Recompute the figures' rollups of a region and every region below it for this month "
        "(or --period YYYY-MM); with --check, compute them live again and list every difference."
    )

    def add_arguments(self, parser):
        parser.add_argument("--region", default="350102")
        parser.add_argument("--period", default="")
        parser.add_argument(
            "--check", action="store_true", help="compare the stored rollups with live figures"
        )

    def handle(self, *args, region, period, check, **options):
        period = period or clock.now().strftime("%Y-%m")
        if check:
            diff = rollups_check(region_code=region, period=period)
            for d in diff:
                self.stdout.write(f"{d.region} {d.figure}: stored {d.stored} live {d.live}")
            if diff:
                raise CommandError(f"{len(diff)} rollups differ from the live figures")
            self.stdout.write(f"rollups of {region} {period} equal the live figures")
            return
        report = rollups_refresh(
            region_code=region,
            period=period,
            progress=lambda i, n: self.stdout.write(f"  {i}/{n}") if i % 20 == 0 or i == n else None,
        )
        self.stdout.write(
            f"{report.cells} rollups for {report.regions} regions of {region} {period} in "
            f"{report.seconds:.1f} s ({report.errors} errors); slowest: "
            + ", ".join(f"{k} {ms} ms" for k, ms in report.slowest())
        )
