"""Tags carry the person's name too (kept by the services with the community and status), so
that "surname + group tag" is counted as a range on the tags: on PostgreSQL an index on
(kind, person_status, person_name COLLATE "C") with the community, person and validity
included, for index-only counts. SQLite needs no index at its scale."""

from django.db import migrations, models

BACKFILL = """
UPDATE registry_persontag
SET person_name = (SELECT p.name FROM registry_person p WHERE p.id = registry_persontag.person_id)
WHERE EXISTS (
    SELECT 1 FROM registry_person p
    WHERE p.id = registry_persontag.person_id AND p.name <> registry_persontag.person_name
)
"""

INDEX = (
    "CREATE INDEX IF NOT EXISTS tag_kind_status_name_c_idx ON registry_persontag "
    '(kind, person_status, (person_name COLLATE "C")) INCLUDE (community_id, person_id, valid_from, valid_to)'
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS tag_kind_status_name_c_idx")


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_persontag_person_status")]

    operations = [
        migrations.AddField(
            model_name="persontag",
            name="person_name",
            field=models.CharField(blank=True, default="", editable=False, max_length=50),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.RunPython(create, drop),
    ]
