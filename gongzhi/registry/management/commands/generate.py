import time

from django.core.management.base import BaseCommand, CommandError

from gongzhi.registry.generate import GenerateError, district_generate


class Command(BaseCommand):
    help = (
        "Generate a synthetic district register from the real region codes: grids, estates, "
        "buildings, dwellings, households, residents with valid identity numbers, group tags."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--district", default="350102", help="6-digit district code (default 350102 鼓楼区)"
        )
        parser.add_argument("--residents", type=int, default=20000)
        parser.add_argument("--seed", type=int, default=None, help="same seed, same data")
        parser.add_argument("--reset", action="store_true", help="delete the district's register data first")

    def handle(self, *args, district, residents, seed, reset, verbosity, **options):
        def say(message: str) -> None:
            if verbosity >= 2 or not message.startswith("  "):
                self.stdout.write(message)

        started = time.perf_counter()
        try:
            report = district_generate(
                district=district, residents=residents, seed=seed, reset=reset, progress=say
            )
        except GenerateError as exc:
            raise CommandError(str(exc.message)) from None
        counts = report.load.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"{district}: {counts['persons']} 名居民, {counts['households']} 户, {counts['dwellings']} 套房屋, "
                f"{counts['buildings']} 栋楼, {counts['estates']} 个小区/院落, {counts['grids']} 个网格, "
                f"{counts['tags']} 个人群标签 — {time.perf_counter() - started:.1f} 秒"
            )
        )
