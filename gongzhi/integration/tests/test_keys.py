"""The import's blocking keys are kept incrementally: the register's services keep a
person's keys as they register or change them, and an import only builds the keys of the
people a bulk loader added since the last one — never a pass over the whole register."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.core.models import Region
from gongzhi.integration import batchlink
from gongzhi.integration.merging import merge_undo, person_merge
from gongzhi.integration.models import LinkDecision, PersonLinkKey, PersonLinkKeyMark
from gongzhi.integration.rules import IMPORT
from gongzhi.integration.services import batch_submit
from gongzhi.registry import generate
from gongzhi.registry import services as registry_services
from gongzhi.registry.models import Person
from tests.factories import PersonFactory

from . import noise
from .conftest import JUNMEN, csv_bytes, idn, row

pytestmark = pytest.mark.django_db

_JOIN = 'JOIN "integration_personlinkkey"'


def _import(officer, source, rows, name):
    batch, _new = batch_submit(by=officer, source=source, data=csv_bytes(rows), filename=name)
    return list(batch.records.order_by("row_number"))


def _load(n: int, seed: int = 3) -> list[noise.Person]:
    """n people put in by the bulk loader, behind the register's services."""
    codes = [JUNMEN]
    people = noise.make_people(random.Random(seed), n, codes, ids=noise.Ids())
    offset = (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    generate.persons_load(noise.person_record(p, offset + k) for k, p in enumerate(people))
    generate._reset_sequences([Person])
    return people


def test_the_services_keep_a_persons_keys_as_they_register_and_change_them(officer):
    junmen = Region.objects.get(code=JUNMEN)
    person = registry_services.person_create(
        by=officer,
        community=junmen,
        data={"name": "王小明", "id_number": idn(dt.date(1985, 6, 7), 31)},
        perm=IMPORT,
    )
    key = PersonLinkKey.objects.get(person=person)  # no import has run
    assert key.birth_name == "350102|19850607|wangxiaoming"
    assert key.community_birth == f"{JUNMEN}|19850607"
    registry_services.person_update(by=officer, person=person, data={"name": "王晓鸣"}, perm=IMPORT)
    assert PersonLinkKey.objects.get(person=person).community_name == f"{JUNMEN}|wangxiaoming"
    registry_services.person_update(by=officer, person=person, data={"name": "李四"}, perm=IMPORT)
    assert PersonLinkKey.objects.get(person=person).community_name == f"{JUNMEN}|lisi"


def test_an_import_keys_only_the_people_loaded_since_the_last_one(officer, civil_source):
    _load(300)
    with CaptureQueriesContext(connection) as first:
        assert batchlink.keys_sync() == 300
    assert PersonLinkKey.objects.count() == 300
    assert PersonLinkKeyMark.objects.get().person_pk == Person.objects.order_by("-pk").first().pk
    # Nothing new: the start-of-import check reads the mark and the highest id, nothing else.
    with CaptureQueriesContext(connection) as ctx:
        assert batchlink.keys_sync() == 0
    assert len(ctx.captured_queries) <= 4
    assert not [q for q in ctx.captured_queries + first.captured_queries if _JOIN in q["sql"]]
    # Ten more loaded: ten keyed, the others untouched.
    people = _load(10, seed=4)
    before = dict(PersonLinkKey.objects.values_list("person_id", "person_updated_at"))
    assert batchlink.keys_sync() == 10
    after = dict(PersonLinkKey.objects.values_list("person_id", "person_updated_at"))
    assert len(after) == 310 and all(after[pk] == t for pk, t in before.items())
    # and an import finds a loaded person by name and birth date alone (the keys)
    p = people[0]
    [record] = _import(
        officer,
        civil_source,
        [row(name=p.name, id_number="", sex="", birth=p.birth.isoformat(), phone="", 住址="")],
        "a.csv",
    )
    assert record.person.name == p.name and record.decision == LinkDecision.PROBABLE


def test_people_registered_through_the_services_do_not_hold_the_mark_back(officer, civil_source):
    """A person registered by the services after a bulk load has a higher id and keys of
    their own; the loaded people below them are still keyed by the next import."""
    loaded = _load(20)
    registry_services.person_create(
        by=officer,
        community=Region.objects.get(code=JUNMEN),
        data={"name": "赵新", "id_number": idn(dt.date(1990, 1, 1), 41)},
        perm=IMPORT,
    )
    assert PersonLinkKey.objects.count() == 1
    p = loaded[5]
    [record] = _import(
        officer,
        civil_source,
        [row(name=p.name, id_number="", sex="", birth=p.birth.isoformat(), phone="", 住址="")],
        "a.csv",
    )
    assert PersonLinkKey.objects.count() == 21
    assert record.person is not None and record.person.name == p.name


def test_a_change_made_behind_the_services_is_repaired_by_the_full_check(officer, civil_source, tmp_path):
    person = PersonFactory(
        name="钱多多", birth_date=dt.date(1970, 2, 3), id_number=idn(dt.date(1970, 2, 3), 51)
    )
    batchlink.keys_sync()
    Person.objects.filter(pk=person.pk).update(name="钱朵朵", updated_at=person.updated_at + dt.timedelta(1))
    assert batchlink.keys_sync() == 0  # the incremental check does not see it
    assert "qianduoduo" in PersonLinkKey.objects.get(person=person).birth_name
    Person.objects.filter(pk=person.pk).update(name="孙悟空", updated_at=person.updated_at + dt.timedelta(2))
    path = tmp_path / "x.csv"
    path.write_bytes(
        csv_bytes([row(name="孙悟空", id_number="", sex="男", birth="1970-02-03", phone="", 住址="")])
    )
    out = io.StringIO()
    call_command(
        "integration_import",
        str(civil_source.pk),
        str(path),
        user=officer.username,
        check_keys=True,
        stdout=out,
    )
    assert "sunwukong" in PersonLinkKey.objects.get(person=person).birth_name
    assert "blocking keys checked for every person: 1 rebuilt" in out.getvalue()
    record = civil_source.batches.get().records.get()
    assert record.person_id == person.pk


def test_a_merge_and_its_undo_leave_both_peoples_keys_right(officer):
    junmen = Region.objects.get(code=JUNMEN)
    kept = registry_services.person_create(
        by=officer,
        community=junmen,
        data={"name": "林秀英", "id_number": idn(dt.date(1950, 1, 2), 22)},
        perm=IMPORT,
    )
    absorbed = registry_services.person_create(
        by=officer,
        community=junmen,
        data={"name": "林秀瑛", "sex": "F", "birth_date": "1950-01-03"},
        perm=IMPORT,
    )
    PersonLinkKey.objects.filter(person=kept).delete()  # so the absorbed person's keys would move over
    merge = person_merge(by=officer, kept=kept, absorbed=absorbed, reason="同一人")
    assert list(PersonLinkKey.objects.values_list("person_id", "community_birth")) == [
        (kept.pk, f"{JUNMEN}|19500102")
    ]
    merge_undo(by=officer, merge=merge)
    keys = dict(PersonLinkKey.objects.values_list("person_id", "community_birth"))
    assert keys == {kept.pk: f"{JUNMEN}|19500102", absorbed.pk: f"{JUNMEN}|19500103"}
