from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.audit import access_log_verify


class Command(BaseCommand):
    help = (
        "Verify the personal-data access log: its keyed hash chain, and the chain against the "
        "signed checkpoints kept outside the database. Names the first thing that does not hold."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoints",
            help="a checkpoint file to compare against (default: GONGZHI_AUDIT_CHECKPOINTS), "
            "e.g. the copy kept on write-once storage",
        )

    def handle(self, *args, **options):
        result = access_log_verify(checkpoints=options.get("checkpoints"))
        if not result.ok:
            where = f" at entry {result.broken_id}" if result.broken_id else ""
            raise CommandError(
                f"access log BROKEN{where} ({result.reason}); {result.checked} entries before it "
                f"verified. {result.message}"
            )
        cps = "" if result.checkpoints is None else f", {result.checkpoints} checkpoints matched"
        self.stdout.write(f"access log OK: {result.checked} entries verified{cps}")
