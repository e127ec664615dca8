"""Edits made on the registry pages are observations of the built-in source 社区采集: a later
department import weighs them by the field rules, and for the identity fields the register
keeps the community's value and lists a conflict instead of silently changing it."""

import datetime as dt

import pytest
from django.utils import timezone

from gongzhi.core.errors import ApplicationError
from gongzhi.core.models import Region
from gongzhi.integration.merging import merge_undo, person_merge
from gongzhi.integration.models import Conflict, FieldValue, Source
from gongzhi.integration.selectors import person_provenance
from gongzhi.integration.services import (
    batch_submit,
    builtin_source,
    conflict_resolve,
    source_update,
)
from gongzhi.registry.models import Person
from gongzhi.registry.services import person_create, person_update

from .conftest import DISTRICT, JUNMEN, csv_bytes, idn, row

pytestmark = pytest.mark.django_db

OLD_DAY = dt.date(2024, 1, 10)


@pytest.fixture
def worker(make_user):
    return make_user("community_worker", JUNMEN)


def _import(officer, source, rows, name, observed_on=OLD_DAY):
    batch, _new = batch_submit(
        by=officer, source=source, data=csv_bytes(rows), filename=name, observed_on=observed_on
    )
    return batch


@pytest.fixture
def imported(officer, civil_source):
    """张伟 as the civil-affairs list gave him on 10 January 2024."""
    batch = _import(officer, civil_source, [row(phone="13800000001")], "a.csv")
    return batch.records.get().person


def _manual(person, field):
    return FieldValue.objects.filter(person=person, field=field, source__builtin=True)


def _open(person):
    return set(
        Conflict.objects.filter(person=person, state=Conflict.State.OPEN).values_list("field", flat=True)
    )


def test_an_edit_on_the_registry_pages_is_kept_as_community_collection(worker, imported):
    person_update(by=worker, person=imported, data={"name": "张玮", "phone": "13900000009"})
    name, phone = _manual(imported, "name").get(), _manual(imported, "phone").get()
    assert name.value == "张玮" and name.observed_on == timezone.localdate()
    assert name.recorded_by == worker and name.record is None
    assert phone.display == "139****0009" and "13900000009" not in phone.value
    assert phone.value_hash == Person.objects.get(pk=imported.pk).phone_hash
    # only what changed is an observation
    assert not _manual(imported, "birth_date").exists() and not _manual(imported, "address").exists()
    # one source per district, shown as 社区采集
    source = name.source
    assert source.builtin and source.region_id == DISTRICT and str(source) == "社区采集"
    assert builtin_source("350102001001") == source
    # the department's values disagree: listed at once
    assert _open(imported) == {"name", "phone"}

    fields = {f["field"]: f for f in person_provenance(Person.objects.get(pk=imported.pk))["fields"]}
    values = fields["name"]["values"]
    assert fields["name"]["shown"] == "张玮"
    assert [(v["source"], v["observed_on"], v["chosen"]) for v in values] == [
        ("社区采集", timezone.localdate(), True),
        ("鼓楼区民政局 · 低保名册", OLD_DAY, False),
    ]
    assert values[0]["by"] == (worker.display_name or worker.username)


def test_the_provenance_page_shows_community_collection_with_its_date(client, worker, imported):
    person_update(by=worker, person=imported, data={"phone": "13900000009"})
    client.force_login(worker)
    html = client.get(f"/integration/people/{imported.pk}/provenance/").content.decode()
    assert "社区采集" in html and timezone.localdate().isoformat() in html
    assert "13900000009" not in html


def test_a_later_import_with_an_older_value_does_not_undo_the_correction(officer, worker, imported):
    person_update(by=worker, person=imported, data={"name": "张玮", "phone": "13900000009"})
    # the department sends its list again (another file, dated before the correction)
    _import(officer, imported_source(imported), [row(phone="13800000001", 住址="军门社区2号楼")], "b.csv")
    person = Person.objects.get(pk=imported.pk)
    assert (person.name, person.phone) == ("张玮", "13900000009")
    assert person.address == "军门社区2号楼"  # only the department says where he lives: taken in
    assert _open(person) == {"name", "phone"}


def test_a_more_trusted_newer_department_value_waits_for_review(officer, worker, imported):
    """Even when the rule would pick the department's value, the identity fields keep the
    community's value and the conflict waits for a reviewer."""
    person_update(by=worker, person=imported, data={"name": "张玮", "phone": "13900000009"})
    community = builtin_source(JUNMEN)
    source_update(by=officer, source=community, trust_rank=9)  # ranked below civil affairs (2)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    _import(
        officer,
        imported_source(imported),
        [row(phone="13700000007", 住址="军门社区3号楼")],
        "c.csv",
        observed_on=tomorrow,
    )
    person = Person.objects.get(pk=imported.pk)
    assert (person.name, person.phone) == ("张玮", "13900000009")
    assert person.address == "军门社区3号楼"  # not a held field: the newest value wins by the rule
    assert _open(person) == {"name", "phone"}
    conflict = Conflict.objects.get(person=person, field="phone", state=Conflict.State.OPEN)
    assert {v["source"] for v in conflict.values} == {"社区采集", "鼓楼区民政局 · 低保名册"}


