from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("demands", "0005_event_note_visibility")]

    operations = [
        migrations.AddField(
            model_name="demand",
            name="suggested_unit_score",
            field=models.FloatField(blank=True, null=True, verbose_name="建议承办单位置信度"),
        ),
        migrations.AddField(
            model_name="demand",
            name="prefill_category",
            field=models.BooleanField(default=False, verbose_name="预填建议分类"),
        ),
        migrations.AddField(
            model_name="demand",
            name="prefill_unit",
            field=models.BooleanField(default=False, verbose_name="预填建议承办单位"),
        ),
    ]
