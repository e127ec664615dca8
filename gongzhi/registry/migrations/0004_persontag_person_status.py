"""Tags carry the person's status (as they carry the community), so that counting the people
in scope who hold a tag reads the tags alone: the status is copied, and the community brought
back in line with the person's, by the services that change a person (registry.services)."""

from django.db import migrations, models

BACKFILL = """
UPDATE registry_persontag
SET person_status = (SELECT p.status FROM registry_person p WHERE p.id = registry_persontag.person_id),
    community_id = (SELECT p.community_id FROM registry_person p WHERE p.id = registry_persontag.person_id)
WHERE EXISTS (
    SELECT 1 FROM registry_person p
    WHERE p.id = registry_persontag.person_id
      AND (p.status <> registry_persontag.person_status OR p.community_id <> registry_persontag.community_id)
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_initial"),
        ("registry", "0003_person_ethnicity_full_table"),
    ]

    operations = [
        migrations.AddField(
            model_name="persontag",
            name="person_status",
            field=models.CharField(
                choices=[("active", "在册"), ("moved_out", "已迁出"), ("deceased", "已故")],
                default="active",
                editable=False,
                max_length=12,
            ),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="persontag",
            index=models.Index(
                fields=["kind", "person_status", "community"],
                include=("person_id", "valid_from", "valid_to"),
                name="tag_kind_status_community_idx",
                opclasses=["", "", "varchar_pattern_ops"],
            ),
        ),
    ]
