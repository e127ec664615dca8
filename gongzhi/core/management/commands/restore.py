"""`gongzhi restore FILE`: put a backup back into an empty database (see core/backup.py)."""

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `gongzhi backup` into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--database", default="default")
        parser.add_argument("--force", action="store_true", help="restore over a database that has tables")

    def handle(self, *args, file, database, force, **options):
        try:
            manifest = backup_restore(path=file, alias=database, force=force)
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"restored {manifest['engine']} backup of {manifest['created_at']} "
            f"({len(manifest['migrations'])} migrations)"
        )
        if manifest.get("key_restored"):
            self.stdout.write("field key written to the data folder")
        elif manifest.get("key_matches") is False:
            self.stderr.write(
                "the backup's field key differs from GONGZHI_FIELD_KEY: set it to keys/field.key"
            )
