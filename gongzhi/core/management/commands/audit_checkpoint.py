from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.audit import access_log_checkpoint, checkpoints_path


class Command(BaseCommand):
    help = (
        "Append a signed checkpoint of the access log (entry count + newest hash) to the "
        "checkpoint sink outside the database. Run it from cron, e.g. every 10 minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", help="the sink to append to (default: GONGZHI_AUDIT_CHECKPOINTS)")

    def handle(self, *args, **options):
        path = Path(options["file"]) if options.get("file") else checkpoints_path()
        if path is None:
            raise CommandError("no checkpoint file: set GONGZHI_AUDIT_CHECKPOINTS or pass --file")
        data = access_log_checkpoint(path=path)
        self.stdout.write(
            f"checkpoint written to {path}: {data['entries']} entries, head {data['head'][:12]}…"
        )