def test_a_reviewers_choice_applies_and_a_new_correction_stands_again(officer, worker, imported):
    person_update(by=worker, person=imported, data={"phone": "13900000009"})
    manual_before = FieldValue.objects.filter(source__builtin=True).count()
    conflict = Conflict.objects.get(person=imported, field="phone", state=Conflict.State.OPEN)
    department_value = FieldValue.objects.get(person=imported, field="phone", source__builtin=False)
    conflict_resolve(by=officer, conflict=conflict, value_id=department_value.pk)
    person = Person.objects.get(pk=imported.pk)
    assert person.phone == "13800000001"
    # applying the reviewer's choice is not itself a community observation
    assert FieldValue.objects.filter(source__builtin=True).count() == manual_before

    person_update(by=worker, person=person, data={"phone": "13600000006"})
    assert _open(person) == {"phone"}
    _import(officer, imported_source(imported), [row(phone="13800000001", 住址="别处")], "d.csv")
    assert Person.objects.get(pk=imported.pk).phone == "13600000006"


def test_a_person_registered_by_the_community_is_community_collection(
    officer, worker, civil_source, junmen_region
):
    number = idn(dt.date(1990, 3, 4), 42)
    person = person_create(
        by=worker, community=junmen_region, data={"name": "陈静", "id_number": number, "phone": "13500000005"}
    )
    assert set(
        FieldValue.objects.filter(person=person, source__builtin=True).values_list("field", flat=True)
    ) == {"name", "id_number", "sex", "birth_date", "phone"}
    # a department that later lists her under another name and phone does not change her
    batch = _import(officer, civil_source, [row(name="陈晶", id_number=number, sex="女", birth="")], "e.csv")
    assert batch.records.get().person_id == person.pk
    person.refresh_from_db()
    assert (person.name, person.phone) == ("陈静", "13500000005")
    assert person.address == "军门社区1号楼101"  # what only the department says is taken in
    assert _open(person) == {"name", "phone"}


def test_people_created_from_a_department_list_are_not_community_observations(imported):
    assert not FieldValue.objects.filter(person=imported, source__builtin=True).exists()


def test_the_community_source_takes_no_files_and_only_its_rank_is_edited(officer, worker, imported):
    person_update(by=worker, person=imported, data={"phone": "13900000009"})
    community = builtin_source(JUNMEN)
    with pytest.raises(ApplicationError) as exc:
        batch_submit(by=officer, source=community, data=csv_bytes([row()]), filename="x.csv")
    assert exc.value.code == "source_builtin"
    source_update(by=officer, source=community, trust_rank=4, name="别的名字", columns={})
    community.refresh_from_db()
    assert (community.trust_rank, community.name) == (4, "社区采集")


def test_undoing_a_merge_restores_the_community_values_too(officer, worker, civil_source, junmen_region):
    kept = person_create(
        by=worker,
        community=junmen_region,
        data={"name": "林秀英", "id_number": idn(dt.date(1950, 1, 2), 22), "phone": "13500000001"},
    )
    batch = _import(
        officer,
        civil_source,
        [row(name="林秀英", id_number="", sex="女", birth="1950-01-03", phone="13600000003")],
        "m.csv",
    )
    record = batch.records.get()
    if record.person_id is None:
        from gongzhi.integration.models import LinkCandidate
        from gongzhi.integration.services import candidate_reject

        record = candidate_reject(by=officer, candidate=LinkCandidate.objects.get(record=record))
    absorbed = record.person
    person_update(by=worker, person=absorbed, data={"address": "军门社区7号楼"})

    def picture(pk):
        p = Person.objects.get(pk=pk)
        return (
            (p.name, p.phone_hash, p.id_number_hash, p.address, p.birth_date),
            sorted(
                FieldValue.objects.filter(person_id=pk).values_list("pk", "field", "value_hash", "source_id")
            ),
        )

    before = picture(kept.pk), picture(absorbed.pk)
    assert _manual(absorbed, "address").exists() and _manual(kept, "name").exists()
    merge = person_merge(by=officer, kept=kept, absorbed=absorbed)
    assert _manual(kept, "address").exists()  # moved with the person
    # the merge fills the kept person from the absorbed one: not a community observation
    assert not _manual(kept, "phone").exclude(value_hash=kept.phone_hash).exists()
    merge_undo(by=officer, merge=merge)
    after = picture(kept.pk), picture(absorbed.pk)
    assert after == before


def imported_source(person) -> Source:
    return FieldValue.objects.filter(person=person, source__builtin=False).first().source


def test_the_community_source_is_one_per_district():
    assert builtin_source("350102004001") == builtin_source("350102001001")
    elsewhere = Region.objects.filter(level=5).exclude(code__startswith=DISTRICT).first()
    other = builtin_source(elsewhere.code)
    assert other.region_id == elsewhere.code[:6] and other != builtin_source(JUNMEN)
    assert Source.objects.filter(builtin=True).count() == 2


def test_the_register_names_the_origin_and_integration_skips_only_its_own(worker, imported):
    """The register hands every change to the "person_changed" hook with where it came from;
    integration keeps registry edits and the registry's spreadsheet import as 社区采集 and skips
    the writes it makes itself (origin "integration")."""
    from gongzhi.integration import services
    from gongzhi.registry import services as registry_services

    person_update(by=worker, person=imported, data={"workplace": "甲厂"}, origin=services.ORIGIN)
    assert not _manual(imported, "workplace").exists()
    person_update(
        by=worker, person=imported, data={"workplace": "乙厂"}, origin=registry_services.ORIGIN_IMPORT
    )
    assert list(_manual(imported, "workplace").values_list("value", flat=True)) == ["乙厂"]


def test_the_register_does_not_import_integration():
    """registry sits below integration: it names what changed through the hook, never by import."""
    import ast
    import inspect

    from gongzhi.registry import imports, services

    for module in (services, imports):
        tree = ast.parse(inspect.getsource(module))
        names = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)] + [
            a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
        ]
        assert not [n for n in names if "integration" in n], module.__name__
