from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.audit import access_log_verify


class Command(BaseCommand):
    help = "Verify the hash chain of the personal-data access log; name the first broken entry."

    def handle(self, *args, **options):
        result = access_log_verify()
        if not result.ok:
            raise CommandError(
                f"access log chain BROKEN at entry {result.broken_id} ({result.reason}); "
                f"{result.checked} entries before it verified"
            )
        self.stdout.write(f"access log OK: {result.checked} entries verified")
