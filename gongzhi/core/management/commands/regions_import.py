from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.regions import regions_import


class Command(BaseCommand):
    help = "Import regions from CSV files (code,name,… as in shared/data/regions). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args, files, **options):
        for f in files:
            if not f.exists():
                raise CommandError(f"no such file: {f}")
        report = regions_import(paths=files)
        for p in report.rejected:
            self.stderr.write(f"rejected {p.file}:{p.line} {p.code!r}: {p.reason}")
        self.stdout.write(
            f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
            f"rejected {len(report.rejected)}"
        )
