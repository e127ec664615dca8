"""Seed the hotline taxonomy and the national holiday calendars (see demands/seeds.py)."""

import datetime as dt

from django.db import migrations


def seed(apps, schema_editor):
    from gongzhi.demands.seeds import CATEGORIES, HOLIDAYS

    Category = apps.get_model("demands", "Category")
    HolidayCalendar = apps.get_model("demands", "HolidayCalendar")
    for i, (code, name, leaves) in enumerate(CATEGORIES):
        parent, _ = Category.objects.get_or_create(
            code=code, defaults={"name": name, "sort": i * 100, "default_level": "street"}
        )
        for j, (leaf_code, leaf_name, level, dept_kind, limit) in enumerate(leaves):
            Category.objects.get_or_create(
                code=leaf_code,
                defaults={
                    "name": leaf_name,
                    "parent": parent,
                    "default_level": level,
                    "department_kind": dept_kind,
                    "time_limit": limit,
                    "sort": i * 100 + j + 1,
                },
            )
    for day, is_workday, note in HOLIDAYS:
        HolidayCalendar.objects.update_or_create(
            date=dt.date.fromisoformat(day), defaults={"is_workday": is_workday, "note": note}
        )


def unseed(apps, schema_editor):
    apps.get_model("demands", "HolidayCalendar").objects.all().delete()
    Category = apps.get_model("demands", "Category")
    Category.objects.filter(parent__isnull=False).delete()
    Category.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("demands", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
