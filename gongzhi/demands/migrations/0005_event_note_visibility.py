from django.db import migrations, models


def mark_public_notes(apps, schema_editor):
    """Existing steps: only the intake channel and the reply were written for the resident."""
    DemandEvent = apps.get_model("demands", "DemandEvent")
    DemandEvent.objects.filter(public=True, kind__in=["created", "replied"]).update(note_public=True)


class Migration(migrations.Migration):
    dependencies = [("demands", "0004_proactive_tasks")]

    operations = [
        migrations.AddField(
            model_name="demandevent",
            name="note_public",
            field=models.BooleanField(default=False, verbose_name="说明居民可见"),
        ),
        migrations.RunPython(mark_public_notes, migrations.RunPython.noop),
    ]
