"""Import batches: mapping and code tables, refused rows with reasons, idempotence, resuming."""

import pytest

from gongzhi.core.models import ChangeRecord
from gongzhi.integration import codes, services
from gongzhi.integration.models import BatchState, FieldValue, ImportBatch, RecordStatus, SourceRecord
from gongzhi.integration.services import batch_run, batch_submit, source_create
from gongzhi.integration.services import imports as import_services  # where the chunked run lives
from gongzhi.registry.models import Person, PersonTag

from .conftest import csv_bytes, idn, row

pytestmark = pytest.mark.django_db


def test_code_tables_translate_national_labels_and_a_departments_own_codes():
    assert len(codes.ETHNICITY) == 58  # 56 nationalities, 其他, 外国血统
    assert codes.to_national("sex", "女") == "2"
    assert codes.to_national("sex", "F", {"F": "2"}) == "2"
    assert codes.to_national("ethnicity", "畲族") == "22"
    assert codes.to_national("ethnicity", "蒙古") == "02"
    assert codes.to_national("ethnicity", "3") == "03"
    assert codes.to_national("education", "本科", {"本科": "21"}) == "21"
    assert codes.to_national("sex", "X") is None
    assert codes.to_registry("sex", "2") == "F"
    assert codes.to_registry("relationship", "22") == "20"  # 长子 → 子
    assert codes.from_national("sex", "1", {"男": "1"}) == "男"


def test_national_tables_are_loaded_into_the_database():
    from gongzhi.integration.models import NationalCode

    assert NationalCode.objects.filter(table="ethnicity").count() == 58
    assert NationalCode.objects.get(table="relationship", code="02").label == "户主"
    assert NationalCode.objects.filter(table="education", code="21").exists()


def test_columns_and_codes_are_mapped_onto_the_register(officer, civil_source):
    data = csv_bytes([row(name="蓝 秀英", sex="女", id_number=idn(seq=22), 民族="畲", 编号="MZ-001")])
    batch, _new = batch_submit(by=officer, source=civil_source, data=data, filename="a.csv")
    record = SourceRecord.objects.get(batch=batch)
    assert record.status == RecordStatus.ACCEPTED
    assert record.external_id == "MZ-001"
    assert record.values["sex"] == "F" and record.values["ethnicity"] == "22"
    person = record.person
    assert (person.name, person.sex, person.ethnicity) == ("蓝秀英", "F", "22")
    assert person.id_number == idn(seq=22)
    assert person.phone == "13800000001"
    assert person.address == "军门社区1号楼101"
    # the raw row is kept, encrypted, as it came
    assert record.raw["姓名"] == "蓝 秀英"
    assert "350102" not in record.raw_encrypted


def test_rejected_rows_carry_their_reasons_in_chinese(officer, civil_source):
    rows = [
        row(name=""),
        row(name="王五", birth="1980-13-45", id_number=""),
        row(name="赵六", sex="女", id_number=idn(seq=31)),  # odd sequence: a man's number
        row(name="钱七", 社区代码="350103001001", id_number=idn(seq=41)),
        row(name="孙八", sex="未知", id_number=""),
        row(name="周九", 民族="火星", id_number=idn(seq=51)),
        row(name="吴十", id_number=idn(seq=61)),
    ]
    batch, _new = batch_submit(by=officer, source=civil_source, data=csv_bytes(rows), filename="b.csv")
    assert (batch.accepted, batch.rejected) == (2, 5)
    reasons = {
        r.row_number: " ".join(e["message"] for e in r.errors if e["level"] == "error")
        for r in batch.records.filter(status=RecordStatus.REJECTED)
    }
    assert "姓名为空" in reasons[2]
    assert "出生日期" in reasons[3] and "无法识别" in reasons[3]
    assert 4 not in reasons  # the number outranks the sex typed beside it
    assert "不在本部门辖区内" in reasons[5]
    assert "性别代码“未知”无法识别" in reasons[6]
    assert "民族代码“火星”无法识别" in reasons[7]
    assert Person.objects.count() == 2


def test_a_mistyped_number_is_kept_for_comparison_but_not_registered(officer, civil_source):
    wrong = idn(seq=71)[:-1] + ("0" if idn(seq=71)[-1] != "0" else "1")
    batch, _new = batch_submit(
        by=officer, source=civil_source, data=csv_bytes([row(id_number=wrong)]), filename="c.csv"
    )
    record = batch.records.get()
    assert record.status == RecordStatus.ACCEPTED
    assert any("校验位" in e["message"] for e in record.errors)
    assert record.person.id_number == ""
    assert record.id_number == wrong


