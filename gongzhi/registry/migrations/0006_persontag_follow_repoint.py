"""A tag moved to another person (merging two records of one resident re-points every row
that names the absorbed person, and undoing the merge points them back) takes that person's
community, status and name: a trigger, so that whichever app re-points the tag, the copies
that group counts read stay the person's (see PersonTag.person_status). Other changes to a
person reach the tags through registry.services.

On SQLite a table rebuilt by a later migration loses its triggers: the merge test in
registry/tests/test_search.py fails if this one goes missing."""

from django.db import migrations

POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION registry_persontag_follow_person() RETURNS trigger AS $$
    DECLARE
        c text;
        s text;
        n text;
    BEGIN
        SELECT community_id, status, name INTO c, s, n FROM registry_person WHERE id = NEW.person_id;
        IF FOUND THEN
            NEW.community_id := c;
            NEW.person_status := s;
            NEW.person_name := n;
        END IF;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER registry_persontag_follow_person
    BEFORE UPDATE OF person_id ON registry_persontag
    FOR EACH ROW WHEN (OLD.person_id IS DISTINCT FROM NEW.person_id)
    EXECUTE FUNCTION registry_persontag_follow_person()
    """,
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS registry_persontag_follow_person ON registry_persontag",
    "DROP FUNCTION IF EXISTS registry_persontag_follow_person()",
]
SQLITE = [
    """
    CREATE TRIGGER IF NOT EXISTS registry_persontag_follow_person
    AFTER UPDATE OF person_id ON registry_persontag
    FOR EACH ROW WHEN OLD.person_id IS NOT NEW.person_id
    BEGIN
        UPDATE registry_persontag SET
            community_id = (SELECT p.community_id FROM registry_person p WHERE p.id = NEW.person_id),
            person_status = (SELECT p.status FROM registry_person p WHERE p.id = NEW.person_id),
            person_name = (SELECT p.name FROM registry_person p WHERE p.id = NEW.person_id)
        WHERE id = NEW.id AND EXISTS (SELECT 1 FROM registry_person p WHERE p.id = NEW.person_id);
    END
    """,
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS registry_persontag_follow_person"]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(vendor, []):
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP}.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_persontag_person_name")]

    operations = [migrations.RunPython(create, drop)]
