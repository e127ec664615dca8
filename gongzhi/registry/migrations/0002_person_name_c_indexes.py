"""Indexes for resident search on PostgreSQL: names compared by code point (COLLATE "C"), so
that a name prefix is an index range whatever the database's collation, with the columns
scoping filters on included for index-only counts. SQLite needs none of this (its default
comparison is by code point and the plain name index serves)."""

from django.db import migrations

INDEXES = {
    "person_name_c_idx": 'ON registry_person ((name COLLATE "C"), id) INCLUDE (community_id, status)',
    "person_community_name_c_idx": 'ON registry_person (community_id, (name COLLATE "C"), id) INCLUDE (status)',
    "persontag_kind_person_idx": "ON registry_persontag (kind, person_id) INCLUDE (valid_from, valid_to)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
