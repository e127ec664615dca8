"""No two bookings of one space that hold it may overlap: on PostgreSQL an exclusion constraint on
the booking's time range (btree_gist lets the space's id share the GiST index). SQLite has no such
constraint; there the booking service checks for an overlap inside a transaction that takes the
write lock first (transaction_mode IMMEDIATE), which serialises every booking."""

from django.db import migrations

HOLDING = "('confirmed', 'checked_in', 'no_show')"


class PostgresOnly(migrations.RunSQL):
    """RunSQL that runs only on PostgreSQL (a no-op elsewhere)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("organizations", "0003_shared_spaces_and_bookings")]

    operations = [
        PostgresOnly("CREATE EXTENSION IF NOT EXISTS btree_gist", reverse_sql=migrations.RunSQL.noop),
        PostgresOnly(
            "ALTER TABLE organizations_booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist "
            "(space_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            f"WHERE (status IN {HOLDING})",
            reverse_sql="ALTER TABLE organizations_booking DROP CONSTRAINT booking_no_overlap",
        ),
    ]
