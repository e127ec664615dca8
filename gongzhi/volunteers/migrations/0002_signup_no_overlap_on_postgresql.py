"""On PostgreSQL the database itself refuses two live sign-ups of one volunteer whose times overlap
(an exclusion constraint over the volunteer and the time range). Other databases rely on the
volunteer's row lock taken by signup_create."""

from django.db import migrations

ADD = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE volunteers_signup ADD CONSTRAINT volunteers_signup_no_overlap
  EXCLUDE USING gist (volunteer_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
  WHERE (status <> 'cancelled');
"""
DROP = "ALTER TABLE volunteers_signup DROP CONSTRAINT IF EXISTS volunteers_signup_no_overlap;"


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_volunteers_teams_activities_hours_points")]
    operations = [migrations.RunPython(add, drop)]
