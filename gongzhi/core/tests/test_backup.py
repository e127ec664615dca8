"""`gongzhi backup` / `gongzhi restore`: a backup restored into an EMPTY database gives back a
resident whose identity number and phone decrypt, and the field key comes back into an empty
data folder. SQLite through its online-backup API; PostgreSQL through pg_dump/pg_restore
(the rows there are committed from another connection, as pg_dump cannot see the test's
own open transaction, and removed afterwards)."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.db.utils import load_backend

from gongzhi.registry.models import Person

ID_NUMBER = "35010219580312002X"
PHONE = "13805912345"


def _in_thread(fn):
    box: dict = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc
        finally:
            connections.close_all()

    t = threading.Thread(target=target)
    t.start()
    t.join(timeout=120)
    if "error" in box:
        raise box["error"]
    return box.get("value")


def _make_person(name):
    from tests.factories import PersonFactory

    person = PersonFactory(name=name, sex="F", id_number=ID_NUMBER)
    person.set_phone(PHONE)
    person.save()
    return person.pk


def _alias(settings_dict: dict, name: str) -> str:
    """A connection to the empty database, made on the fly (not one of the test's aliases)."""
    alias = f"restored_{uuid.uuid4().hex[:6]}"
    backend = load_backend(settings_dict["ENGINE"])
    connections[alias] = backend.DatabaseWrapper({**settings_dict, "NAME": name, "TEST": {}}, alias)
    return alias


def _drop_alias(alias: str) -> None:
    connections[alias].close()
    del connections[alias]


def _read_back(alias: str, pk: int) -> None:
    restored = Person.objects.using(alias).get(pk=pk)
    assert (restored.id_number, restored.phone) == (ID_NUMBER, PHONE)


def test_sqlite_backup_restores_into_an_empty_database(db, tmp_path, settings):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite run")
    settings.DATA_DIR = tmp_path / "data"
    pk = _make_person("林秀英")
    archive = tmp_path / "b.tar"
    call_command("backup", str(archive), stdout=open("/dev/null", "w"))  # noqa: SIM115
    alias = _alias(connection.settings_dict, str(tmp_path / "restored.sqlite3"))
    try:
        call_command("restore", str(archive), database=alias, stdout=open("/dev/null", "w"))  # noqa: SIM115
        _read_back(alias, pk)
        assert (settings.DATA_DIR / "field.key").read_text().strip() == settings.GONGZHI_FIELD_KEY
        with pytest.raises(CommandError, match="not empty"):
            call_command("restore", str(archive), database=alias)
    finally:
        _drop_alias(alias)


@pytest.mark.postgres
def test_postgresql_backup_restores_into_an_empty_database(db, tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    import psycopg

    settings.DATA_DIR = tmp_path / "data"
    name = f"{connection.settings_dict['NAME']}_restore"[:60]
    admin_uri = f"postgresql://{connection.settings_dict['USER']}@{connection.settings_dict['HOST']}:{connection.settings_dict['PORT'] or 5432}/postgres"

    def admin(sql):
        with psycopg.connect(admin_uri, autocommit=True) as c:
            c.execute(sql)

    pk = _in_thread(lambda: _make_person("林秀英"))
    alias = None
    try:
        archive = tmp_path / "b.tar"
        _in_thread(lambda: call_command("backup", str(archive), stdout=open("/dev/null", "w")))  # noqa: SIM115
        admin(f'DROP DATABASE IF EXISTS "{name}"')
        admin(f'CREATE DATABASE "{name}"')
        alias = _alias(connection.settings_dict, name)
        call_command("restore", str(archive), database=alias, stdout=open("/dev/null", "w"))  # noqa: SIM115
        _read_back(alias, pk)
        assert (settings.DATA_DIR / "field.key").read_text().strip() == settings.GONGZHI_FIELD_KEY
    finally:
        if alias:
            _drop_alias(alias)
        admin(f'DROP DATABASE IF EXISTS "{name}"')
        _in_thread(lambda: Person.objects.filter(pk=pk).delete())