def test_importing_the_same_file_again_adds_nothing(officer, civil_source):
    data = csv_bytes([row(), row(name="李娜", id_number=idn(seq=22), sex="女"), row(name="")])
    first, new = batch_submit(by=officer, source=civil_source, data=data, filename="a.csv")
    assert new
    counts = (Person.objects.count(), SourceRecord.objects.count(), FieldValue.objects.count())
    again, new = batch_submit(by=officer, source=civil_source, data=data, filename="a (1).csv")
    assert not new and again.pk == first.pk
    assert ImportBatch.objects.count() == 1
    assert (Person.objects.count(), SourceRecord.objects.count(), FieldValue.objects.count()) == counts
    assert (again.accepted, again.rejected, again.created) == (2, 1, 2)


def test_a_second_extract_of_the_same_people_links_instead_of_duplicating(officer, civil_source):
    batch_submit(by=officer, source=civil_source, data=csv_bytes([row()]), filename="a.csv")
    later = csv_bytes([row(phone="13900000009", 住址="军门社区2号楼202")])
    batch, _new = batch_submit(by=officer, source=civil_source, data=later, filename="b.csv")
    assert (batch.matched, batch.created) == (1, 0)
    person = Person.objects.get()
    assert person.phone == "13900000009"  # phone: the most recent value wins (same date: the later)


def _state():
    """Everything an import leaves behind, without database ids."""
    people = sorted(
        (p.name, p.id_number_hash, p.sex, str(p.birth_date), p.phone_hash, p.community_id, p.address)
        for p in Person.objects.all()
    )
    key = {p.pk: (p.name, p.id_number_hash) for p in Person.objects.all()}
    records = sorted(
        (r.row_number, r.status, r.decision, key.get(r.person_id), str(r.errors), r.values.get("name"))
        for r in SourceRecord.objects.all()
    )
    values = sorted(
        (fv.record.row_number, fv.field, fv.value_hash, key[fv.person_id]) for fv in FieldValue.objects.all()
    )
    tags = sorted((key[t.person_id], t.kind, t.source_department_id) for t in PersonTag.objects.all())
    batch = ImportBatch.objects.values(
        "state", "total_rows", "rows_done", "accepted", "rejected", "matched", "created", "review"
    ).get()
    return people, records, values, tags, batch


def _extract():
    return csv_bytes(
        [
            row(),
            row(name="李娜", id_number=idn(seq=22), sex="女"),
            row(name=""),
            row(name="張偉", id_number="", phone="13800000001"),  # the first again, no number
            row(name="王芳", id_number=idn(seq=42), sex="女", 民族="畲"),
            row(name="王芳", id_number=idn(seq=42), sex="女", phone="13700000002"),  # a duplicate row
            row(name="刘强", id_number=idn(seq=53)),
            row(name="陈静", id_number="", sex="女", birth="1990-02-03", phone=""),
            # the same name, born a day later, in another building: uncertain, for review
            row(name="陈静", id_number="", sex="女", birth="1990-02-04", phone="", 住址="军门社区5号楼302"),
            row(name="林涛", id_number=idn(seq=65)),
        ]
    )


