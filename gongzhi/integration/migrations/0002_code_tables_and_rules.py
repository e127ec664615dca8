"""Load the national code tables, the default field rules and the default sharing rules."""

from django.db import migrations

# What each kind of department may read by default (personal-information minimisation:
# only what its duties need). Administrators change these on the sharing page.
DEFAULT_SHARING = {
    "civil_affairs": ["name", "sex", "birth_date", "id_number", "community", "address", "tags"],
    "hrss": ["name", "sex", "birth_date", "id_number", "phone", "community", "workplace", "education"],
    "disabled_federation": [
        "name",
        "sex",
        "birth_date",
        "id_number",
        "phone",
        "community",
        "address",
        "tags",
    ],
    "health": ["name", "sex", "birth_date", "phone", "community", "address"],
    "public_security": [
        "name",
        "sex",
        "birth_date",
        "ethnicity",
        "id_number",
        "phone",
        "community",
        "address",
        "hukou_address",
    ],
    "veterans": ["name", "sex", "birth_date", "id_number", "phone", "community", "address", "tags"],
}
# Identity: the most trusted source; contact and where one lives change, so the newest wins.
DEFAULT_RULES = {
    "name": "most_trusted",
    "id_number": "most_trusted",
    "sex": "most_trusted",
    "birth_date": "most_trusted",
    "ethnicity": "most_trusted",
    "hukou_address": "most_trusted",
    "phone": "most_recent",
    "address": "most_recent",
    "workplace": "most_recent",
    "education": "most_recent",
    "relationship": "most_recent",
}


def load(apps, schema_editor):
    from gongzhi.integration.codes import STANDARDS

    NationalCode = apps.get_model("integration", "NationalCode")
    FieldRule = apps.get_model("integration", "FieldRule")
    SharingRule = apps.get_model("integration", "SharingRule")
    rows = [
        NationalCode(table=table, code=code, label=label, standard=standard)
        for table, (standard, entries) in STANDARDS.items()
        for code, label in entries
    ]
    NationalCode.objects.bulk_create(rows, ignore_conflicts=True)
    for field, rule in DEFAULT_RULES.items():
        FieldRule.objects.get_or_create(field=field, defaults={"rule": rule})
    for kind, fields in DEFAULT_SHARING.items():
        for field in fields:
            SharingRule.objects.get_or_create(department_kind=kind, field=field)


def unload(apps, schema_editor):
    for name in ("NationalCode", "FieldRule", "SharingRule"):
        apps.get_model("integration", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("integration", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
