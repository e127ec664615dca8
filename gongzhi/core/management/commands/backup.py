"""`gongzhi backup [FILE]`: the database and the data folder's keys in one .tar (see core/backup.py)."""

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database (pg_dump custom format, or SQLite's online backup) and the field key."

    def add_arguments(self, parser):
        parser.add_argument(
            "file", nargs="?", default=None, help="default: DATA_DIR/backups/gongzhi-<time>.tar"
        )
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--no-keys", action="store_true", help="leave the field key out (keep it elsewhere)"
        )

    def handle(self, *args, file, database, no_keys, **options):
        try:
            report = backup_create(path=file, alias=database, include_keys=not no_keys)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{report.path} ({report.engine}, {report.size / 1e6:.1f} MB)")
        if not no_keys:
            self.stdout.write("the backup holds the field key: store it as safely as the key itself")
