"""Backup and restore: the database and the data folder's keys in one archive.

A backup is a .tar file holding
  manifest.json        what it is: engine, time, the migrations applied
  database.dump        PostgreSQL: `pg_dump --format=custom` (restored with pg_restore)
  database.sqlite3     SQLite: a consistent copy made with SQLite's online-backup API
  keys/field.key       the field-encryption key (without it the identity numbers and phones
                       in the dump cannot be read): keep backups as safe as the key itself
  data/models/…        the trained classifier
Restoring puts the database back into an EMPTY database (or, with force, over an existing
one) and writes the key into the data folder when none is there.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connections
from django.utils import timezone

FORMAT = 1
DATA_PARTS = ["models"]  # folders of the data folder that belong in a backup


class BackupError(Exception):
    pass


@dataclass
class BackupReport:
    path: Path
    engine: str
    size: int


def _pg_uri(db: dict) -> str:
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "localhost"
    port = db.get("PORT") or 5432
    return f"postgresql://{auth}{host}:{port}/{quote(db['NAME'], safe='')}"


def _major(version_text: str) -> int:
    digits = "".join(ch if ch.isdigit() or ch == "." else " " for ch in version_text).split()
    return int(digits[0].split(".")[0]) if digits else 0


def pg_tools_check(alias: str = "default") -> None:
    """pg_dump must be at least the server's major version (it refuses newer servers)."""
    for tool in ("pg_dump", "pg_restore"):
        if not shutil.which(tool):
            raise BackupError(f"{tool} not found: install the PostgreSQL client (postgresql-client)")
    client = _major(subprocess.run(["pg_dump", "--version"], capture_output=True, text=True).stdout)
    server = connections[alias].cursor().connection.info.server_version // 10000
    if client < server:
        raise BackupError(
            f"pg_dump {client} is older than the server ({server}): install postgresql-client-{server}"
        )


def _migrations(alias: str) -> list[str]:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT app || '.' || name FROM django_migrations ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def backup_create(
    *, path: Path | None = None, alias: str = "default", include_keys: bool = True
) -> BackupReport:
    conn = connections[alias]
    engine = conn.vendor
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    path = Path(path or Path(settings.DATA_DIR) / "backups" / f"gongzhi-{stamp}.tar")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if engine == "postgresql":
            pg_tools_check(alias)
            dump = work / "database.dump"
            result = subprocess.run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--file={dump}",
                    _pg_uri(conn.settings_dict),
                ],
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        elif engine == "sqlite":
            conn.ensure_connection()
            if conn.in_atomic_block:
                # The online-backup API cannot read through a connection that is writing;
                # the image of this connection's own view (a valid database file) can.
                (work / "database.sqlite3").write_bytes(conn.connection.serialize())
            else:
                target = sqlite3.connect(work / "database.sqlite3")
                try:
                    conn.connection.backup(target)
                finally:
                    target.close()
        else:
            raise BackupError(f"no backup for the {engine} database")
        manifest = {
            "format": FORMAT,
            "engine": engine,
            "created_at": timezone.now().isoformat(),
            "migrations": _migrations(alias),
            "keys": include_keys,
        }
        (work / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        if include_keys and settings.GONGZHI_FIELD_KEY:
            (work / "keys").mkdir()
            key_file = work / "keys" / "field.key"
            key_file.write_text(settings.GONGZHI_FIELD_KEY + "\n")
            key_file.chmod(0o600)
        for part in DATA_PARTS:
            source = Path(settings.DATA_DIR) / part
            if source.is_dir():
                shutil.copytree(source, work / "data" / part)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out, tarfile.open(fileobj=out, mode="w") as tar:
            for item in sorted(work.iterdir()):
                tar.add(item, arcname=item.name)
    return BackupReport(path=path, engine=engine, size=path.stat().st_size)


def _is_empty(alias: str) -> bool:
    conn = connections[alias]
    with conn.cursor() as cursor:
        return "django_migrations" not in conn.introspection.table_names(cursor)


def backup_restore(*, path: Path, alias: str = "default", force: bool = False) -> dict:
    """Restore the archive into the database `alias` (empty unless force) and put the key
    into the data folder if it has none. Returns the manifest."""
    conn = connections[alias]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with tarfile.open(path) as tar:
            tar.extractall(work, filter="data")
        manifest = json.loads((work / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise BackupError(f"unknown backup format {manifest.get('format')}")
        if manifest["engine"] != conn.vendor:
            raise BackupError(
                f"the backup is of a {manifest['engine']} database, the target is {conn.vendor}"
            )
        if not force and not _is_empty(alias):
            raise BackupError("the target database is not empty (use --force to restore over it)")
        if conn.vendor == "postgresql":
            pg_tools_check(alias)
            args = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error"]
            if force:
                args += ["--clean", "--if-exists"]
            conn.close()
            result = subprocess.run(
                [*args, f"--dbname={_pg_uri(conn.settings_dict)}", str(work / "database.dump")],
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
        else:
            conn.ensure_connection()
            source = sqlite3.connect(work / "database.sqlite3")
            try:
                source.backup(conn.connection)
            finally:
                source.close()
        key_file = work / "keys" / "field.key"
        manifest["key_restored"] = False
        if key_file.exists():
            key = key_file.read_text().strip()
            target = Path(settings.DATA_DIR) / "field.key"
            if not target.exists() and not os.environ.get("GONGZHI_FIELD_KEY"):
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(key_file, target)
                target.chmod(0o600)
                manifest["key_restored"] = True
            manifest["key_matches"] = key == (settings.GONGZHI_FIELD_KEY or key)
        for part in DATA_PARTS:
            source_dir = work / "data" / part
            if source_dir.is_dir():
                shutil.copytree(source_dir, Path(settings.DATA_DIR) / part, dirs_exist_ok=True)
    return manifest
