"""Take in a department's extract from the command line: `gongzhi integration import SOURCE_ID FILE`.

For files too large for a web request. The batch is the same one an upload of the same file
would make (source + checksum), so running the command again after an interruption — or
after uploading the file on the page — carries on from the last committed chunk; running it
on a finished batch only reports it.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.errors import ApplicationError
from gongzhi.integration import batchlink, readers
from gongzhi.integration.models import BatchState, ImportBatch, Source, SourceRecord
from gongzhi.integration.services import batch_run, batch_submit


class Command(BaseCommand):
    help = "Import a department's extract (CSV/XLSX/JSON) into a source; resumable: run it again to continue."

    def add_arguments(self, parser):
        parser.add_argument("source_id", type=int, help="the source's number (see the sources page)")
        parser.add_argument("file", help="path of the extract")
        parser.add_argument(
            "--user",
            help="username the import runs as (their roles are checked); default: the only superuser",
        )
        parser.add_argument("--observed-on", help="date of the department's data, YYYY-MM-DD (default today)")
        parser.add_argument(
            "--chunk-size", type=int, help="rows per transaction, linked together (default 1000)"
        )
        parser.add_argument(
            "--check-keys",
            action="store_true",
            help="first check every person's blocking keys (after changes made behind the register's "
            "services; an import otherwise only keys the people added since the last one)",
        )

    def handle(
        self,
        *args,
        source_id,
        file,
        user=None,
        observed_on=None,
        chunk_size=None,
        check_keys=False,
        **options,
    ):
        by = self._user(user)
        source = Source.objects.select_related("department").filter(pk=source_id).first()
        if source is None:
            raise CommandError(f"no source {source_id}")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no file {path}")
        try:
            day = dt.date.fromisoformat(observed_on) if observed_on else None
        except ValueError:
            raise CommandError("--observed-on must be YYYY-MM-DD") from None
        if check_keys:
            rebuilt = batchlink.keys_sync(full=True)
            self.stdout.write(f"blocking keys checked for every person: {rebuilt} rebuilt")
        data = path.read_bytes()
        try:
            batch, new = batch_submit(
                by=by, source=source, data=data, filename=path.name, observed_on=day, run=False
            )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(f"{source}: batch {batch.pk} ({'new' if new else 'same file as before'})")
        if batch.state == BatchState.DONE:
            self.stdout.write("already imported; nothing to do")
            self._summary(batch)
            return
        fmt = "json" if batch.kind == ImportBatch.Kind.API else source.file_format
        total = sum(1 for _row in readers.read_rows(fmt, data))
        del data
        if batch.rows_done:
            self.stdout.write(f"resuming after row {batch.rows_done} of {total}")
        started, first = time.monotonic(), batch.rows_done

        def progress(b: ImportBatch) -> None:
            elapsed = max(time.monotonic() - started, 1e-6)
            rate = (b.rows_done - first) / elapsed
            pct = 100 * b.rows_done / total if total else 100
            self.stdout.write(
                f"{b.rows_done}/{total} rows ({pct:.0f}%), {rate:.0f} rows/s · accepted {b.accepted}, "
                f"rejected {b.rejected}, matched {b.matched}, created {b.created}, review {b.review}"
            )
            self.stdout.flush()

        try:
            batch = batch_run(batch=batch, by=by, chunk_size=chunk_size, progress=progress)
        except KeyboardInterrupt:
            batch.refresh_from_db()
            raise CommandError(
                f"interrupted after row {batch.rows_done}; run the same command again to continue"
            ) from None
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        self._summary(batch)

    def _user(self, username: str | None):
        User = get_user_model()
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"no active user {username}")
            return user
        superusers = list(User.objects.filter(is_superuser=True, is_active=True)[:2])
        if len(superusers) != 1:
            raise CommandError("say which user the import runs as: --user USERNAME")
        return superusers[0]

    def _summary(self, batch: ImportBatch) -> None:
        records = SourceRecord.objects.filter(batch=batch)
        mangled = records.filter(values__id_mangled=True).count()
        spelt = records.filter(values__has_key="community_written").count()
        self.stdout.write(
            f"identity numbers cut by Excel: {mangled} (treated as unknown); "
            f"communities recognised from another spelling: {spelt}"
        )
        self.stdout.write(
            f"batch {batch.pk} {batch.state}: {batch.total_rows} rows, "
            f"accepted {batch.accepted}, rejected {batch.rejected}, matched {batch.matched}, "
            f"created {batch.created}, waiting for review {batch.review}"
        )