def test_an_import_killed_midway_and_run_again_ends_as_an_uninterrupted_one(
    officer, civil_source, monkeypatch
):
    monkeypatch.setattr(import_services, "CHUNK_SIZE", 3)
    data = _extract()
    batch_submit(by=officer, source=civil_source, data=data, filename="a.csv")
    uninterrupted = _state()
    assert uninterrupted[4]["state"] == BatchState.DONE and uninterrupted[4]["rows_done"] == 10

    # Start again from nothing, and kill the run in the middle of its third chunk.
    ImportBatch.objects.all().delete()
    Person.objects.all().delete()
    real = import_services.records_link
    calls = {"n": 0}

    def dying(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(import_services, "records_link", dying)
    with pytest.raises(KeyboardInterrupt):
        batch_submit(by=officer, source=civil_source, data=data, filename="a.csv")
    batch = ImportBatch.objects.get()
    assert batch.state == BatchState.INTERRUPTED
    assert batch.rows_done == 6  # two chunks committed, the third rolled back
    assert SourceRecord.objects.count() == 6
    assert Person.objects.count() > 0

    monkeypatch.setattr(import_services, "records_link", real)
    again, new = batch_submit(by=officer, source=civil_source, data=data, filename="a.csv")
    assert not new
    assert _state() == uninterrupted
    # and running it once more changes nothing
    batch_run(batch=again, by=officer)
    assert _state() == uninterrupted


def test_a_department_imports_only_into_its_own_sources(make_user, officer, civil_source, health):
    from gongzhi.core.errors import ApplicationError

    health_staff = make_user("department_staff", health)
    with pytest.raises(ApplicationError) as exc:
        batch_submit(by=health_staff, source=civil_source, data=csv_bytes([row()]), filename="a.csv")
    assert exc.value.code == "wrong_department"
    civil_staff = make_user("department_staff", civil_source.department)
    batch, _new = batch_submit(by=civil_staff, source=civil_source, data=csv_bytes([row()]), filename="a.csv")
    assert batch.created == 1


def test_an_api_push_is_a_batch_too_and_pushing_it_again_adds_nothing(officer, civil_source):
    rows = [row(), row(name="李娜", id_number=idn(seq=22), sex="女")]
    batch, new = services.batch_push(by=officer, source=civil_source, rows=rows)
    assert new and batch.kind == "api" and batch.created == 2
    again, new = services.batch_push(by=officer, source=civil_source, rows=rows)
    assert not new and again.pk == batch.pk and Person.objects.count() == 2


def test_group_tags_come_with_their_department_and_validity(officer, civil_affairs):
    from gongzhi.integration.models import Source  # noqa: F401

    columns = {
        "姓名": "name",
        "身份证号": "id_number",
        "社区": "community",
        "等级": "tag_grade",
        "类别": "disability_category",
        "发证日期": "tag_valid_from",
    }
    source = source_create(
        by=officer,
        department=civil_affairs,
        name="残疾人名册",
        file_format="csv",
        columns=columns,
        default_tag_kind="disabled",
    )
    data = csv_bytes(
        [
            {
                "姓名": "黄丽",
                "身份证号": idn(seq=82),
                "社区": "军门社区",
                "等级": "二级",
                "类别": "肢体残疾",
                "发证日期": "2020年3月1日",
            }
        ],
        columns=list(columns),
    )
    batch, _new = batch_submit(by=officer, source=source, data=data, filename="d.csv")
    tag = PersonTag.objects.get()
    assert (tag.kind, tag.grade, tag.disability_category) == ("disabled", 2, "physical")
    assert tag.source_department == civil_affairs and str(tag.valid_from) == "2020-03-01"
    # taking the next year's list in does not add the tag twice
    data2 = data.replace("2020年3月1日".encode(), b"2020-03-01")
    batch_submit(by=officer, source=source, data=data2, filename="e.csv")
    assert PersonTag.objects.count() == 1


def test_source_configuration_is_validated(officer, civil_affairs):
    from gongzhi.core.errors import ApplicationError

    def make(**kw):
        args = dict(
            by=officer,
            department=civil_affairs,
            name="x",
            file_format="csv",
            columns={"姓名": "name", "社区": "community"},
        )
        args.update(kw)
        return source_create(**args)

    for kw, code in [
        ({"columns": {"社区": "community"}}, "name_column_required"),
        ({"columns": {"姓名": "name"}}, "community_required"),
        ({"columns": {"姓名": "name", "a": "community", "b": "community"}}, "duplicate_field"),
        ({"columns": {"姓名": "name", "社区": "shoe_size"}}, "unknown_field"),
        ({"code_maps": {"sex": {"男": "7"}}}, "unknown_code"),
        ({"trust_rank": 0}, "trust_rank"),
    ]:
        with pytest.raises(ApplicationError) as exc:
            make(**kw)
        assert exc.value.code == code
    assert not ChangeRecord.objects.filter(object_type="integration.source").exists()


def test_the_resume_extract_covers_every_outcome(officer, civil_source):
    """The extract used above exercises exact, probable, review, created and rejected rows."""
    batch, _new = batch_submit(by=officer, source=civil_source, data=_extract(), filename="a.csv")
    decisions = dict(batch.records.values_list("row_number", "decision"))
    assert decisions[2] == "created" and decisions[5] == "probable" and decisions[7] == "exact"
    assert decisions[4] == "" and decisions[10] == "review"
    assert (batch.accepted, batch.rejected, batch.matched, batch.created, batch.review) == (9, 1, 2, 6, 1)
