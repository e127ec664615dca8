"""Create the handling units of a district: itself, its streets, communities and departments."""

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.models import Region
from gongzhi.demands.units import units_sync


class Command(BaseCommand):
    help = "Create the handling units of a district (e.g. 350102)."

    def add_arguments(self, parser):
        parser.add_argument("district", help="6-digit district code")

    def handle(self, *args, district, **options):
        region = Region.objects.filter(code=district, level=3).first()
        if region is None:
            raise CommandError(f"no district with code {district}")
        n = units_sync(region)
        self.stdout.write(f"{region.name}: {n} units created")
